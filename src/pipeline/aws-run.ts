import * as path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EMRClient, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { FirehoseLandingResult, waitForFirehoseLanding } from './firehose-landing';
import { formatBytes, formatCount, formatDuration } from './progress';
import type { AwsReconciliation, AwsRunReport, AwsRunResources, TablePreview } from './run-report';
import { EventSource, RunProgress, endOfRun, jobsAndTables, publishStage, replayStage, runPublication, stageRunner, validateStage, windowOf } from './shared-stages';
import { RunStoppedError, StageError } from './stages';
import { checkReplayAllowed } from '../config/guards';
import { QUERY_CATALOG } from '../config/names';
import { validateScriptsVersion } from '../config/scripts';
import { CloudFormationLike, OUTPUT_KEYS, resolveAwsNames, stackName } from '../config/stack-outputs';
import { MeteredEngine } from '../cost/metered-engine';
import { PriceTable, priceTableFor } from '../cost/prices';
import { createEmrClients } from '../emr/clients';
import { publishRunOnEmr } from '../emr/publish';
import { EmrRunReport } from '../emr/report';
import { emrDefaultsFromStacks } from '../emr/run-from-stacks';
import { ACTION_INPUT_STYLE, EmrInputStyle, EmrRunInputs, ValidatedEmrRunInputs, emrRunOptions, validateEmrRunInputs } from '../emr/run-inputs';
import { EmrRunOptions, runKpisOnEmr } from '../emr/run-kpis';
import { createAthenaClient } from '../engines/athena';
import { engineForTarget } from '../engines/for-target';
import { SAMPLE_FILE } from '../events/sample/sample';
import { KpiJobName, KpiTableName } from '../kpis/catalog';
import { DayWindow } from '../kpis/day-window';
import { PublishedRun } from '../kpis/publication';
import { awsCostOrWarn, chartDataOrWarn } from '../report/run-extras';
import { Clock, Sleep, sleep as realSleep, systemClock } from '../timing/clock';
import { ValidationReport } from '../validation/report';

export const AWS_STAGES = ['resolve', 'replay', 'land', 'kpis', 'validate', 'publish'] as const;

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
  readonly athena: AthenaClient;
  readonly cloudFormation: CloudFormationLike;
}

export interface AwsRunDeps extends AwsRunClients {
  /** @default Date.now */
  readonly clock?: Clock;
  /** Every wait of the run (Firehose, EMR, Athena polls). @default a timer that ends early on abort */
  readonly sleep?: Sleep;
}

/** Clients with the SDK's default credentials; EMR, S3 and Athena ride out throttling with adaptive retries. */
export function createAwsRunClients(region: string): AwsRunClients {
  const { emr, s3 } = createEmrClients({ region });
  return {
    kinesis: new KinesisClient({ region }),
    s3,
    firehose: new FirehoseClient({ region }),
    emr,
    athena: createAthenaClient({ region }),
    cloudFormation: new CloudFormationClient({ region }),
  };
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

/** Validates a run's inputs without calling AWS; throws naming every problem. */
export function planAwsRun(options: Pick<AwsRunOptions, 'emr' | 'inputStyle' | 'env' | 'landingTimeoutMs' | 'source' | 'allowProdReplay'>): AwsRunPlan {
  const style = options.inputStyle ?? ACTION_INPUT_STYLE;
  const emr = validateEmrRunInputs(options.emr, options.env ?? process.env, { style, namesFromStack: true });
  checkReplayAllowed({
    environment: emr.settings.environment,
    origin: options.source.kind === 'generator' ? 'generated' : path.resolve(options.source.path) === SAMPLE_FILE ? 'sample' : 'file',
    allowProduction: options.allowProdReplay ?? false,
    override: '--allow-prod-replay',
    environmentOption: '--environment staging',
  });
  const landingTimeoutMs = options.landingTimeoutMs ?? DEFAULT_LANDING_TIMEOUT_MS;
  if (!(Number.isFinite(landingTimeoutMs) && landingTimeoutMs > 0)) throw new Error(`The landing timeout must be a positive number of minutes, got ${landingTimeoutMs / 60_000}.`);
  return { region: emr.region, environment: emr.settings.environment, emr, ...jobsAndTables(emr.jobs), landingTimeoutMs };
}

/**
 * The whole pipeline on AWS: resolve the environment's resources, replay events into its Kinesis
 * stream, wait for Firehose to land them in bronze, compute the KPI tables as EMR steps, validate
 * them with Athena. Every input is validated before the first AWS call; a stop cancels the EMR
 * steps and terminates a cluster the run created.
 */
export async function runAwsPipeline(options: AwsRunOptions, deps: AwsRunDeps): Promise<AwsRunReport> {
  const plan = planAwsRun(options);
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? realSleep;
  const env = options.env ?? process.env;
  const { progress, signal } = options;
  const started = clock();
  const runner = stageRunner(signal, progress, clock);
  const { environment, region } = plan;

  let resources: AwsRunResources | undefined;
  let window: DayWindow | undefined;
  let landing: FirehoseLandingResult | undefined;
  let emrReport: EmrRunReport | undefined;
  let kpiRunId: string | undefined;
  let keptCluster: string | undefined;
  let versions: Readonly<Record<string, string>> | undefined;
  let published: PublishedRun | undefined;
  let reconciliation: AwsReconciliation | undefined;
  let previews: TablePreview[] | undefined;
  let validation: ValidationReport | undefined;
  let engine: MeteredEngine | undefined;
  let replayedVolume: { records: number; bytes: number } | undefined;
  let streamName: string | undefined;
  let failure: AwsRunReport['failure'];
  let outcome: AwsRunReport['outcome'] = 'succeeded';

  try {
    const resolved = await runner.run('resolve', async () => {
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
      resources = {
        environment, region, names: names.names, sources: names.sources, scriptsVersion, scriptsVersionSource: plan.emr.scriptsVersion ? 'option' : 'stack output',
      };
      return {
        value: { ...names, scriptsVersion },
        counts: { stackOutputs: Object.keys(names.outputs).length },
        summary: `${environment} in ${region}: stream ${names.names.streamName} -> ${names.names.bronzeUri}, scripts ${scriptsVersion}`,
      };
    });
    const { names } = resolved;

    const replayStartedAt = clock();
    const replayed = await runner.run('replay', () => replayStage({
      kinesis: deps.kinesis,
      streamName: names.streamName,
      source: options.source,
      shiftToNow: options.shiftToNow ?? true,
      undeliveredHint: `Check stream ${names.streamName} (shards, throttling in its metrics) and the permission kinesis:PutRecords; a re-run sends every event again, and the jobs de-duplicate on uuid.`,
      signal,
      progress,
    }));
    const lastPutAt = clock();
    window = windowOf(replayed);
    replayedVolume = { records: replayed.sent, bytes: replayed.bytes };
    streamName = names.streamName;

    landing = await runner.run('land', async () => {
      const result = await waitForFirehoseLanding({
        deliveryStreamName: names.deliveryStreamName,
        bucket: names.bronzeBucket,
        since: replayStartedAt,
        lastPutAt,
        timeoutMs: plan.landingTimeoutMs,
        graceMs: options.landingGraceMs,
        pollIntervalMs: options.landingPollIntervalMs,
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

    const planned = emrRunOptions(plan.emr, names, { runId: options.runId ?? `cli-${started}` }, {
      ...emrDefaultsFromStacks(resolved),
      scriptsVersion: resolved.scriptsVersion,
      window,
    });
    // A transient cluster stays up after the KPI steps for the publish step, once validation passed.
    const emrOptions = planned.target.mode === 'transient' ? { ...planned, target: { ...planned.target, cluster: { ...planned.target.cluster, keepAlive: true } } } : planned;
    kpiRunId = emrOptions.steps.run?.runId;
    await runner.run('kpis', async () => {
      const report = await runKpisOnEmr(emrOptions, {
        emr: deps.emr,
        s3: deps.s3,
        clock,
        sleep,
        signal,
        log: (line) => progress.line(`kpis: ${line}`),
      });
      emrReport = report;
      // Kept alive for the publish step; after a timeout or an abort the runner has already terminated it.
      if (report.createdCluster && report.result !== 'aborted' && report.result !== 'timed-out') keptCluster = report.clusterId;
      if (report.result === 'aborted') throw new RunStoppedError('kpis', String(signal.reason ?? 'abort'));
      if (report.result !== 'completed') throw emrStageError(report, emrOptions, environment);
      return {
        value: report,
        counts: { steps: report.steps.length, durationSeconds: report.durationSeconds },
        summary: `${plan.jobs.join(', ')} over ${window ? `${window.fromDate}..${window.toDate}` : 'all of bronze'} on cluster ${report.clusterId}` +
          `${report.createdCluster ? ' (transient)' : ''}`,
      };
    });

    const athenaEngine = new MeteredEngine(await engineForTarget({ config: { target: 'aws', environment, region, names }, athenaClient: deps.athena, clock, sleep }));
    engine = athenaEngine;
    await runner.run('validate', () => validateStage({
      engine: athenaEngine,
      database: names.glueDatabase,
      rawTable: names.rawTable,
      tables: plan.tables,
      window,
      replayed,
      runId: kpiRunId,
      failOnWarn: options.failOnWarn ?? false,
      failedChecksHint: `The validation report lists every check; look at the tables with \`CLICKSTREAM_ENV=${environment} AWS_REGION=${region} npx clickstream query --target aws "<SQL>"\`.`,
      onResults: (results) => {
        validation = results.report;
        previews = [...results.previews];
        versions = results.run?.versions;
        reconciliation = {
          sent: replayed.sent,
          landedObjects: landing?.objects ?? 0,
          errorObjects: landing?.errorObjects ?? 0,
          distinctValidEvents: results.distinctValidEvents,
          kpiEvents: results.kpiEvents,
          reconciled: results.kpiEvents === undefined ? undefined : results.kpiEvents === results.distinctValidEvents,
        };
      },
      signal,
      progress,
    }));
    const clusterId = emrReport!.clusterId;
    const runId = kpiRunId!;
    published = await runner.run('publish', () => publishStage({
      runId,
      hint: `Run ${runId} stays on its branch audit_${runId}; main is untouched.`,
      publish: async () => {
        const terminateAfter = keptCluster === clusterId;
        keptCluster = undefined;
        const { published: run } = await publishRunOnEmr({
          clusterId,
          terminateAfter,
          step: {
            runId,
            database: names.glueDatabase,
            warehouse: names.warehouseUri,
            region,
            scriptsBucket: names.scriptsBucket,
            scriptsVersion: emrOptions.steps.scriptsVersion,
          },
          timeoutMs: emrOptions.timeoutMs,
          logWaitMs: emrOptions.logWaitMs,
        }, { emr: deps.emr, s3: deps.s3, clock, sleep, signal, log: (line) => progress.line(`publish: ${line}`), engine: athenaEngine, catalog: QUERY_CATALOG });
        return run;
      },
    }));
  } catch (e) {
    ({ outcome, failure } = endOfRun(runner, AWS_STAGES, e, signal, 'resolve'));
  } finally {
    // A transient cluster kept for the publish step that did not run: the run ends it.
    if (keptCluster) {
      await deps.emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [keptCluster] }));
      progress.line(`kpis: terminated cluster ${keptCluster}`);
    }
  }

  // What the HTML report charts, and what the run cost: after the stages, never failing the run.
  const warn = (line: string) => progress.line(line);
  const charts = engine && resources && outcome !== 'stopped' && runner.reports.some((s) => s.name === 'kpis' && s.status === 'succeeded')
    ? await chartDataOrWarn({ engine, database: resources.names.glueDatabase, tables: plan.tables, window, versions, signal, warn })
    : undefined;
  const cost = await awsCostOrWarn({
    emr: deps.emr,
    kinesis: deps.kinesis,
    prices: options.prices ?? priceTableFor(),
    region,
    emrReport,
    streamName,
    replayed: replayedVolume,
    queries: engine?.queries ?? [],
    now: new Date(clock()),
    warn,
  });

  return {
    target: 'aws',
    environment,
    region,
    startedAt: new Date(started).toISOString(),
    durationMs: clock() - started,
    outcome,
    stages: runner.reports,
    window,
    resources,
    landing,
    emr: emrReport,
    reconciliation,
    tables: previews,
    validation,
    publication: kpiRunId && resources ? runPublication(kpiRunId, published, versions, resources.names.glueDatabase, failure?.message) : undefined,
    charts,
    cost,
    failure,
  };
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
  const window = options.steps.window;
  const rerun = `npx clickstream kpis --target aws --environment ${environment} --region ${options.steps.region}` +
    `${window ? ` --from-date ${window.fromDate} --to-date ${window.toDate}` : ''} --scripts-version ${options.steps.scriptsVersion}`;
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
