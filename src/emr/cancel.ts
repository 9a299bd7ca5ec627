import { CancelStepsCommand, EMRClient, ListStepsCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';

export interface CancelRunOptions {
  readonly clusterId: string;
  /** The run's steps; only those still PENDING or RUNNING are cancelled. */
  readonly stepIds: readonly string[];
  /** Terminate the cluster too: true only for a transient cluster this run created. */
  readonly terminateCluster: boolean;
}

/** What cleanup did; `problems` is empty when everything it asked for was accepted. */
export interface CancelRunResult {
  readonly cancelledStepIds: readonly string[];
  readonly terminatedClusterId?: string;
  readonly problems: readonly string[];
}

/**
 * Cancels the run's unfinished steps and, for a transient cluster, terminates it. A failure of one
 * part never skips the next: a cluster left running costs money every hour.
 */
export async function cancelRun(options: CancelRunOptions, emr: EMRClient): Promise<CancelRunResult> {
  const problems: string[] = [];
  let cancelledStepIds: string[] = [];
  if (options.stepIds.length > 0) {
    try {
      const listed = await emr.send(new ListStepsCommand({
        ClusterId: options.clusterId,
        StepIds: [...options.stepIds],
        StepStates: ['PENDING', 'RUNNING'],
      }));
      const open = (listed.Steps ?? []).map((s) => s.Id).filter((id): id is string => Boolean(id));
      if (open.length > 0) {
        // SEND_INTERRUPT lets Spark's driver shut down and release its YARN containers.
        const result = await emr.send(new CancelStepsCommand({ ClusterId: options.clusterId, StepIds: open, StepCancellationOption: 'SEND_INTERRUPT' }));
        for (const info of result.CancelStepsInfoList ?? []) {
          if (info.Status === 'FAILED') problems.push(`EMR refused to cancel step ${info.StepId} on cluster ${options.clusterId}: ${info.Reason ?? 'no reason given'}.`);
        }
        cancelledStepIds = (result.CancelStepsInfoList ?? []).filter((i) => i.Status === 'SUBMITTED' && i.StepId).map((i) => i.StepId!);
      }
    } catch (e) {
      problems.push(`Could not cancel steps ${options.stepIds.join(', ')} on cluster ${options.clusterId}: ${errorText(e)}.`);
    }
  }
  if (!options.terminateCluster) return { cancelledStepIds, problems };
  try {
    await emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [options.clusterId] }));
    return { cancelledStepIds, terminatedClusterId: options.clusterId, problems };
  } catch (e) {
    problems.push(`Could not terminate cluster ${options.clusterId}: ${errorText(e)}. Terminate it in the EMR console: it costs money while it runs.`);
    return { cancelledStepIds, problems };
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
