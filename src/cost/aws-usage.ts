import { EMRClient, paginateListInstances, paginateListSteps } from '@aws-sdk/client-emr';
import { EMRServerlessClient, GetJobRunCommand, JobRunState } from '@aws-sdk/client-emr-serverless';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { EmrInstanceUsage, TimeSpan } from './estimate';
import { BilledUsage, NOTHING_BILLED, addBilledUsage, billedUsageOf } from './serverless-usage';

/**
 * A cluster's EC2 instances, from ListInstances (EMR API reference, ListInstances and Instance:
 * InstanceType, Market ON_DEMAND | SPOT, Status.Timeline CreationDateTime / EndDateTime; active
 * instances and those terminated in the last 30 days).
 */
export async function listClusterInstances(emr: EMRClient, clusterId: string): Promise<EmrInstanceUsage[]> {
  const instances: EmrInstanceUsage[] = [];
  for await (const page of paginateListInstances({ client: emr }, { ClusterId: clusterId })) {
    for (const instance of page.Instances ?? []) {
      const created = instance.Status?.Timeline?.CreationDateTime;
      // An instance still awaiting fulfilment has no creation time and costs nothing yet.
      if (!created || !instance.InstanceType) continue;
      instances.push({
        id: instance.Ec2InstanceId ?? instance.Id ?? '?',
        instanceType: instance.InstanceType,
        market: instance.Market === 'SPOT' ? 'SPOT' : 'ON_DEMAND',
        createdAt: created,
        endedAt: instance.Status?.Timeline?.EndDateTime,
      });
    }
  }
  return instances;
}

/**
 * From the first step's start to the last step's end (ListSteps with StepIds; StepTimeline
 * StartDateTime / EndDateTime): the run's share of a cluster it did not create. Undefined when no
 * step started.
 */
export async function stepsSpan(emr: EMRClient, clusterId: string, stepIds: readonly string[], now: Date): Promise<TimeSpan | undefined> {
  let from: number | undefined;
  let to: number | undefined;
  for await (const page of paginateListSteps({ client: emr }, { ClusterId: clusterId, StepIds: [...stepIds] })) {
    for (const step of page.Steps ?? []) {
      const start = step.Status?.Timeline?.StartDateTime;
      if (!start) continue;
      const end = step.Status?.Timeline?.EndDateTime ?? now;
      from = Math.min(from ?? Infinity, start.getTime());
      to = Math.max(to ?? -Infinity, end.getTime());
    }
  }
  return from !== undefined && to !== undefined ? { from: new Date(from), to: new Date(to) } : undefined;
}

/** The stream's capacity mode (DescribeStreamSummary: StreamModeDetails.StreamMode). */
export async function streamMode(kinesis: KinesisClient, streamName: string): Promise<'PROVISIONED' | 'ON_DEMAND' | undefined> {
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return summary.StreamDescriptionSummary?.StreamModeDetails?.StreamMode;
}

/** The states that end a job run (EMR Serverless User Guide, "Job run states"). */
const ENDED_JOB_RUN_STATES: readonly JobRunState[] = ['SUCCESS', 'FAILED', 'CANCELLED'];

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
