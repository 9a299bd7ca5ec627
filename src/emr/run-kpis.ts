import type { EMRClient, StepConfig } from '@aws-sdk/client-emr';
import type { S3Client } from '@aws-sdk/client-s3';
import { cancelRun, CancelRunResult } from './cancel';
import { buildRunJobFlowRequest, ClusterSpecOptions } from './cluster-spec';
import { EmrRunReport, toStepReport } from './emr-run-report';
import { fetchStepLogTail, StepLogResult } from './step-logs';
import { buildKpiSteps, KpiStepsOptions } from './steps';
import { Submission, submitToExistingCluster, submitToNewCluster } from './submit';
import { waitForSteps } from './wait-for-steps';
import { Clock, sleep as realSleep, Sleep, systemClock } from '../timing/clock';

/** Where the steps run. */
export type EmrTarget =
  /** A cluster created for this run that ends with its last step. */
  | { readonly mode: 'transient'; readonly cluster: ClusterSpecOptions }
  /** A running cluster the run adds steps to and never terminates. */
  | { readonly mode: 'existing'; readonly clusterId: string }
  /** No cluster: the environment's compute stack runs its jobs on EMR Serverless (src/emr-serverless/). */
  | { readonly mode: 'serverless' };

/** How to run steps on EMR and wait for them, whatever the steps. */
export interface EmrStepsRunOptions {
  readonly target: EmrTarget;
  /** Overall limit on waiting for the steps; on expiry they are cancelled (and a transient cluster terminated). */
  readonly timeoutMs: number;
  /**
   * First pause between polls.
   * @default 15_000
   */
  readonly pollIntervalMs?: number;
  /**
   * Longest pause between polls.
   * @default 60_000
   */
  readonly maxPollIntervalMs?: number;
  /**
   * How long to wait for a failed step's log to reach S3.
   * @default 360_000
   */
  readonly logWaitMs?: number;
}

export interface EmrRunOptions extends EmrStepsRunOptions {
  readonly steps: KpiStepsOptions;
}

export interface EmrRunDeps {
  readonly emr: EMRClient;
  readonly s3: S3Client;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default a timer that ends early on abort */
  readonly sleep?: Sleep;
  /** Abort on SIGINT/SIGTERM or a cancelled workflow: unfinished steps are cancelled, a transient cluster terminated. */
  readonly signal?: AbortSignal;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Called as soon as this run has created a cluster, so a caller that dies later can still clean it up. */
  readonly onClusterCreated?: (clusterId: string) => void | Promise<void>;
  /** Called once the steps are submitted. */
  readonly onSubmitted?: (submission: Submission) => void | Promise<void>;
}

/**
 * Runs the KPI jobs as EMR steps and waits for them: the `aws` target of `clickstream kpis` and
 * the run-emr-kpis action. Never leaves work behind: on timeout, abort or an error after
 * submitting, unfinished steps are cancelled and a cluster this run created is terminated.
 */
export async function runKpisOnEmr(options: EmrRunOptions, deps: EmrRunDeps): Promise<EmrRunReport> {
  const report = await runStepsOnEmr(options, buildKpiSteps(options.steps), deps);
  return options.steps.run?.runId ? { ...report, runId: options.steps.run.runId } : report;
}

/** Runs `steps` on the target cluster and waits for them, with the cleanup guarantees of {@link runKpisOnEmr}. */
export async function runStepsOnEmr(options: EmrStepsRunOptions, steps: StepConfig[], deps: EmrRunDeps): Promise<EmrRunReport> {
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? realSleep;
  const log = deps.log ?? (() => undefined);
  const started = clock();

  let createdClusterId: string | undefined;
  let submission: Submission | undefined;
  try {
    if (options.target.mode === 'serverless') {
      throw new Error('This environment runs its jobs on EMR Serverless (its compute stack\'s Compute output), not on an EMR cluster. ' +
        'KPI runs on EMR Serverless go through `clickstream kpis --target aws` or the run-emr-kpis action; `clickstream run --target aws` and ' +
        'table maintenance still need clusters: deploy the environment with -c compute=emr for those.');
    }
    if (options.target.mode === 'transient') {
      const request = buildRunJobFlowRequest(options.target.cluster, steps);
      submission = await submitToNewCluster(request, { emr: deps.emr, sleep }, async (clusterId) => {
        createdClusterId = clusterId;
        log(`Started transient cluster ${clusterId}.`);
        await deps.onClusterCreated?.(clusterId);
      });
    } else {
      submission = await submitToExistingCluster(options.target.clusterId, steps, { emr: deps.emr, sleep });
    }
    log(`Submitted step(s) ${submission.stepIds.join(', ')} to cluster ${submission.clusterId}.`);
    await deps.onSubmitted?.(submission);

    const outcome = await waitForSteps({
      clusterId: submission.clusterId,
      stepIds: submission.stepIds,
      timeoutMs: options.timeoutMs,
      pollIntervalMs: options.pollIntervalMs,
      maxPollIntervalMs: options.maxPollIntervalMs,
      signal: deps.signal,
    }, { emr: deps.emr, clock, sleep, log });

    let logs: StepLogResult | undefined;
    let cleanup: CancelRunResult | undefined;
    if (outcome.kind === 'step-failed') {
      const failed = outcome.failedSteps[0];
      const logUri = outcome.cluster.logUri ?? (options.target.mode === 'transient' ? options.target.cluster.logUri : undefined);
      logs = logUri
        ? await fetchStepLogTail({
          logUri,
          clusterId: submission.clusterId,
          stepId: failed.id,
          failureLogFile: failed.failure?.logFile,
          maxWaitMs: options.logWaitMs,
          signal: deps.signal,
        }, { s3: deps.s3, clock, sleep })
        : { found: false, message: `Cluster ${submission.clusterId} has no log URI, so EMR kept no step logs.` };
    } else if (outcome.kind === 'timed-out' || outcome.kind === 'aborted') {
      const { clusterId, stepIds, createdCluster } = submission;
      cleanup = await cancelRun({ clusterId, stepIds, terminateCluster: createdCluster }, deps.emr);
    }
    const now = new Date(clock());
    return {
      result: outcome.kind,
      message: outcome.message,
      clusterId: submission.clusterId,
      createdCluster: submission.createdCluster,
      steps: outcome.steps.map((s) => toStepReport(s, now)),
      durationSeconds: Math.round((clock() - started) / 1000),
      ...(outcome.cluster.normalizedInstanceHours !== undefined ? { normalizedInstanceHours: outcome.cluster.normalizedInstanceHours } : {}),
      ...(logs ? { logs } : {}),
      ...(cleanup ? { cleanup } : {}),
    };
  } catch (e) {
    const clusterId = submission?.clusterId ?? createdClusterId;
    if (!clusterId) throw e;
    const cleanup = await cancelRun({ clusterId, stepIds: submission?.stepIds ?? [], terminateCluster: Boolean(createdClusterId) }, deps.emr);
    const done = [
      cleanup.cancelledStepIds.length ? `cancelled step(s) ${cleanup.cancelledStepIds.join(', ')}` : '',
      cleanup.terminatedClusterId ? `terminated cluster ${cleanup.terminatedClusterId}` : '',
    ].filter(Boolean).join(' and ') || 'nothing to clean up';
    throw new Error(`${(e as Error).message ?? String(e)} (after submitting to cluster ${clusterId}; ${done}${cleanup.problems.length ? `; ${cleanup.problems.join(' ')}` : ''})`, { cause: e });
  }
}
