import { DescribeClusterCommand, EMRClient, paginateListSteps, StepSummary } from '@aws-sdk/client-emr';
import {
  ClusterSnapshot, describeClusterReason, describeStep, isClusterEnding, isTerminalStep, StepSnapshot,
  toClusterSnapshot, toStepSnapshot,
} from './snapshots';
import { Clock, Sleep } from '../timing/clock';
import { pollUntil } from '../timing/poll';

export interface WaitForStepsOptions {
  readonly clusterId: string;
  /** The steps of this run, in submission order; at most 10, the limit of ListSteps' id filter. */
  readonly stepIds: readonly string[];
  /** Give up (and report `timed-out`) after this long. */
  readonly timeoutMs: number;
  /**
   * First pause between polls; each pause is 1.5 times the previous one, up to {@link maxPollIntervalMs}.
   * @default 15_000
   */
  readonly pollIntervalMs?: number;
  /**
   * Longest pause between polls.
   * @default 60_000
   */
  readonly maxPollIntervalMs?: number;
  /** Aborting stops the wait with an `aborted` outcome (SIGINT, SIGTERM, a cancelled workflow). */
  readonly signal?: AbortSignal;
}

export interface WaitDeps {
  readonly emr: EMRClient;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Receives a line whenever the cluster or a step changes state. */
  readonly log?: (line: string) => void;
}

interface OutcomeBase {
  /** One sentence naming the cluster, the steps and the reason. */
  readonly message: string;
  readonly cluster: ClusterSnapshot;
  /** Every step of the run, in submission order. */
  readonly steps: readonly StepSnapshot[];
}

/** How waiting ended. Every outcome but `completed` means the KPI tables are not all up to date. */
export type WaitOutcome = OutcomeBase & (
  | { readonly kind: 'completed' }
  /** At least one step FAILED; `failedSteps` in submission order, each with EMR's FailureDetails. */
  | { readonly kind: 'step-failed'; readonly failedSteps: readonly StepSnapshot[] }
  /** A step was CANCELLED by someone or something other than this run. */
  | { readonly kind: 'step-cancelled' }
  /** A step was INTERRUPTED (its node went away, or EMR stopped it). */
  | { readonly kind: 'step-interrupted' }
  /** The cluster ended before every step completed. */
  | { readonly kind: 'cluster-terminated' }
  /** The timeout passed with steps still pending or running; they are still there. */
  | { readonly kind: 'timed-out' }
  /** The wait was aborted with steps still pending or running; they are still there. */
  | { readonly kind: 'aborted' }
);

export type WaitOutcomeKind = WaitOutcome['kind'];

/**
 * Polls the cluster and the run's steps until every step has ended, the cluster ends, the timeout
 * passes or the signal aborts. Polls back off so an hour-long run makes a few hundred calls, not
 * thousands. (The SDK's step waiter watches one step and not the cluster, and cannot take an
 * injected clock, hence this loop; throttled calls are retried by the client's retry strategy.)
 */
export async function waitForSteps(options: WaitForStepsOptions, deps: WaitDeps): Promise<WaitOutcome> {
  const maxInterval = options.maxPollIntervalMs ?? 60_000;
  let lastStates = '';
  const outcome = await pollUntil(async () => {
    const { cluster, steps } = await poll(deps.emr, options.clusterId, options.stepIds);
    const states = [`cluster ${cluster.id} ${cluster.state}`, ...steps.map((s) => `${describeStep(s)} ${s.state}`)].join(', ');
    if (states !== lastStates) deps.log?.(states);
    lastStates = states;
    const decided = decide(cluster, steps);
    return decided ? { done: true, value: decided } : { done: false, pending: { cluster, steps } };
  }, {
    timeoutMs: options.timeoutMs,
    backoff: { initialMs: Math.min(options.pollIntervalMs ?? 15_000, maxInterval), maxMs: maxInterval, factor: 1.5 },
    signal: options.signal,
    clock: deps.clock,
    sleep: deps.sleep,
  });
  if (outcome.kind === 'done') return outcome.value;
  const { cluster, steps } = outcome.pending;
  return outcome.kind === 'aborted'
    ? { kind: 'aborted', cluster, steps, message: `The run was cancelled while ${unfinished(steps)} on cluster ${cluster.id}.` }
    : {
      kind: 'timed-out',
      cluster,
      steps,
      message: `Timed out after ${formatMinutes(options.timeoutMs)} with ${unfinished(steps)} on cluster ${cluster.id}; raise timeout-minutes or shrink the date window.`,
    };
}

async function poll(emr: EMRClient, clusterId: string, stepIds: readonly string[]) {
  const described = await emr.send(new DescribeClusterCommand({ ClusterId: clusterId }));
  const summaries: StepSummary[] = [];
  for await (const page of paginateListSteps({ client: emr }, { ClusterId: clusterId, StepIds: [...stepIds] })) {
    summaries.push(...(page.Steps ?? []));
  }
  const byId = new Map(summaries.map((s) => [s.Id, toStepSnapshot(s)]));
  const steps = stepIds.map((id): StepSnapshot => byId.get(id) ?? { id, name: '', state: 'UNKNOWN' });
  return { cluster: toClusterSnapshot(clusterId, described.Cluster), steps };
}

/** The outcome once there is one; undefined while work is still pending or running. */
function decide(cluster: ClusterSnapshot, steps: readonly StepSnapshot[]): WaitOutcome | undefined {
  const ending = isClusterEnding(cluster);
  if (!ending && !steps.every(isTerminalStep)) return undefined;
  const base = { cluster, steps };
  if (steps.every((s) => s.state === 'COMPLETED')) {
    return { ...base, kind: 'completed', message: `All ${steps.length} step(s) completed on cluster ${cluster.id}: ${steps.map(describeStep).join(', ')}.` };
  }
  const failed = steps.filter((s) => s.state === 'FAILED');
  if (failed.length > 0) {
    const first = failed[0];
    const why = [first.failure?.reason, first.failure?.message].filter(Boolean).join(': ') || 'EMR gave no failure details';
    const sentence = why.replace(/\.+$/, '');
    const others = failed.length > 1 ? ` Also failed: ${failed.slice(1).map(describeStep).join(', ')}.` : '';
    const clusterNote = cluster.state === 'TERMINATED_WITH_ERRORS' && cluster.stateChangeReason?.code !== 'STEP_FAILURE'
      ? ` Cluster ${cluster.id} is TERMINATED_WITH_ERRORS (${describeClusterReason(cluster)}).`
      : '';
    const logNote = first.failure?.logFile ? ` Log: ${first.failure.logFile}.` : '';
    return { ...base, kind: 'step-failed', failedSteps: failed, message: `Step ${describeStep(first)} FAILED on cluster ${cluster.id}: ${sentence}.${logNote}${others}${clusterNote}` };
  }
  if (ending) {
    return {
      ...base,
      kind: 'cluster-terminated',
      message: `Cluster ${cluster.id} is ${cluster.state} (${describeClusterReason(cluster)}) before all steps completed: ${steps.map((s) => `${describeStep(s)} ${s.state}`).join(', ')}.`,
    };
  }
  const interrupted = steps.find((s) => s.state === 'INTERRUPTED');
  if (interrupted) {
    return {
      ...base,
      kind: 'step-interrupted',
      message: `Step ${describeStep(interrupted)} was INTERRUPTED on cluster ${cluster.id}: ${interrupted.stateChangeMessage ?? 'no reason given'}.`,
    };
  }
  const cancelled = steps.filter((s) => s.state === 'CANCELLED');
  return {
    ...base,
    kind: 'step-cancelled',
    message: `Step(s) ${cancelled.map(describeStep).join(', ')} were CANCELLED on cluster ${cluster.id} by something other than this run (the console, another client, or another step's ActionOnFailure).`,
  };
}

function unfinished(steps: readonly StepSnapshot[]): string {
  const open = steps.filter((s) => !isTerminalStep(s));
  return `${open.length} unfinished step(s) (${open.map((s) => `${describeStep(s)} ${s.state}`).join(', ')})`;
}

function formatMinutes(ms: number): string {
  return `${Math.round((ms / 60_000) * 10) / 10} minute(s)`;
}
