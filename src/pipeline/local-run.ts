import { formatBytes, formatCount } from './progress';
import type { LocalReconciliation, LocalRunReport, TablePreview } from './run-report';
import { EventSource, RunProgress, endOfRun, jobsAndTables, publishStage, replayStage, runPublication, stageRunner, validateStage, windowOf } from './shared-stages';
import { RunStoppedError, StageError } from './stages';
import { loadConfig } from '../config/config';
import { MeteredEngine } from '../cost/metered-engine';
import { PriceTable, priceTableFor } from '../cost/prices';
import { TrinoEngine } from '../engines/trino';
import { KpiJobName } from '../kpis/catalog';
import { DayWindow } from '../kpis/day-window';
import { PublishedRun } from '../kpis/publication';
import { LandingResult, land } from '../landing/worker';
import { emulatorClients } from '../local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../local/kpi-runner';
import { LocalPaths } from '../local/paths';
import { PeakMemorySampler } from '../local/process-memory';
import { publishRunLocally } from '../local/publish-runner';
import { sparkEventLogDir } from '../local/spark-submit';
import { UpResult, stackDown, stackUp } from '../local/stack';
import { readStackState } from '../local/stack-state';
import { EMULATOR_CONCURRENCY } from '../replay/replayer';
import { chartDataOrWarn, localScanOrWarn } from '../report/run-extras';
import { ValidationReport } from '../validation/report';
import { RunScope } from '../validation/run-scope';

// The report's type lives with the other run reports; tests and the benchmark read it from here.
export type { LocalRunReport } from './run-report';

export interface LocalRunOptions {
  readonly paths: LocalPaths;
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

export const STAGES = ['stack', 'replay', 'land', 'kpis', 'validate', 'publish'] as const;

/**
 * The whole pipeline on the embedded stack: stack up (or reuse), replay events into the
 * emulator's Kinesis, land them into bronze Parquet, compute the KPI tables with Spark, validate
 * them on Trino. Stops what it started unless `keep`, also when a stage fails or the run is stopped.
 */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunReport> {
  const started = Date.now();
  const { progress, signal } = options;
  const peaks: Record<string, Record<string, number>> = {};
  const runner = stageRunner(signal, progress);
  const names = loadConfig({ target: 'local' }).names;
  const { jobs, tables } = jobsAndTables(options.jobs);

  let up: UpResult | undefined;
  let window: DayWindow | undefined;
  let reconciliation: LocalReconciliation | undefined;
  let previews: TablePreview[] | undefined;
  let validation: ValidationReport | undefined;
  let versions: RunScope['versions'] | undefined;
  let published: PublishedRun | undefined;
  let kpiRunId: string | undefined;
  let engine: MeteredEngine | undefined;
  let kpisStartedAt: number | undefined;
  let failure: LocalRunReport['failure'];
  let outcome: LocalRunReport['outcome'] = 'succeeded';

  /** Runs a stage while sampling the memory of this process tree, the emulator and Trino. */
  const measured = async <T>(stage: string, body: (memory: PeakMemorySampler) => Promise<T>): Promise<T> => {
    const memory = new PeakMemorySampler();
    memory.watch('cli', process.pid);
    const state = readStackState(options.paths.stateFile);
    if (state?.emulator) memory.watch('emulator', state.emulator.pid);
    if (state?.trino) memory.watch('trino', state.trino.pid);
    try {
      return await body(memory);
    } finally {
      peaks[stage] = memory.stop();
    }
  };

  try {
    await runner.run('stack', () => measured('stack', async () => {
      const result = await stackUp({ paths: options.paths, log: (line) => progress.line(`stack: ${line}`) });
      // Recorded before the stage ends, so a stop that lands during start-up still stops what started.
      up = result;
      return {
        value: result,
        counts: { servicesStarted: result.startedServices.length },
        summary: result.reused ? `reused the running stack (${result.endpoints.aws}, ${result.endpoints.trino})` : `started ${result.startedServices.join(' and ')}`,
      };
    }));
    const endpoints = (up as UpResult | undefined)!.endpoints;
    const clients = emulatorClients(endpoints.aws);

    const replayed = await runner.run('replay', () => measured('replay', () => replayStage({
      kinesis: clients.kinesis,
      streamName: names.streamName,
      source: options.source,
      concurrency: EMULATOR_CONCURRENCY,
      rate: 'unlimited',
      shiftToNow: options.shiftToNow ?? true,
      undeliveredHint: 'Check the emulator log from `npx clickstream status`; re-run to send them again.',
      signal,
      progress,
    })));
    window = windowOf(replayed);

    const landed: LandingResult = await runner.run('land', () => measured('land', async () => {
      const result = await land({
        kinesis: clients.kinesis,
        s3: clients.s3,
        streamName: names.streamName,
        bucket: names.bronzeBucket,
        deliveryStreamName: names.deliveryStreamName,
        table: { databaseName: names.glueDatabase, tableName: names.rawTable, region: loadConfig({ target: 'local' }).region },
        onProgress: (p) => {
          // The landing has no cancellation of its own; stopping between reads loses nothing that is not re-read next time.
          if (signal.aborted) throw new RunStoppedError('land', String(signal.reason ?? 'abort'));
          progress.update('land', `${formatCount(p.read)} read, ${formatCount(p.landed)} landed, ${formatCount(p.errors)} to errors`);
        },
      });
      return {
        value: result,
        counts: { read: result.read, landed: result.landed, errors: result.errors, objects: result.objects.length },
        summary: `${formatCount(result.landed)} landed as Parquet in ${result.objects.length} objects, ${formatCount(result.errors)} to errors/ (${formatCount(result.eventsPerSecond)}/s)`,
      };
    }));

    kpisStartedAt = Date.now();
    const kpis: KpiRunResult = await runner.run('kpis', () => measured('kpis', async (memory) => {
      try {
        const result = await runKpisLocally({
          paths: options.paths,
          awsEndpoint: endpoints.aws,
          window,
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
          summary: `${jobs.join(', ')} over ${window ? `${window.fromDate}..${window.toDate}` : 'all of bronze'} (${result.mode}): ` +
            `read ${formatBytes(result.bronzeBytes)} in ${formatCount(result.bronzeObjects)} bronze objects, ${formatCount(result.rowsRejected)} rows rejected`,
        };
      } catch (e) {
        if (signal.aborted) throw e;
        const log = /Spark log: (\S+)/.exec((e as Error).message)?.[1];
        throw new StageError((e as Error).message, log ? [log] : [], 'Read the Spark log named above; `npx clickstream kpis` re-runs this stage alone on the running stack (add --keep to keep it).');
      }
    }));
    progress.line(`kpis: Spark log ${kpis.logFile}`);
    kpiRunId = kpis.runId;

    engine = new MeteredEngine(new TrinoEngine({ endpoint: endpoints.trino }));
    const validationEngine = engine;
    await runner.run('validate', () => measured('validate', () => validateStage({
      engine: validationEngine,
      database: names.glueDatabase,
      rawTable: names.rawTable,
      tables,
      window,
      replayed,
      runId: kpis.runId,
      landedFiles: landed.objects.filter((o) => o.kind === 'parquet').map((o) => `s3://${landed.bucket}/${o.key}`),
      failOnWarn: options.failOnWarn ?? false,
      failedChecksHint: 'The validation report lists every check; re-run with --keep to look at the tables with `npx clickstream query "<SQL>"`.',
      onResults: (results) => {
        validation = results.report;
        previews = [...results.previews];
        reconciliation = reconcile(replayed.manifest.counts, replayed.sent, landed, results);
        versions = results.run?.versions;
      },
      signal,
      progress,
    })));
    if (reconciliation?.reconciled === false) {
      throw new StageError(`the counts do not reconcile: ${describeReconciliation(reconciliation)}`, [],
        'A record was lost or counted twice between the stream and the tables: compare the landing\'s objects, rejected_events and the KPI tables with `npx clickstream query` (run with --keep).');
    }
    published = await runner.run('publish', () => measured('publish', () => publishStage({
      publish: () => publishRunLocally({ paths: options.paths, awsEndpoint: endpoints.aws, names, runId: kpis.runId, signal, log: (line) => progress.update('publish', line) }),
      runId: kpis.runId,
      hint: `\`npx clickstream publish --run ${kpis.runId}\` publishes it once it passes (run with --keep to keep the stack).`,
    })));
  } catch (e) {
    ({ outcome, failure } = endOfRun(runner, STAGES, e, signal, 'stack'));
  }

  // Before the stack stops: the KPI rows the HTML report charts, and what the run scanned.
  const warn = (line: string) => progress.line(line);
  const charts = engine && outcome !== 'stopped' && runner.reports.some((s) => s.name === 'kpis' && s.status === 'succeeded')
    ? await chartDataOrWarn({ engine, database: names.glueDatabase, tables, window, versions, signal, warn })
    : undefined;
  const cost = await localScanOrWarn({
    prices: options.prices ?? priceTableFor(),
    queries: engine?.queries ?? [],
    eventLogDir: sparkEventLogDir(options.paths),
    kpisStartedAt,
    bronzeUri: names.bronzeUri,
    warn,
  });

  const startedByRun = ((up as UpResult | undefined)?.startedServices.length ?? 0) > 0;
  const stopAtEnd = startedByRun && (!options.keep || outcome === 'stopped');
  if (stopAtEnd) {
    progress.line(`stack: stopping what this run started${outcome === 'stopped' ? ' (stopped by signal)' : ''}`);
    await stackDown({ paths: options.paths, log: (line) => progress.line(`stack: ${line}`) });
  }

  return {
    target: 'local',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome,
    stages: runner.reports,
    peakMemoryBytes: peaks,
    window,
    reconciliation,
    tables: previews,
    validation,
    publication: kpiRunId ? runPublication(kpiRunId, published, versions, names.glueDatabase, failure?.message) : undefined,
    charts,
    cost,
    stack: { endpoints: (up as UpResult | undefined)?.endpoints, startedByRun, stoppedAtEnd: stopAtEnd },
    failure,
  };
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
