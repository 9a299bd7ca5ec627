import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RunFailure, RunPublication, TablePreview } from './run-report';
import { RunStoppedError, StageError, StageOutcome, StageRunner } from './stages';
import { QUERY_CATALOG } from '../config/names';
import { QueryEngine } from '../engines/query-engine';
import { GeneratorOptions } from '../events/generator';
import { formatCount, formatDuration } from '../format/numbers';
import { KPI_JOBS, KPI_TABLES, KpiJobName, KpiTableName, REJECTED_EVENTS_TABLE } from '../kpis/catalog';
import { DayWindow, ValidDayWindow, dayWindow } from '../kpis/day-window';
import { PublishRefusedError, PublishedRun } from '../kpis/publication';
import { auditBranch } from '../kpis/run-ledger';
import { bronzeHoldsEvents } from '../replay/earlier-events';
import { ReplayResult, replay } from '../replay/replayer';
import { ReplaySource, fileSource, generatorSource } from '../replay/sources';
import { identifier, joinSql, sql, tableAtVersion } from '../sql/statement';
import { RunScope, loadRunScope } from '../validation/run-scope';
import { checkedTablesOf, runValidation } from '../validation/runner';
import { ValidationReport, failingChecks, reportFails } from '../validation/validation-report';

/** Where a run's events come from: the seeded generator, or a JSON Lines file. */
export type EventSource =
  | { readonly kind: 'generator'; readonly options: GeneratorOptions }
  | { readonly kind: 'file'; readonly path: string; readonly sendInvalid?: boolean };

/** Stage progress: `update` for running counts, `line` for lines that stay. */
export interface RunProgress {
  update(stage: string, status: string): void;
  line(text: string): void;
}

const PREVIEW_ROWS = 5;

/** The jobs to run (all when none are named) and the tables they write. */
export function jobsAndTables(jobs: readonly KpiJobName[] | undefined): { jobs: KpiJobName[]; tables: KpiTableName[] } {
  const chosen = jobs && jobs.length > 0 ? [...jobs] : (Object.keys(KPI_JOBS) as KpiJobName[]);
  return { jobs: chosen, tables: chosen.flatMap((job) => KPI_JOBS[job].tables) };
}

/** A stage runner that prints each stage's start and end as lines that stay. */
export function stageRunner(signal: AbortSignal, progress: RunProgress, now?: () => number): StageRunner {
  return new StageRunner(signal, (event) => {
    if (event.phase === 'start') progress.line(`${event.stage}: started`);
    else if (event.report) progress.line(`${event.stage}: ${event.report.status} in ${formatDuration(event.report.durationMs)}: ${event.report.summary}`);
  }, now);
}

/**
 * How a run ended, from the error that ended it; the stages after the failed one are marked skipped.
 * The failure is the stage that failed (or stopped) first: of two stages side by side, the other
 * one may end after it, cut short or not.
 */
export function endOfRun(runner: StageRunner, stages: readonly string[], error: unknown, signal: AbortSignal, firstStage: string): {
  outcome: 'failed' | 'stopped';
  failure: RunFailure;
} {
  const last = runner.reports.find((r) => r.status === 'failed' || r.status === 'stopped') ?? runner.reports[runner.reports.length - 1];
  runner.skip(stages);
  return {
    outcome: error instanceof RunStoppedError || signal.aborted ? 'stopped' : 'failed',
    failure: { stage: last?.name ?? firstStage, message: (error as Error).message, logs: last?.error?.logs, hint: last?.error?.hint },
  };
}

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

export interface ReplayStageOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly source: EventSource;
  readonly shiftToNow: boolean;
  /** @default the replayer's: paced to the stream's shards */
  readonly rate?: 'unlimited';
  /** What to try when records were not delivered. */
  readonly undeliveredHint: string;
  /** The environment's bronze, asked before the replay whether it already holds events (the manifest says so). */
  readonly bronze: { readonly s3: S3Client; readonly bucket: string };
  readonly signal: AbortSignal;
  readonly progress: RunProgress;
}

/** The replay stage: events into the stream, every record accounted for; undelivered records fail it. */
export async function replayStage(options: ReplayStageOptions): Promise<StageOutcome<ReplayResult>> {
  const { progress } = options;
  // One quick request, not cut by the run's signals: a stop is the replay's to report.
  const environmentHeldEvents = await bronzeHoldsEvents(options.bronze.s3, options.bronze.bucket);
  if (environmentHeldEvents) {
    progress.line(`replay: s3://${options.bronze.bucket} already holds landed events: the tables will count them too, so validation checks them against bronze, not against this replay's exact totals`);
  }
  const replayed = await replay({
    kinesis: options.kinesis,
    streamName: options.streamName,
    source: stoppable(replaySource(options.source), options.signal),
    rate: options.rate,
    shiftToNow: options.shiftToNow,
    onProgress: (p) => progress.update('replay', `${formatCount(p.sent)} sent, ${formatCount(p.retried)} retried, ${formatCount(p.sent / Math.max(p.elapsedMs / 1000, 0.001))}/s`),
  });
  const result: ReplayResult = { ...replayed, manifest: { ...replayed.manifest, environmentHeldEvents } };
  if (result.failed > 0) {
    throw new StageError(`${result.failed} records were not delivered (first: ${result.undelivered.first.join(', ')})`, [], options.undeliveredHint);
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
}

/** The UTC event days a replay delivered, first to last. */
export function windowOf(result: ReplayResult): ValidDayWindow | undefined {
  const days = Object.keys(result.manifest.days).sort();
  return days.length > 0 ? dayWindow(days[0], days[days.length - 1]) : undefined;
}

async function previewTables(engine: QueryEngine, database: string, tables: readonly KpiTableName[], versions: RunScope['versions'] | undefined, signal: AbortSignal): Promise<TablePreview[]> {
  const previews: TablePreview[] = [];
  for (const table of tables) {
    const spec = KPI_TABLES[table];
    const order = spec.grain.join(', ');
    const from = tableAtVersion(QUERY_CATALOG, database, table, versions?.[table]).text;
    const rows = await engine.query(`SELECT * FROM ${from} ORDER BY ${order} LIMIT ${PREVIEW_ROWS}`, [], { signal });
    const count = await engine.query(`SELECT count(*) AS n FROM ${from}`, [], { signal });
    previews.push({ table, rowCount: Number(count.rows[0]?.n ?? 0), columns: rows.columns.map((c) => c.name), rows: rows.rows });
  }
  return previews;
}

export interface ValidateStageOptions {
  readonly engine: QueryEngine;
  readonly database: string;
  readonly rawTable: string;
  readonly tables: readonly KpiTableName[];
  readonly window?: DayWindow;
  readonly replayed: ReplayResult;
  /** The KPI run to check (its `_kpi_runs` id). @default the latest run in the ledger */
  readonly runId?: string;
  /** The objects this run landed, as `s3://` paths: their rows that broke a rule are counted in rejected_events. */
  readonly landedFiles?: readonly string[];
  readonly failOnWarn: boolean;
  /** What to try when checks fail. */
  readonly failedChecksHint: string;
  /** Receives the results as soon as they exist, so a run that fails its checks still reports them. */
  readonly onResults: (results: ValidateStageResults) => void;
  readonly signal: AbortSignal;
  readonly progress: RunProgress;
}

export interface ValidateStageResults {
  readonly report: ValidationReport;
  readonly previews: readonly TablePreview[];
  /** Distinct valid events the replay delivered (manifest). */
  readonly distinctValidEvents: number;
  /**
   * Events the KPI tables count over the run's days (sum of event_geo_kpis_events.event_count);
   * undefined when the run did not compute that table, so nothing can be reconciled.
   */
  readonly kpiEvents?: number;
  /** Rows of this run's landed objects kept in rejected_events; undefined without `landedFiles`. */
  readonly rejected?: number;
  /** The run checked, with its audit branch and the table versions read. */
  readonly run?: RunScope;
}

/**
 * The validate stage: the check suite with the replay manifest's exact expectations over the
 * run's days, the tables' first rows, and the events the tables count; failing checks fail it.
 */
export async function validateStage(options: ValidateStageOptions): Promise<StageOutcome<ValidationReport>> {
  const { engine, window, replayed, signal } = options;
  const run = await loadRunScope(engine, QUERY_CATALOG, options.database, { runId: options.runId, signal });
  const jobs = (Object.keys(KPI_JOBS) as KpiJobName[]).filter((job) => KPI_JOBS[job].tables.some((t) => options.tables.includes(t)));
  const report = await runValidation(engine, {
    tables: checkedTablesOf(jobs),
    window,
    run,
    failOnWarn: options.failOnWarn,
    expectations: { days: replayed.manifest.days, latestDay: window?.toDate, environmentHeldEvents: replayed.manifest.environmentHeldEvents },
    database: options.database,
    rawTable: options.rawTable,
    signal,
    log: (line) => options.progress.update('validate', line),
  });
  const previews = await previewTables(engine, options.database, options.tables, run?.versions, signal);
  const distinctValidEvents = replayed.manifest.counts.distinctValidUuids;
  // With earlier events in bronze the tables count those too: nothing to compare this replay's count with.
  const kpiEvents = options.tables.includes('event_geo_kpis_events') && window && !replayed.manifest.environmentHeldEvents
    ? Number((await engine.query(
      `SELECT coalesce(sum(event_count), 0) AS n FROM ${tableAtVersion(QUERY_CATALOG, options.database, 'event_geo_kpis_events', run?.versions.event_geo_kpis_events).text} WHERE day BETWEEN ? AND ?`,
      [{ type: 'date', value: window.fromDate }, { type: 'date', value: window.toDate }],
      { signal },
    )).rows[0].n)
    : undefined;
  const rejected = options.landedFiles ? await rejectedRows(engine, options.database, options.landedFiles, run?.versions, signal) : undefined;
  options.onResults({ report, previews, distinctValidEvents, kpiEvents, rejected, run });
  if (reportFails(report, options.failOnWarn)) {
    const failed = failingChecks(report, options.failOnWarn);
    throw new StageError(
      `${failed.length} check(s) failed: ${failed.slice(0, 5).map((c) => `${c.table} ${c.check} (observed ${c.observed}, expected ${c.expected})`).join('; ')}`,
      [],
      options.failedChecksHint,
    );
  }
  return {
    value: report,
    counts: { ...report.summary },
    summary: `${report.summary.passed}/${report.summary.checks} checks passed on ${report.engine}`,
  };
}

/** Rows of the given landed objects that the KPI jobs kept aside in rejected_events. */
async function rejectedRows(engine: QueryEngine, database: string, files: readonly string[], versions: RunScope['versions'] | undefined, signal: AbortSignal): Promise<number> {
  if (files.length === 0) return 0;
  const query = sql`SELECT count(*) AS n FROM ${tableAtVersion(QUERY_CATALOG, database, REJECTED_EVENTS_TABLE, versions?.[REJECTED_EVENTS_TABLE])}
WHERE ${identifier('source_file')} IN (${joinSql(files.map((f) => sql`${f}`), ', ')})`;
  return Number((await engine.query(query.text, query.params, { signal })).rows[0]?.n ?? 0);
}

export interface PublishStageOptions {
  /** Publishes the run on the target (a local Spark job, or an EMR step). */
  readonly publish: () => Promise<PublishedRun>;
  readonly runId: string;
  /** What to do when publishing is refused. */
  readonly hint: string;
}

/** The publish stage: the run's audit branch fast-forwarded to main on every table; a refusal fails it. */
export async function publishStage(options: PublishStageOptions): Promise<StageOutcome<PublishedRun>> {
  try {
    const run = await options.publish();
    return {
      value: run,
      counts: { tables: run.published.length },
      summary: run.published.length > 0
        ? `run ${options.runId} published: ${run.published.length} tables fast-forwarded to ${run.branch}`
        : `run ${options.runId}: ${run.note ?? 'nothing to publish'}`,
    };
  } catch (e) {
    if (e instanceof PublishRefusedError) throw new StageError(e.message, [], options.hint);
    throw e;
  }
}

/** What became of a run's branch: published, or held back with the reason and how to look at it. */
export function runPublication(runId: string, published: PublishedRun | undefined, versions: RunScope['versions'] | undefined,
  database: string, reason: string | undefined): RunPublication {
  const branch = auditBranch(runId);
  if (published) return { runId, branch, status: 'published', tables: published.published };
  const table = 'event_geo_kpis_events';
  const inspect = versions?.[table]
    ? `npx clickstream query "SELECT * FROM ${tableAtVersion(QUERY_CATALOG, database, table, versions[table]).text} LIMIT 20"`
    : undefined;
  return { runId, branch, status: 'held back', tables: [], reason: reason ?? 'the run stopped before it was published', inspect };
}
