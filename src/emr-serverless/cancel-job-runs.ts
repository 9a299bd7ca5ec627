import { CancelJobRunCommand, EMRServerlessClient, GetJobRunCommand, JobRunState } from '@aws-sdk/client-emr-serverless';

/** Job run states of a run that still goes, and so still costs and still writes (EMR Serverless User Guide, "Job run states"). */
export const GOING_JOB_RUN_STATES: readonly JobRunState[] = ['SUBMITTED', 'QUEUED', 'PENDING', 'SCHEDULED', 'RUNNING'];

/** Job run states that end a run (the same page: CANCELLING ends in CANCELLED). */
export const ENDED_JOB_RUN_STATES: readonly JobRunState[] = ['SUCCESS', 'FAILED', 'CANCELLED'];

/** A job run that could not be cancelled, and the command that cancels it. */
export interface UncancelledJobRun {
  readonly jobRunId: string;
  /** `ValidationException: ...` */
  readonly error: string;
  readonly command: string;
}

/** The AWS CLI command that cancels a job run. */
export function cancelJobRunCommand(applicationId: string, jobRunId: string, region?: string): string {
  return `aws emr-serverless cancel-job-run${region ? ` --region ${region}` : ''} --application-id ${applicationId} --job-run-id ${jobRunId}`;
}

/** A job run a request about failed for, with the error and the command that cancels it by hand. */
function uncancelled(applicationId: string, jobRunId: string, error: unknown, region?: string): UncancelledJobRun {
  const e = error as Error;
  return { jobRunId, error: `${e.name}: ${e.message}`, command: cancelJobRunCommand(applicationId, jobRunId, region) };
}

/**
 * Cancels job runs (API Reference, "CancelJobRun": a run goes to CANCELLING, then CANCELLED), each on
 * its own: one that cannot be cancelled (it ended meanwhile, or access is denied) is returned with
 * the command that cancels it, and the others are still cancelled. The runner (timeout, abort, a
 * failed start) and the preview teardown share it.
 */
export async function cancelJobRuns(
  client: Pick<EMRServerlessClient, 'send'>, applicationId: string, jobRunIds: readonly string[], region?: string,
): Promise<{ cancelled: string[]; failed: UncancelledJobRun[] }> {
  const cancelled: string[] = [];
  const failed: UncancelledJobRun[] = [];
  for (const jobRunId of jobRunIds) {
    try {
      await client.send(new CancelJobRunCommand({ applicationId, jobRunId }));
      cancelled.push(jobRunId);
    } catch (error) {
      failed.push(uncancelled(applicationId, jobRunId, error, region));
    }
  }
  return { cancelled, failed };
}

/**
 * Cancels those of `jobRunIds` that still go (GetJobRun first: a run that ended needs nothing, and
 * CancelJobRun would refuse it), for a clean-up that does not know how far the run got.
 */
export async function cancelGoingJobRuns(
  client: Pick<EMRServerlessClient, 'send'>, applicationId: string, jobRunIds: readonly string[], region?: string,
): Promise<{ cancelled: string[]; failed: UncancelledJobRun[] }> {
  const going: string[] = [];
  const failed: UncancelledJobRun[] = [];
  for (const jobRunId of jobRunIds) {
    try {
      const state = (await client.send(new GetJobRunCommand({ applicationId, jobRunId }))).jobRun?.state;
      if (state && GOING_JOB_RUN_STATES.includes(state)) going.push(jobRunId);
    } catch (error) {
      failed.push(uncancelled(applicationId, jobRunId, error, region));
    }
  }
  const outcome = await cancelJobRuns(client, applicationId, going, region);
  return { cancelled: outcome.cancelled, failed: [...failed, ...outcome.failed] };
}
