import { EMRServerlessClient, GetJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { ENDED_JOB_RUN_STATES } from './cancel-job-runs';
import { BilledUsage, NOTHING_BILLED, addBilledUsage, billedUsageOf } from '../cost/serverless-usage';

/** What EMR Serverless billed for some job runs, and why the others are not counted. */
export interface JobRunsBill {
  /** Added up over the counted job runs. */
  readonly billed: BilledUsage;
  /** The job runs whose billed usage is in `billed`. */
  readonly counted: readonly string[];
  /** One sentence per job run left out. */
  readonly notes: readonly string[];
}

/**
 * The job runs' billed usage, from GetJobRun. The API reference's JobRun gives billedResourceUtilization
 * as "the aggregate vCPU, memory, and storage that AWS has billed for the job run" (a one-minute minimum
 * for workers, storage beyond 20 GB per worker, not idle pre-initialized workers) and marks it optional.
 * It is counted only for a run that has ended, whose bill can grow no more; a run still going, one that
 * reports none, and one that cannot be read are each a note, never a failure.
 */
export async function billedJobRuns(client: Pick<EMRServerlessClient, 'send'>, applicationId: string, jobRunIds: readonly string[]): Promise<JobRunsBill> {
  let billed = NOTHING_BILLED;
  const counted: string[] = [];
  const notes: string[] = [];
  for (const jobRunId of jobRunIds) {
    let run;
    try {
      run = (await client.send(new GetJobRunCommand({ applicationId, jobRunId }))).jobRun;
    } catch (e) {
      notes.push(`Job run ${jobRunId} of application ${applicationId} could not be read, so its billed usage is not counted: ${(e as Error).message}`);
      continue;
    }
    if (!run?.state || !ENDED_JOB_RUN_STATES.includes(run.state)) {
      notes.push(`Job run ${jobRunId} is ${run?.state ?? 'in no state'}: its billed usage is known once it has ended, so it is not counted.`);
    } else if (!run.billedResourceUtilization) {
      notes.push(`Job run ${jobRunId} ended ${run.state} and reports no billed usage, so it is not counted.`);
    } else {
      billed = addBilledUsage(billed, billedUsageOf(run.billedResourceUtilization));
      counted.push(jobRunId);
    }
  }
  return { billed, counted, notes };
}
