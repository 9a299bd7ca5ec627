import { formatCount, formatDuration } from './progress';
import { RunStoppedError, StageError, StageReport, StageRunner } from './stages';
import { loadConfig } from '../config/config';
import { QueryEngine, TypedValue } from '../engines/query-engine';
import { TrinoEngine } from '../engines/trino';
import { GeneratorOptions } from '../events/generator';
import { KPI_TABLES, KpiJobName, KpiTableName, KPI_JOBS } from '../kpis/catalog';
import { DayWindow } from '../kpis/job-arguments';
import { LandingResult, land } from '../landing/worker';
import { emulatorClients } from '../local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../local/kpi-runner';
import { LocalPaths } from '../local/paths';
import { PeakMemorySampler } from '../local/process-memory';
import { StackEndpoints, UpResult, stackDown, stackUp } from '../local/stack';
import { readStackState } from '../local/stack-state';
import { EMULATOR_CONCURRENCY, ReplayResult, replay } from '../replay/replayer';
import { ReplaySource, fileSource, generatorSource } from '../replay/sources';
import { ValidationReport, reportFails } from '../validation/report';
import { runValidation } from '../validation/runner';

/** Where a run's events come from: the seeded generator, or a JSON Lines file. */
export type EventSource =
  | { readonly kind: 'generator'; readonly options: GeneratorOptions }
  | { readonly kind: 'file'; readonly path: string; readonly sendInvalid?: boolean };

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
  /** Aborting (SIGINT/SIGTERM) stops the current stage and everything the run started. */
  readonly signal: AbortSignal;
  /** Stage progress: `update` for running counts, `line` for lines that stay. */
  readonly progress: { update(stage: string, status: string): void; line(text: string): void };
}

/** The first rows of a KPI table, as the run shows them at the end. */
export interface TablePreview {
  readonly table: KpiTableName;
  readonly rowCount: number;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Readonly<Record<string, TypedValue>>>;
}

/** Counts that must agree from the replay to the tables. */
export interface Reconciliation {
  readonly sent: number;
  readonly read: number;
  readonly landed: number;
  readonly landingErrors: number;
  /** Distinct valid events the replay delivered (manifest). */
  readonly distinctValidEvents: number;
  /** Events the KPI tables count over the run's days (sum of event_geo_kpis_events.event_count). */
  readonly kpiEvents: number;
  /** read = sent, landed + errors = read, KPI events = distinct valid events. */
  readonly reconciled: boolean;
}

export interface LocalRunReport {
  readonly target: 'local';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: 'succeeded' | 'failed' | 'stopped';
  readonly stages: readonly StageReport[];
  /** Peak resident memory per stage, bytes: this CLI with its child processes (Spark), the emulator, Trino. */
  readonly peakMemoryBytes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly window?: DayWindow;
  readonly reconciliation?: Reconciliation;
  readonly tables?: readonly TablePreview[];
  readonly validation?: ValidationReport;
  readonly stack: { readonly endpoints?: StackEndpoints; readonly startedByRun: boolean; readonly stoppedAtEnd: boolean };
  readonly failure?: { readonly stage: string; readonly message: string; readonly logs?: readonly string[]; readonly hint?: string };
}

export const STAGES = ['stack', 'replay', 'land', 'kpis', 'validate'] as const;

const PREVIEW_ROWS = 5;

function replaySource(source: EventSource): ReplaySource {
  return source.kind === 'generator' ? generatorSource(source.options) : fileSource({ file: source.path, sendInvalid: source.sendInvalid ?? false });
}

/** A replay source that stops handing out records once the run is stopped. */
function stoppable(source: ReplaySource, signal: AbortSignal): ReplaySource {
  return {
    ...source,
    async *records() {
      for await (const record of source.records()) {
        if (signal.aborted) return;
        yield record;
      }
    },
  };
}

function windowOf(result: ReplayResult): DayWindow | undefined {
  const days = Object.keys(result.manifest.days).sort();
  return days.length > 0 ? { fromDate: days[0], toDate: days[days.length - 1] } : undefined;
}

async function previewTables(engine: QueryEngine, database: string, tables: readonly KpiTableName[]): Promise<TablePreview[]> {
  const previews: TablePreview[] = [];
  for (const table of tables) {
    const spec = KPI_TABLES[table];
    const order = spec.grain.join(', ');
    const rows = await engine.query(`SELECT * FROM ${database}.${table} ORDER BY ${order} LIMIT ${PREVIEW_ROWS}`);
    const count = await engine.query(`SELECT count(*) AS n FROM ${database}.${table}`);
    previews.push({ table, rowCount: Number(count.rows[0]?.n ?? 0), columns: rows.columns.map((c) => c.name), rows: rows.rows });
  }
  return previews;
}

/**
 * The whole pipeline on the embedded stack: stack up (or reuse), replay events into the
 * emulator's Kinesis, land them into bronze Parquet, compute the KPI tables with Spark, validate
 * them on Trino. Stops what it started unless `keep`, also when a stage fails or the run is stopped.
 */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunReport> {
  const started = Date.now();
  const { progress, signal } = options;
  const peaks: Record<string, Record<string, number>> = {};
  const runner = new StageRunner(signal, (event) => {
    if (event.phase === 'start') progress.line(`${event.stage}: started`);
    else if (event.report) progress.line(`${event.stage}: ${event.report.status} in ${formatDuration(event.report.durationMs)}: ${event.report.summary}`);
  });
  const names = loadConfig({ target: 'local' }).names;
  const jobs = options.jobs && options.jobs.length > 0 ? options.jobs : (Object.keys(KPI_JOBS) as KpiJobName[]);
  const tables = jobs.flatMap((job) => KPI_JOBS[job].tables);

  let up: UpResult | undefined;
  let window: DayWindow | undefined;
  let reconciliation: Reconciliation | undefined;
  let previews: TablePreview[] | undefined;
  let validation: ValidationReport | undefined;
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

    const replayed = await runner.run('replay', () => measured('replay', async () => {
      const result = await replay({
        kinesis: clients.kinesis,
        streamName: names.streamName,
        source: stoppable(replaySource(options.source), signal),
        concurrency: EMULATOR_CONCURRENCY,
        rate: 'unlimited',
        shiftToNow: options.shiftToNow ?? true,
        onProgress: (p) => progress.update('replay', `${formatCount(p.sent)} sent, ${formatCount(p.retried)} retried, ${formatCount(p.sent / Math.max(p.elapsedMs / 1000, 0.001))}/s`),
      });
      if (result.failed > 0) {
        throw new StageError(`${result.failed} records were not delivered (first: ${result.undelivered.first.join(', ')})`, [], 'Check the emulator log from `npx clickstream status`; re-run to send them again.');
      }
      if (result.invalidLines && result.invalidLines.count > 0) {
        const first = result.invalidLines.lines.slice(0, 3).map((l) => `line ${l.lineNumber}: ${l.reason}`).join('; ');
        progress.line(`replay: ${result.invalidLines.count} file lines fail the schema and were ${result.invalidLines.sent ? 'sent anyway' : 'not sent'} (${first})`);
      }
      return {
        value: result,
        counts: {
          read: result.read,
          sent: result.sent,
          retried: result.retried,
          throttled: result.throttled,
          failed: result.failed,
          distinctValidEvents: result.manifest.counts.distinctValidUuids,
          shiftSeconds: result.shiftSeconds,
        },
        summary: `${formatCount(result.sent)} records sent (${formatCount(result.recordsPerSecond)}/s), ${formatCount(result.manifest.counts.distinctValidUuids)} distinct valid events`,
      };
    }));
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
          counts: { submits: result.submits.length },
          summary: `${jobs.join(', ')} over ${window ? `${window.fromDate}..${window.toDate}` : 'all of bronze'} (${result.mode})`,
        };
      } catch (e) {
        if (signal.aborted) throw e;
        const log = /Spark log: (\S+)/.exec((e as Error).message)?.[1];
        throw new StageError((e as Error).message, log ? [log] : [], 'Read the Spark log named above; `npx clickstream kpis` re-runs this stage alone on the running stack (add --keep to keep it).');
      }
    }));
    progress.line(`kpis: Spark log ${kpis.logFile}`);

    const engine = new TrinoEngine({ endpoint: endpoints.trino });
    validation = await runner.run('validate', () => measured('validate', async () => {
      const report = await runValidation(engine, {
        tables,
        window: window ? { from: window.fromDate, to: window.toDate } : undefined,
        expectations: { days: replayed.manifest.days, latestDay: window?.toDate },
        database: names.glueDatabase,
        rawTable: names.rawTable,
        signal,
        log: (line) => progress.update('validate', line),
      });
      previews = await previewTables(engine, names.glueDatabase, tables);
      const kpiEvents = tables.includes('event_geo_kpis_events') && window
        ? Number((await engine.query(
          `SELECT coalesce(sum(event_count), 0) AS n FROM ${names.glueDatabase}.event_geo_kpis_events WHERE day BETWEEN ? AND ?`,
          [{ type: 'date', value: window.fromDate }, { type: 'date', value: window.toDate }],
        )).rows[0].n)
        : replayed.manifest.counts.distinctValidUuids;
      const distinctValidEvents = replayed.manifest.counts.distinctValidUuids;
      reconciliation = {
        sent: replayed.sent,
        read: landed.read,
        landed: landed.landed,
        landingErrors: landed.errors,
        distinctValidEvents,
        kpiEvents,
        reconciled: landed.read >= replayed.sent && landed.landed + landed.errors === landed.read && kpiEvents === distinctValidEvents,
      };
      const failed = report.checks.filter((c) => !c.passed && (c.severity === 'error' || options.failOnWarn));
      if (reportFails(report, options.failOnWarn)) {
        throw new StageError(
          `${failed.length} check(s) failed: ${failed.slice(0, 5).map((c) => `${c.table} ${c.check} (observed ${c.observed}, expected ${c.expected})`).join('; ')}`,
          [],
          'The validation report lists every check; re-run with --keep to look at the tables with `npx clickstream query "<SQL>"`.',
        );
      }
      return {
        value: report,
        counts: { ...report.summary },
        summary: `${report.summary.passed}/${report.summary.checks} checks passed on ${report.engine}`,
      };
    }));
  } catch (e) {
    const last = runner.reports[runner.reports.length - 1];
    outcome = e instanceof RunStoppedError || signal.aborted ? 'stopped' : 'failed';
    failure = {
      stage: last?.name ?? 'stack',
      message: (e as Error).message,
      logs: last?.error?.logs,
      hint: last?.error?.hint,
    };
    runner.skip(STAGES);
  }

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
    stack: { endpoints: (up as UpResult | undefined)?.endpoints, startedByRun, stoppedAtEnd: stopAtEnd },
    failure,
  };
}
