import { LOCAL_REGION } from '../../config/config';
import { ResourceNames } from '../../config/names';
import { MeteredEngine } from '../../cost/metered-engine';
import { PriceTable } from '../../cost/prices';
import { TrinoEngine } from '../../engines/trino';
import { formatBytes, formatCount, formatDuration } from '../../format/numbers';
import { KpiJobName, KpiTableName } from '../../kpis/catalog';
import { ValidDayWindow, windowScope } from '../../kpis/day-window';
import { PublishedRun } from '../../kpis/publication';
import { LandingResult, land } from '../../landing/worker';
import { EmulatorClients } from '../../local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../../local/kpi-runner';
import { LocalPaths } from '../../local/paths';
import { PeakMemorySampler } from '../../local/process-memory';
import { publishRunLocally } from '../../local/publish-runner';
import { StackStart, UpResult, stackStart } from '../../local/stack';
import { readStackState } from '../../local/stack-state';
import type { LocalReconciliation, LocalRunReport, TablePreview } from '../../pipeline/run-report';
import { EventSource, RunProgress, jobsAndTables, publishStage, replayStage, stageRunner, validateStage, windowOf } from '../../pipeline/shared-stages';
import { StageError, StageOutcome, StageRunner } from '../../pipeline/stages';
import { ReplayResult } from '../../replay/replayer';
import { systemClock } from '../../timing/clock';
import { RunScope } from '../../validation/run-scope';
import { ValidationReport } from '../../validation/validation-report';

export interface LocalRunOptions {
  readonly paths: LocalPaths;
  /** The environment's names on the embedded stack (its stream, buckets, database). */
  readonly names: ResourceNames;
  readonly source: EventSource;
  /** @default all jobs */
  readonly jobs?: readonly KpiJobName[];
  /** Leave the stack running at the end when this run started it. @default false */
  readonly keep?: boolean;
  /**
   * Shift event times so the newest event is now. Bronze is partitioned by arrival time and the
   * jobs read a window's arrival folders plus a few days of lateness, so events dated weeks before
   * they arrive fall outside every window unless shifted. @default true
   */
  readonly shiftToNow?: boolean;
  /** Exit non-zero on failed warn-level checks too. @default false */
  readonly failOnWarn?: boolean;
  /** Prices for the report's "what this would cost on Athena". @default priceTableFor() */
  readonly prices?: PriceTable;
  /** Aborting (SIGINT/SIGTERM) stops the current stage and everything the run started. */
  readonly signal: AbortSignal;
  /** Stage progress: `update` for running counts, `line` for lines that stay. */
  readonly progress: RunProgress;
}

/**
 * What the stages of a local run share: its inputs, and what each stage leaves for the later
 * stages and the report. A stage that fails leaves the fields after it unset.
 */
export interface LocalRun {
  readonly options: LocalRunOptions;
  readonly started: number;
  readonly names: ResourceNames;
  readonly jobs: readonly KpiJobName[];
  readonly tables: readonly KpiTableName[];
  readonly runner: StageRunner;
  /** Peak memory per stage and process. */
  readonly peaks: Record<string, Record<string, number>>;
  /** The stack as `stackStart` left it: the emulator ready, Spark and Trino on their way. */
  stack?: StackStart;
  /** Set once every service is up. */
  up?: UpResult;
  replayed?: ReplayResult;
  landed?: LandingResult;
  kpis?: KpiRunResult;
  window?: ValidDayWindow;
  kpisStartedAt?: number;
  kpisEndedAt?: number;
  /** The KPI stage's requests on the warm Spark. */
  kpiSparkRequests?: readonly string[];
  kpiRunId?: string;
  engine?: MeteredEngine;
  reconciliation?: LocalReconciliation;
  previews?: TablePreview[];
  validation?: ValidationReport;
  versions?: RunScope['versions'];
  published?: PublishedRun;
  outcome: LocalRunReport['outcome'];
  failure?: LocalRunReport['failure'];
}

export function startLocalRun(options: LocalRunOptions): LocalRun {
  return {
    options,
    started: systemClock(),
    names: options.names,
    ...jobsAndTables(options.jobs),
    runner: stageRunner(options.signal, options.progress),
    peaks: {},
    outcome: 'succeeded',
  };
}

/** Runs a stage while sampling the memory of this process tree, the emulator and Trino. */
async function measured<T>(run: LocalRun, stage: string, body: (memory: PeakMemorySampler) => Promise<StageOutcome<T>>): Promise<T> {
  return run.runner.run(stage, async () => {
    const memory = new PeakMemorySampler();
    // The services first: a tree stops at another watched root, and the CLI started them, so watched
    // first it would count them in its own tree from the first sample on.
    watchServices(run, memory);
    memory.watch('cli', process.pid);
    try {
      return await body(memory);
    } finally {
      run.peaks[stage] = memory.stop();
    }
  });
}

/** Samples the stack's services recorded so far (one still starting is recorded once it is ready). */
function watchServices(run: LocalRun, memory: PeakMemorySampler): void {
  const state = readStackState(run.options.paths.stateFile);
  for (const name of ['emulator', 'trino', 'spark'] as const) {
    const service = state?.[name];
    if (service) memory.watch(name, service.pid);
  }
}

/**
 * Starts the embedded stack, or reuses the running one. The stage ends when the emulator answers:
 * the warm Spark and Trino go on starting while the events are replayed and landed, and the stages
 * that need them wait for them.
 */
export async function stackStage(run: LocalRun): Promise<StackStart> {
  const { options: { paths, progress, signal, keep }, names } = run;
  return measured(run, 'stack', async () => {
    // A stack the run starts and stops serves this run alone; a kept one serves the next runs too.
    const lifetime = keep ? 'lasting' : 'one-run';
    const start = await stackStart({ paths, names, lifetime, log: (line) => progress.line(`stack: ${line}`), signal });
    // Recorded before the stage ends, so a stop that lands during start-up still stops what started.
    run.stack = start;
    void start.ready.then((up) => (run.up = up), () => undefined);
    return {
      value: start,
      counts: { servicesStarted: start.startedServices.length },
      summary: start.reused
        ? `reused the running stack (${start.aws})`
        : `started the emulator (${start.aws}); spark and trino start in the background`,
    };
  });
}

/** Waits for a service the stage needs; returns its endpoint and, when it had to wait, a note saying how long. */
async function awaitService(name: string, endpoint: Promise<string>): Promise<{ endpoint: string; note: string }> {
  const started = systemClock();
  const resolved = await endpoint;
  const waited = (systemClock() - started) / 1000;
  return { endpoint: resolved, note: waited >= 0.5 ? `waited ${formatDuration(waited * 1000)} for ${name} to start; ` : '' };
}

/**
 * Replays the events into the emulator's Kinesis stream and lands them into bronze Parquet side by
 * side, as Firehose lands while producers put: the landing starts with the replay, follows every
 * shard from its checkpoint, and ends once the replay has ended and the stream is drained. Each
 * keeps its own stage row and duration. A replay that fails does not stop the landing, which lands
 * what reached the stream by then; a landing that fails cuts the replay short (the run fails either
 * way); stopping the run stops both.
 * The error thrown is the first stage's to fail.
 */
export async function replayAndLandStage(run: LocalRun, clients: EmulatorClients): Promise<{ replayed: ReplayResult; landed: LandingResult }> {
  const landingFailed = new AbortController();
  let replayEnded!: (at: number) => void;
  const replayEndedAt = new Promise<number>((resolve) => {
    replayEnded = resolve;
  });
  const failures: unknown[] = [];
  const failed = (e: unknown): never => {
    failures.push(e);
    throw e;
  };
  const replaying = localReplayStage(run, clients, landingFailed.signal)
    .finally(() => replayEnded(systemClock()))
    .catch(failed);
  const landing = landStage(run, clients, replayEndedAt).catch((e: unknown) => {
    landingFailed.abort('the landing failed');
    return failed(e);
  });
  const [replayed, landed] = await Promise.allSettled([replaying, landing]);
  if (replayed.status === 'rejected' || landed.status === 'rejected') throw failures[0];
  return { replayed: replayed.value, landed: landed.value };
}

/** Replays the events into the emulator's Kinesis stream as fast as it takes them, until the landing fails. */
async function localReplayStage(run: LocalRun, clients: EmulatorClients, landingFailed: AbortSignal): Promise<ReplayResult> {
  const { options, names } = run;
  const replayed = await measured(run, 'replay', async () => {
    const outcome = await replayStage({
      kinesis: clients.kinesis,
      streamName: names.streamName,
      source: options.source,
      rate: 'unlimited',
      shiftToNow: options.shiftToNow ?? true,
      undeliveredHint: 'Check the emulator log from `npx clickstream status`; re-run to send them again.',
      bronze: { s3: clients.s3, bucket: names.bronzeBucket },
      // Either ends the source early; a stop of the run is then reported as such by the stage runner.
      signal: AbortSignal.any([options.signal, landingFailed]),
      progress: options.progress,
    });
    if (landingFailed.aborted && !options.signal.aborted) {
      throw new StageError(`stopped sending after ${formatCount(outcome.value.sent)} records: the landing failed`, [], 'See the land stage: its failure stopped the replay.');
    }
    return outcome;
  });
  run.window = windowOf(replayed);
  return replayed;
}

/** Lands the stream into bronze Parquet as Firehose would, following it until the replay has ended and the stream is drained. */
function landStage(run: LocalRun, clients: EmulatorClients, replayEndedAt: Promise<number>): Promise<LandingResult> {
  const { options: { progress, signal }, names } = run;
  return measured(run, 'land', async () => {
    const result = await land({
      kinesis: clients.kinesis,
      s3: clients.s3,
      streamName: names.streamName,
      bucket: names.bronzeBucket,
      deliveryStreamName: names.deliveryStreamName,
      table: { databaseName: names.glueDatabase, tableName: names.rawTable, region: LOCAL_REGION },
      producerDone: replayEndedAt,
      signal,
      onProgress: (p) => progress.update('land', `${formatCount(p.read)} read, ${formatCount(p.landed)} landed, ${formatCount(p.errors)} to errors`),
    });
    const drainedMs = Math.max(0, systemClock() - await replayEndedAt);
    return {
      value: result,
      counts: { read: result.read, landed: result.landed, errors: result.errors, objects: result.objects.length, drainedAfterReplayMs: drainedMs },
      summary: `alongside the replay: ${formatCount(result.landed)} landed as Parquet in ${result.objects.length} objects, ` +
        `${formatCount(result.errors)} to errors/, drained ${formatDuration(drainedMs)} after it`,
    };
  });
}

/** Computes the KPI tables with Spark over the replay's window. */
export async function kpisStage(run: LocalRun, stack: StackStart): Promise<KpiRunResult> {
  const { options: { paths, progress, signal }, names, jobs, window } = run;
  run.kpisStartedAt = systemClock();
  const kpis = await measured(run, 'kpis', async (memory) => {
    const spark = await awaitService('Spark', stack.spark);
    // Started in the background, it is recorded only now: sampled on its own from here on.
    watchServices(run, memory);
    try {
      const result = await runKpisLocally({
        paths,
        awsEndpoint: stack.aws,
        sparkServer: spark.endpoint,
        names,
        scope: windowScope(window),
        jobs,
        signal,
        memory,
        log: (line) => progress.update('kpis', line.replace(/^kpis: /, '')),
      });
      return {
        value: result,
        counts: {
          submits: result.submits.length,
          bronzeObjects: result.bronzeObjects,
          bronzeBytes: result.bronzeBytes,
          recomputedDays: result.recomputedDays.length,
          rejected: result.rowsRejected,
        },
        summary: `${spark.note}${jobs.join(', ')} over ${window ? `${window.fromDate}..${window.toDate}` : 'all of bronze'} (${result.mode}): ` +
          `read ${formatBytes(result.bronzeBytes)} in ${formatCount(result.bronzeObjects)} bronze objects, ${formatCount(result.rowsRejected)} rows rejected`,
      };
    } catch (e) {
      if (signal.aborted) throw e;
      const log = /Spark log: (\S+)/.exec((e as Error).message)?.[1];
      throw new StageError((e as Error).message, log ? [log] : [], `Read the Spark log named above; \`npx clickstream kpis${environmentFlag(run.names)}\` re-runs this stage alone on the running stack (add --keep to keep it).`);
    }
  });
  run.kpisEndedAt = systemClock();
  run.kpiSparkRequests = kpis.sparkRequests.length > 0 ? kpis.sparkRequests : undefined;
  progress.line(`kpis: Spark log ${kpis.logFile}`);
  run.kpiRunId = kpis.runId;
  return kpis;
}

/** The option a hint's command needs to act on this run's environment (none for the default one). */
function environmentFlag(names: ResourceNames): string {
  return names.environment === 'local' ? '' : ` --environment ${names.environment}`;
}

/** Validates the run's tables on Trino, then checks the counts reconcile from the stream to the tables. */
export async function localValidateStage(
  run: LocalRun, stack: StackStart, replayed: ReplayResult, landed: LandingResult, kpis: KpiRunResult,
): Promise<void> {
  const { options, names } = run;
  await measured(run, 'validate', async (memory) => {
    const trino = await awaitService('Trino', stack.trino);
    watchServices(run, memory);
    const engine = new MeteredEngine(new TrinoEngine({ endpoint: trino.endpoint }));
    run.engine = engine;
    const outcome = await validateStage({
      engine,
      database: names.glueDatabase,
      rawTable: names.rawTable,
      tables: run.tables,
      window: run.window,
      replayed,
      runId: kpis.runId,
      landedFiles: landed.objects.filter((o) => o.kind === 'parquet').map((o) => `s3://${landed.bucket}/${o.key}`),
      failOnWarn: options.failOnWarn ?? false,
      failedChecksHint: `The validation report lists every check; re-run with --keep to look at the tables with \`npx clickstream query${environmentFlag(names)} "<SQL>"\`.`,
      onResults: (results) => {
        run.validation = results.report;
        run.previews = [...results.previews];
        run.reconciliation = reconcile(replayed.manifest.counts, replayed.sent, landed, results);
        run.versions = results.run?.versions;
      },
      signal: options.signal,
      progress: options.progress,
    });
    return { ...outcome, summary: `${trino.note}${outcome.summary}` };
  });
  if (run.reconciliation?.reconciled === false) {
    throw new StageError(`the counts do not reconcile: ${describeReconciliation(run.reconciliation)}`, [],
      `A record was lost or counted twice between the stream and the tables: compare the landing's objects, rejected_events and the KPI tables with \`npx clickstream query${environmentFlag(names)}\` (run with --keep).`);
  }
}

/** Publishes the validated run to the tables' main branch. */
export async function localPublishStage(run: LocalRun, stack: StackStart, kpis: KpiRunResult): Promise<void> {
  const { options: { paths, progress, signal }, names } = run;
  run.published = await measured(run, 'publish', async () => publishStage({
    publish: async () => publishRunLocally({
      paths, awsEndpoint: stack.aws, names, runId: kpis.runId, signal, log: (line) => progress.update('publish', line),
    }),
    runId: kpis.runId,
    hint: `\`npx clickstream publish --run ${kpis.runId}${environmentFlag(names)}\` publishes it once it passes (run with --keep to keep the stack).`,
  }));
}

/**
 * The run's counts from the stream to the tables, each from its own measurement: the replay's
 * manifest, the landing's totals, rejected_events and the KPI tables.
 */
export function reconcile(
  manifest: { readonly invalidDelivered: number; readonly duplicatesDelivered: number; readonly distinctValidUuids: number },
  sent: number,
  landed: Pick<LandingResult, 'read' | 'landed' | 'errors'>,
  results: { readonly kpiEvents?: number; readonly rejected?: number },
): LocalReconciliation {
  const parts = {
    sent,
    read: landed.read,
    landed: landed.landed,
    landingErrors: landed.errors,
    invalidSent: manifest.invalidDelivered,
    rejected: results.rejected,
    duplicates: manifest.duplicatesDelivered,
    distinctValidEvents: manifest.distinctValidUuids,
    kpiEvents: results.kpiEvents,
  };
  const flowed = landed.read >= sent && landed.landed + landed.errors === landed.read
    && (results.rejected === undefined || results.rejected === manifest.invalidDelivered - landed.errors);
  return { ...parts, reconciled: results.kpiEvents === undefined ? undefined : flowed && results.kpiEvents === manifest.distinctValidUuids };
}

function describeReconciliation(r: LocalReconciliation): string {
  return `${r.sent} sent, ${r.read} read, ${r.landed} landed + ${r.landingErrors} errors, ${r.rejected ?? '?'} rejected of ${r.invalidSent} invalid sent, ` +
    `${r.distinctValidEvents} distinct valid events, ${r.kpiEvents ?? '?'} counted`;
}
