import type { Cluster, StepState, StepSummary } from '@aws-sdk/client-emr';

/** One step as last seen. */
export interface StepSnapshot {
  readonly id: string;
  readonly name: string;
  /** `UNKNOWN` when EMR did not list the step. */
  readonly state: StepState | 'UNKNOWN';
  /** Why a FAILED step failed, as EMR found it in the step's logs. */
  readonly failure?: {
    readonly reason?: string;
    readonly message?: string;
    /** The log file EMR found the reason in. */
    readonly logFile?: string;
  };
  /** Why the step changed state (set for INTERRUPTED and CANCELLED steps, sometimes). */
  readonly stateChangeMessage?: string;
  readonly startedAt?: Date;
  readonly endedAt?: Date;
}

/** The cluster as last seen. */
export interface ClusterSnapshot {
  readonly id: string;
  readonly state: string;
  readonly stateChangeReason?: { readonly code?: string; readonly message?: string };
  /** The cluster's own log location, which for an existing cluster is not ours to choose. */
  readonly logUri?: string;
  /** EMR's normalized instance hours so far; EMR updates it roughly hourly. */
  readonly normalizedInstanceHours?: number;
}

const TERMINAL_STEP_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED']);
const ENDING_CLUSTER_STATES: ReadonlySet<string> = new Set(['TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS']);

export function isTerminalStep(step: StepSnapshot): boolean {
  return TERMINAL_STEP_STATES.has(step.state);
}

/** True once the cluster can run nothing more. */
export function isClusterEnding(cluster: ClusterSnapshot): boolean {
  return ENDING_CLUSTER_STATES.has(cluster.state);
}

export function toStepSnapshot(summary: StepSummary): StepSnapshot {
  const status = summary.Status ?? {};
  const failure = status.FailureDetails;
  return {
    id: summary.Id ?? '',
    name: summary.Name ?? '',
    state: status.State ?? 'UNKNOWN',
    ...(failure ? { failure: { reason: failure.Reason, message: failure.Message, logFile: failure.LogFile } } : {}),
    ...(status.StateChangeReason?.Message ? { stateChangeMessage: status.StateChangeReason.Message } : {}),
    ...(status.Timeline?.StartDateTime ? { startedAt: status.Timeline.StartDateTime } : {}),
    ...(status.Timeline?.EndDateTime ? { endedAt: status.Timeline.EndDateTime } : {}),
  };
}

export function toClusterSnapshot(clusterId: string, cluster: Cluster | undefined): ClusterSnapshot {
  const reason = cluster?.Status?.StateChangeReason;
  return {
    id: clusterId,
    state: cluster?.Status?.State ?? 'UNKNOWN',
    ...(reason && (reason.Code || reason.Message) ? { stateChangeReason: { code: reason.Code, message: reason.Message } } : {}),
    ...(cluster?.LogUri ? { logUri: cluster.LogUri } : {}),
    ...(cluster?.NormalizedInstanceHours !== undefined ? { normalizedInstanceHours: cluster.NormalizedInstanceHours } : {}),
  };
}

/** `s-123 (clickstream-kpi-sensor_health)`: ids to search the console by, names to read. */
export function describeStep(step: StepSnapshot): string {
  return step.name ? `${step.id} (${step.name})` : step.id;
}

export function describeClusterReason(cluster: ClusterSnapshot): string {
  const { code, message } = cluster.stateChangeReason ?? {};
  return [code, message].filter(Boolean).join(': ') || 'no reason given';
}
