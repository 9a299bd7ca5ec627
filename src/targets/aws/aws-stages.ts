import type { AthenaClient } from '@aws-sdk/client-athena';
import type { EMRClient } from '@aws-sdk/client-emr';
import type { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { athenaEngine } from './athena-engine';
import { ResourceNames } from '../../config/names';
import { validateScriptsVersion } from '../../config/scripts';
import type { CloudFormationLike } from '../../config/stack-outputs';
import { OUTPUT_KEYS, ResolvedAwsNames, resolveAwsNames, stackName } from '../../config/stack-outputs';
import { MeteredEngine } from '../../cost/metered-engine';
import { PriceTable, priceTableFor } from '../../cost/prices';
import { EmrRunReport } from '../../emr/emr-run-report';
import { emrDefaultsFromStacks } from '../../emr/run-from-stacks';
import { EmrInputStyle, EmrRunInputs, ValidatedEmrRunInputs, emrRunOptions } from '../../emr/run-inputs';
import { EmrRunOptions } from '../../emr/run-kpis';
import { DeployedCompute, computeFromOutputs } from '../../emr-serverless/deployed-compute';
import type { ServerlessRunResult } from '../../emr-serverless/run-job-runs';
import { runKpisOnDeployedCompute } from '../../emr-serverless/run-on-deployed-compute';
import { formatBytes, formatCount, formatDuration } from '../../format/numbers';
import type { KpiJobName, KpiTableName } from '../../kpis/catalog';
import { ValidDayWindow } from '../../kpis/day-window';
import { PublishedRun } from '../../kpis/publication';
import { PublishRunOptions, publishRun } from '../../kpis/publisher';
import { localPaths } from '../../local/paths';
import { FirehoseLandingResult, waitForFirehoseLanding } from '../../pipeline/firehose-landing';
import type { AwsReconciliation, AwsRunReport, AwsRunResources, TablePreview } from '../../pipeline/run-report';
import { EventSource, RunProgress, publishStage, replayStage, stageRunner, validateStage, windowOf } from '../../pipeline/shared-stages';
import { RunStoppedError, StageError, StageRunner } from '../../pipeline/stages';
import { ReplayResult } from '../../replay/replayer';
import { Clock, Sleep, sleep as realSleep, systemClock } from '../../timing/clock';
import { ValidationReport } from '../../validation/validation-report';

/** @default 15 minutes */
export const DEFAULT_LANDING_TIMEOUT_MS = 15 * 60_000;

export interface AwsRunOptions {
  readonly source: EventSource;
  /**
   * The EMR runner's inputs as the command line gives them (environment, region, account, scripts
   * version, cluster shape, jobs), validated with the run-emr-kpis action's rules before any AWS
   * call. Buckets, the scripts version and the EMR roles default to the environment's stack outputs.
   */
  readonly emr: EmrRunInputs;
  /** How validation problems name the inputs. @default ACTION_INPUT_STYLE */
  readonly inputStyle?: EmrInputStyle;
  /** Shift event times so the newest event is now (see LocalRunOptions.shiftToNow). @default true */
  readonly shiftToNow?: boolean;
  /** Fail on warn-level checks too. @default false */
  readonly failOnWarn?: boolean;
  /** Prices of the run's cost estimate. @default priceTableFor() */
  readonly prices?: PriceTable;
  /**
   * Allow generated or sample events into a production environment (`--allow-prod-replay`).
   * @default false
   */
  readonly allowProdReplay?: boolean;
  /** Longest wait for Firehose to land the replay. @default DEFAULT_LANDING_TIMEOUT_MS */
  readonly landingTimeoutMs?: number;
  /** Wait past Firehose's buffer interval. @default 30_000 */
  readonly landingGraceMs?: number;
  /** Pause between bronze listings. @default 10_000 */
  readonly landingPollIntervalMs?: number;
  /** Names the transient cluster and tags it. @default - `cli-<epoch ms>` */
  readonly runId?: string;
  /** Variables for the region and name overrides (AWS_REGION, BRONZE_BUCKET, ...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Aborting (SIGINT/SIGTERM) stops the current stage; on EMR it cancels the steps and terminates a transient cluster. */
  readonly signal: AbortSignal;
  readonly progress: RunProgress;
}

/** The AWS clients a run uses, all for the run's region. */
export interface AwsRunClients {
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly emr: EMRClient;
  readonly emrServerless: Pick<EMRServerlessClient, 'send'>;
  readonly athena: AthenaClient;
  readonly cloudFormation: CloudFormationLike;
}

export interface AwsRunDeps extends AwsRunClients {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Every wait of the run (Firehose, EMR, Athena polls). @default a timer that ends early on abort */
  readonly sleep?: Sleep;
  /**
   * Publishes the validated run (no cluster: PyIceberg against the Glue catalog).
   * @default publishRun with the toolchain's Python and the SDKs' default credentials
   */
  readonly publish?: (options: Pick<PublishRunOptions, 'database' | 'runId' | 'region' | 'signal' | 'log'>) => Promise<PublishedRun>;
}

/** A run's validated inputs. */
export interface AwsRunPlan {
  readonly region: string;
  readonly environment: ValidatedEmrRunInputs['settings']['environment'];
  readonly emr: ValidatedEmrRunInputs;
  readonly jobs: readonly KpiJobName[];
  readonly tables: readonly KpiTableName[];
  readonly landingTimeoutMs: number;
}

/**
 * What the stages of a run on AWS share: its inputs, and what each stage leaves for the later
 * stages and the report. A stage that fails leaves the fields after it unset.
 */
export interface AwsRun {
  readonly options: AwsRunOptions;
  readonly deps: AwsRunDeps;
  readonly plan: AwsRunPlan;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly env: NodeJS.ProcessEnv;
  readonly started: number;
  readonly runner: StageRunner;
  resources?: AwsRunResources;
  window?: ValidDayWindow;
  replayedVolume?: { records: number; bytes: number };
  streamName?: string;
  landing?: FirehoseLandingResult;
  emrReport?: EmrRunReport;
  serverless?: AwsRunReport['serverless'];
  kpiRunId?: string;
  engine?: MeteredEngine;
  versions?: Readonly<Record<string, string>>;
  reconciliation?: AwsReconciliation;
  previews?: TablePreview[];
  validation?: ValidationReport;
  published?: PublishedRun;
  outcome: AwsRunReport['outcome'];
  failure?: AwsRunReport['failure'];
}

/** The environment's resources, with the Spark scripts version the run uses. */
export type ResolvedRun = ResolvedAwsNames & { readonly scriptsVersion: string };

/** When the replay started and when its last record was put, for the landing's wait. */
export interface ReplayTimes {
  readonly since: number;
  readonly lastPutAt: number;
}

export function startAwsRun(options: AwsRunOptions, deps: AwsRunDeps, plan: AwsRunPlan): AwsRun {
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? realSleep;
  const env = options.env ?? process.env;
  const started = clock();
  const runner = stageRunner(options.signal, options.progress, clock);
  return { options, deps, plan, clock, sleep, env, started, runner, outcome: 'succeeded' };
}

/** Resolves the environment's resources from its stacks (or the name overrides) and the scripts version. */
export function resolveStage(run: AwsRun): Promise<ResolvedRun> {
  const { plan, deps, env } = run;
  const { environment, region } = plan;
  return run.runner.run('resolve', async () => {
    let names;
    try {
      // The validated region wins over AWS_REGION, so every client and name agrees on one region.
      names = await resolveAwsNames({
        environment, region, accountId: plan.emr.settings['account-id'], cloudFormation: () => deps.cloudFormation, env: { ...env, AWS_REGION: region },
      });
    } catch (e) {
      throw new StageError((e as Error).message, [], 'Check the credentials (`aws sts get-caller-identity`) and the region, deploy the environment\'s stacks, or name the buckets with BRONZE_BUCKET, ICEBERG_BUCKET, SCRIPTS_BUCKET, LOGS_BUCKET and ATHENA_RESULTS_BUCKET.', { cause: e });
    }
    const fromOutput = names.outputs[OUTPUT_KEYS.scriptsVersion];
    const scriptsVersion = plan.emr.scriptsVersion ?? fromOutput;
    if (!scriptsVersion) {
      throw new StageError(
        `No Spark scripts version: --scripts-version is not set and stack ${stackName(environment, 'compute')} in ${region} has no ${OUTPUT_KEYS.scriptsVersion} output.`,
        [],
        'Deploy the stacks (the deployment publishes spark/ and outputs ScriptsVersion), or upload them with `npx clickstream publish-scripts` and pass --scripts-version.',
      );
    }
    validateScriptsVersion(scriptsVersion);
    run.resources = {
      environment, region, names: names.names, sources: names.sources, scriptsVersion, scriptsVersionSource: plan.emr.scriptsVersion ? 'option' : 'stack output',
    };
    return {
      value: { ...names, scriptsVersion },
      counts: { stackOutputs: Object.keys(names.outputs).length },
      summary: `${environment} in ${region}: stream ${names.names.streamName} -> ${names.names.bronzeUri}, scripts ${scriptsVersion}`,
    };
  });
}

/** Replays the events into the environment's Kinesis stream. */
export async function awsReplayStage(run: AwsRun, names: ResourceNames): Promise<{ replayed: ReplayResult; times: ReplayTimes }> {
  const { options, clock } = run;
  const since = clock();
  const replayed = await run.runner.run('replay', () => replayStage({
    kinesis: run.deps.kinesis,
    streamName: names.streamName,
    source: options.source,
    shiftToNow: options.shiftToNow ?? true,
    undeliveredHint: `Check stream ${names.streamName} (shards, throttling in its metrics) and the permission kinesis:PutRecords; a re-run sends every event again, and the jobs de-duplicate on uuid.`,
    bronze: { s3: run.deps.s3, bucket: names.bronzeBucket },
    signal: options.signal,
    progress: options.progress,
  }));
  const lastPutAt = clock();
  run.window = windowOf(replayed);
  run.replayedVolume = { records: replayed.sent, bytes: replayed.bytes };
  run.streamName = names.streamName;
  return { replayed, times: { since, lastPutAt } };
}

/** Waits for Firehose to land the replay in bronze. */
export async function firehoseLandStage(run: AwsRun, names: ResourceNames, times: ReplayTimes): Promise<void> {
  const { options: { progress, signal, landingGraceMs, landingPollIntervalMs }, deps, clock, sleep } = run;
  run.landing = await run.runner.run('land', async () => {
    const result = await waitForFirehoseLanding({
      deliveryStreamName: names.deliveryStreamName,
      bucket: names.bronzeBucket,
      since: times.since,
      lastPutAt: times.lastPutAt,
      timeoutMs: run.plan.landingTimeoutMs,
      graceMs: landingGraceMs,
      pollIntervalMs: landingPollIntervalMs,
      signal,
      onProgress: (p) => progress.update('land', `${formatCount(p.objects)} objects (${formatBytes(p.bytes)}) in bronze, ${formatCount(p.errorObjects)} under errors/; ` +
        (p.secondsUntilFlush > 0 ? `Firehose's buffer flushes in about ${p.secondsUntilFlush} s` : 'waiting for the listing to settle')),
    }, { firehose: deps.firehose, s3: deps.s3, clock, sleep });
    return {
      value: result,
      counts: {
        objects: result.objects,
        bytes: result.bytes,
        errorObjects: result.errorObjects,
        waitedSeconds: Math.round(result.waitedMs / 1000),
        bufferIntervalSeconds: result.bufferIntervalSeconds,
      },
      summary: `${formatCount(result.objects)} Parquet objects (${formatBytes(result.bytes)}) and ${formatCount(result.errorObjects)} under errors/ from ${names.deliveryStreamName} after ${formatDuration(result.waitedMs)}`,
    };
  });
}

/**
 * Computes the KPI tables on the environment's compute (its compute stack's Compute output): EMR
 * steps on a transient cluster that ends with its last step, whatever validation says later
 * (publishing needs no cluster), or EMR Serverless job runs on the environment's application.
 */
export async function kpisStage(run: AwsRun, resolved: ResolvedRun): Promise<void> {
  const { options: { progress, signal }, plan, deps, clock, sleep, window } = run;
  const emrOptions = emrRunOptions(plan.emr, resolved.names, { runId: run.options.runId ?? `cli-${run.started}` }, {
    ...emrDefaultsFromStacks(resolved),
    scriptsVersion: resolved.scriptsVersion,
    window,
  });
  run.kpiRunId = emrOptions.steps.run?.runId;
  const compute: DeployedCompute = emrOptions.target.mode === 'existing' ? { compute: 'emr' } : computeFromOutputs(resolved.outputs, plan.environment, resolved.names);
  const days = window ? `${window.fromDate}..${window.toDate}` : 'all of bronze';
  await run.runner.run<unknown>('kpis', async () => {
    const computed = await runKpisOnDeployedCompute(emrOptions, resolved.names, {
      emr: deps.emr,
      s3: deps.s3,
      cloudFormation: deps.cloudFormation,
      serverless: deps.emrServerless,
      prices: run.options.prices ?? priceTableFor(),
      clock,
      sleep,
      signal,
      log: (line) => progress.line(`kpis: ${line}`),
    }, compute);
    if (computed.compute === 'emr-serverless') {
      const { report } = computed;
      run.serverless = { report, cost: computed.cost };
      if (report.result === 'aborted') throw new RunStoppedError('kpis', String(signal.reason ?? 'abort'));
      if (report.result !== 'completed') throw serverlessStageError(report, emrOptions, plan.environment);
      return {
        value: report,
        counts: { jobRuns: report.jobRuns.length, durationSeconds: report.durationSeconds } as Record<string, number>,
        summary: `${plan.jobs.join(', ')} over ${days} as job runs on EMR Serverless application ${report.applicationId}`,
      };
    }
    const { report } = computed;
    run.emrReport = report;
    if (report.result === 'aborted') throw new RunStoppedError('kpis', String(signal.reason ?? 'abort'));
    if (report.result !== 'completed') throw emrStageError(report, emrOptions, plan.environment);
    return {
      value: report,
      counts: { steps: report.steps.length, durationSeconds: report.durationSeconds },
      summary: `${plan.jobs.join(', ')} over ${days} on cluster ${report.clusterId}${report.createdCluster ? ' (transient, ends with its last step)' : ''}`,
    };
  });
}

/** Validates the run's tables with Athena; returns the engine the publish step audits with. */
export async function athenaValidateStage(run: AwsRun, names: ResourceNames, replayed: ReplayResult): Promise<MeteredEngine> {
  const { options, plan: { environment, region, tables }, clock, sleep } = run;
  const engine = new MeteredEngine(athenaEngine({ region, names }, { client: run.deps.athena, clock, sleep }));
  run.engine = engine;
  await run.runner.run('validate', () => validateStage({
    engine,
    database: names.glueDatabase,
    rawTable: names.rawTable,
    tables,
    window: run.window,
    replayed,
    runId: run.kpiRunId,
    failOnWarn: options.failOnWarn ?? false,
    failedChecksHint: `The validation report lists every check; look at the tables with \`CLICKSTREAM_ENV=${environment} AWS_REGION=${region} npx clickstream query --target aws "<SQL>"\`.`,
    onResults: (results) => {
      run.validation = results.report;
      run.previews = [...results.previews];
      run.versions = results.run?.versions;
      run.reconciliation = {
        sent: replayed.sent,
        landedObjects: run.landing?.objects ?? 0,
        errorObjects: run.landing?.errorObjects ?? 0,
        distinctValidEvents: results.distinctValidEvents,
        kpiEvents: results.kpiEvents,
        reconciled: results.kpiEvents === undefined ? undefined : results.kpiEvents === results.distinctValidEvents,
      };
    },
    signal: options.signal,
    progress: options.progress,
  }));
  return engine;
}

/** Publishes the validated run: a metadata commit per table from this machine (PyIceberg), no cluster. */
export async function publishRunStage(run: AwsRun, names: ResourceNames): Promise<void> {
  const { options: { progress, signal }, deps, plan: { region } } = run;
  const runId = run.kpiRunId!;
  const publish = deps.publish ?? ((o) => {
    const paths = localPaths();
    return publishRun({ ...o, python: paths.python, sparkDir: paths.spark });
  });
  run.published = await run.runner.run('publish', () => publishStage({
    runId,
    hint: `Run ${runId} stays on its branch audit_${runId}; main is untouched.`,
    publish: () => publish({ database: names.glueDatabase, runId, region, signal, log: (line) => progress.line(line) }),
  }));
}

/** The command that re-runs only the KPI stage of a run. */
function kpisRerun(options: EmrRunOptions, environment: string): string {
  const scope = options.steps.scope;
  const days = scope?.kind === 'window' ? ` --from-date ${scope.window.fromDate} --to-date ${scope.window.toDate}` : scope?.kind === 'all' ? ' --all' : '';
  return `npx clickstream kpis --target aws --environment ${environment} --region ${options.steps.region}${days} --scripts-version ${options.steps.scriptsVersion}`;
}

/** A KPI stage failure on EMR Serverless: which job runs, their driver logs, and what to try. */
function serverlessStageError(report: ServerlessRunResult, options: EmrRunOptions, environment: string): StageError {
  const failed = report.jobRuns.filter((r) => r.state !== 'SUCCESS');
  const rerun = kpisRerun(options, environment);
  return new StageError(
    report.message,
    failed.map((r) => r.stderrTail?.uri ?? r.logs.stderr),
    report.result === 'timed-out'
      ? `Raise --timeout-minutes (or the application's maximum capacity), then re-run only the KPI stage with \`${rerun}\`.`
      : `Read the driver's log (its tail is in the run report); after a fix, re-run only the KPI stage with \`${rerun}\`.`,
  );
}

/** A KPI stage failure that says what happened on EMR, where the step's log is and what to try. */
function emrStageError(report: EmrRunReport, options: EmrRunOptions, environment: string): StageError {
  const failed = report.steps.find((s) => s.state === 'FAILED');
  const logUri = options.target.mode === 'transient' ? options.target.cluster.logUri : undefined;
  const logs = report.logs?.found
    ? report.logs.tails.map((t) => t.uri)
    : failed && logUri ? [`${logUri}${report.clusterId}/steps/${failed.id}/`] : [];
  const notFound = report.logs && !report.logs.found ? ` ${report.logs.message}` : '';
  const cleanup = report.cleanup
    ? ` Cleanup: cancelled ${report.cleanup.cancelledStepIds.join(', ') || 'no steps'}${report.cleanup.terminatedClusterId ? `, terminated ${report.cleanup.terminatedClusterId}` : ''}` +
      `${report.cleanup.problems.length ? `; ${report.cleanup.problems.join(' ')}` : ''}.`
    : '';
  const rerun = kpisRerun(options, environment);
  const hints: Record<string, string> = {
    'step-failed': `Read the step's log (its tail is in the run report); after a fix, re-run only the KPI stage with \`${rerun}\`.`,
    'timed-out': `Raise --timeout-minutes or add --core-nodes; then re-run only the KPI stage with \`${rerun}\`.`,
  };
  return new StageError(
    `${report.message}${notFound}${cleanup}`,
    logs,
    hints[report.result] ?? `Look at cluster ${report.clusterId} in the EMR console (its state change reason and step logs), then re-run only the KPI stage with \`${rerun}\`.`,
  );
}
