import * as path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EMRClient } from '@aws-sdk/client-emr';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import {
  AwsRun, athenaValidateStage, awsReplayStage, emrKpisStage, firehoseLandStage, publishRunStage, resolveStage, startAwsRun,
} from './aws-stages';
import type { AwsRunReport } from './run-report';
import { EventSource, RunProgress, endOfRun, jobsAndTables, runPublication } from './shared-stages';
import { checkReplayAllowed } from '../config/guards';
import { CloudFormationLike } from '../config/stack-outputs';
import { PriceTable, priceTableFor } from '../cost/prices';
import { createEmrClients } from '../emr/clients';
import { ACTION_INPUT_STYLE, EmrInputStyle, EmrRunInputs, ValidatedEmrRunInputs, validateEmrRunInputs } from '../emr/run-inputs';
import { createAthenaClient } from '../engines/athena';
import { SAMPLE_FILE } from '../events/sample/sample';
import { KpiJobName, KpiTableName } from '../kpis/catalog';
import { PublishedRun } from '../kpis/publication';
import { PublishRunOptions } from '../kpis/publisher';
import { awsCostOrWarn, chartDataOrWarn } from '../report/run-extras';
import { Clock, Sleep } from '../timing/clock';

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
  /**
   * Publishes the validated run (no cluster: PyIceberg against the Glue catalog).
   * @default publishRun with the toolchain's Python and the SDKs' default credentials
   */
  readonly publish?: (options: Pick<PublishRunOptions, 'database' | 'runId' | 'region' | 'signal' | 'log'>) => Promise<PublishedRun>;
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
  const run = startAwsRun(options, deps, planAwsRun(options));
  try {
    const resolved = await resolveStage(run);
    const { replayed, times } = await awsReplayStage(run, resolved.names);
    await firehoseLandStage(run, resolved.names, times);
    await emrKpisStage(run, resolved);
    await athenaValidateStage(run, resolved.names, replayed);
    await publishRunStage(run, resolved.names);
  } catch (e) {
    ({ outcome: run.outcome, failure: run.failure } = endOfRun(run.runner, AWS_STAGES, e, options.signal, 'resolve'));
  }
  return awsRunReport(run, await awsExtras(run));
}

/** What the HTML report charts, and what the run cost: after the stages, never failing the run. */
async function awsExtras(run: AwsRun): Promise<Pick<AwsRunReport, 'charts' | 'cost'>> {
  const { options: { progress, signal, prices }, deps, plan, engine, resources, clock, window, versions } = run;
  const warn = (line: string) => progress.line(line);
  const charts = engine && resources && run.outcome !== 'stopped' && run.runner.reports.some((s) => s.name === 'kpis' && s.status === 'succeeded')
    ? await chartDataOrWarn({ engine, database: resources.names.glueDatabase, tables: plan.tables, window, versions, signal, warn })
    : undefined;
  const cost = await awsCostOrWarn({
    emr: deps.emr,
    kinesis: deps.kinesis,
    prices: prices ?? priceTableFor(),
    region: plan.region,
    emrReport: run.emrReport,
    streamName: run.streamName,
    replayed: run.replayedVolume,
    queries: engine?.queries ?? [],
    now: new Date(clock()),
    warn,
  });
  return { charts, cost };
}

/** The run report, from what the stages left in the run. */
function awsRunReport(run: AwsRun, extras: Pick<AwsRunReport, 'charts' | 'cost'>): AwsRunReport {
  const { plan: { environment, region }, resources, kpiRunId, published, versions, failure } = run;
  return {
    target: 'aws',
    environment,
    region,
    startedAt: new Date(run.started).toISOString(),
    durationMs: run.clock() - run.started,
    outcome: run.outcome,
    stages: run.runner.reports,
    window: run.window,
    resources,
    landing: run.landing,
    emr: run.emrReport,
    reconciliation: run.reconciliation,
    tables: run.previews,
    validation: run.validation,
    publication: kpiRunId && resources ? runPublication(kpiRunId, published, versions, resources.names.glueDatabase, failure?.message) : undefined,
    charts: extras.charts,
    cost: extras.cost,
    failure,
  };
}
