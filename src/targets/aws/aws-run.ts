import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  AwsRun, AwsRunClients, AwsRunDeps, AwsRunOptions, AwsRunPlan, DEFAULT_LANDING_TIMEOUT_MS,
  athenaValidateStage, awsReplayStage, firehoseLandStage, kpisStage, publishRunStage, resolveStage, startAwsRun,
} from './aws-stages';
import { checkReplayAllowed } from '../../config/guards';
import { priceTableFor } from '../../cost/prices';
import { createEmrClients } from '../../emr/clients';
import { ACTION_INPUT_STYLE, validateEmrRunInputs } from '../../emr/run-inputs';
import { createAthenaClient } from '../../engines/athena';
import { SAMPLE_FILE } from '../../events/sample/sample';
import type { AwsRunReport } from '../../pipeline/run-report';
import { jobsAndTables, runPublication } from '../../pipeline/shared-stages';
import { awsCostOrWarn, chartDataOrWarn } from '../../report/run-extras';
import { runPipeline } from '../run-pipeline';
import { RunEnd, TargetRun } from '../target';

/** Clients with the SDK's default credentials; EMR, S3 and Athena ride out throttling with adaptive retries. */
export function createAwsRunClients(region: string): AwsRunClients {
  const { emr, s3 } = createEmrClients({ region });
  return {
    kinesis: new KinesisClient({ region }),
    s3,
    firehose: new FirehoseClient({ region }),
    emr,
    emrServerless: new EMRServerlessClient({ region }),
    athena: createAthenaClient({ region }),
    cloudFormation: new CloudFormationClient({ region }),
  };
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
 * them with Athena, publish. Every input is validated (`planAwsRun`) before the first AWS call; a
 * stop cancels the EMR steps and terminates a cluster the run created.
 */
export function awsRun(options: AwsRunOptions, deps: AwsRunDeps, plan: AwsRunPlan = planAwsRun(options)): TargetRun<AwsRunReport> {
  const run = startAwsRun(options, deps, plan);
  let resolved: Awaited<ReturnType<typeof resolveStage>> | undefined;
  let replay: Awaited<ReturnType<typeof awsReplayStage>> | undefined;
  return {
    runner: run.runner,
    firstStage: 'resolve',
    signal: options.signal,
    prepare: async () => {
      resolved = await resolveStage(run);
    },
    replayAndLand: async () => {
      replay = await awsReplayStage(run, resolved!.names);
      await firehoseLandStage(run, resolved!.names, replay.times);
    },
    computeKpis: () => kpisStage(run, resolved!),
    validate: async () => {
      await athenaValidateStage(run, resolved!.names, replay!.replayed);
    },
    publish: () => publishRunStage(run, resolved!.names),
    finish: async (end: RunEnd) => {
      run.outcome = end.outcome;
      run.failure = end.failure;
      return awsRunReport(run, await awsExtras(run));
    },
  };
}

/** `awsRun` from start to end; inputs that fail their checks reject it before any AWS call. */
export async function runAwsPipeline(options: AwsRunOptions, deps: AwsRunDeps): Promise<AwsRunReport> {
  return runPipeline(awsRun(options, deps));
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
    serverlessReport: run.serverless?.report,
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
    serverless: run.serverless,
    reconciliation: run.reconciliation,
    tables: run.previews,
    validation: run.validation,
    publication: kpiRunId && resources ? runPublication(kpiRunId, published, versions, resources.names.glueDatabase, failure?.message) : undefined,
    charts: extras.charts,
    cost: extras.cost,
    failure,
  };
}
