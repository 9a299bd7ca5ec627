import type { FirehoseLandingResult } from './firehose-landing';
import { StageReport } from './stages';
import type { ResourceNames } from '../config/names';
import type { NameSource } from '../config/stack-outputs';
import { renderCostMarkdown } from '../cost/cost-text';
import type { RunCost } from '../cost/run-cost';
import { EmrRunReport, renderReportMarkdown as renderEmrReportMarkdown } from '../emr/emr-run-report';
import type { ServerlessRunResult } from '../emr-serverless/run-job-runs';
import { BilledCost, renderServerlessReport } from '../emr-serverless/serverless-run-report';
import type { TypedValue } from '../engines/query-engine';
import { formatBytes, formatCount, formatDuration } from '../format/numbers';
import { formatRows } from '../format/tables';
import type { KpiTableName } from '../kpis/catalog';
import type { DayWindow } from '../kpis/day-window';
import type { StackEndpoints } from '../local/stack';
import type { KpiChartData } from '../report/kpi-data';
import { ValidationReport } from '../validation/validation-report';

/** The first rows of a KPI table, as the run shows them at the end. */
export interface TablePreview {
  readonly table: KpiTableName;
  readonly rowCount: number;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Readonly<Record<string, TypedValue>>>;
}

/** Why a run did not succeed: the stage, the reason, where the logs are, what to try. */
export interface RunFailure {
  readonly stage: string;
  readonly message: string;
  readonly logs?: readonly string[];
  readonly hint?: string;
}

/**
 * Counts that must agree from the replay to the tables, on the local target: sent -> read ->
 * landed (+ errors) -> valid (+ rejected, duplicates) -> counted.
 */
export interface LocalReconciliation {
  readonly sent: number;
  /** Records the landing worker read from the stream. */
  readonly read: number;
  readonly landed: number;
  readonly landingErrors: number;
  /** Records sent that fail the schema (manifest): the landing sends some to errors/, the jobs reject the rest. */
  readonly invalidSent: number;
  /** Rows of this run's landed objects in rejected_events (undefined: not measured). */
  readonly rejected?: number;
  /** Valid re-deliveries of an event already sent (manifest): dropped by de-duplication. */
  readonly duplicates: number;
  /** Distinct valid events the replay delivered (manifest). */
  readonly distinctValidEvents: number;
  /** Events the KPI tables count over the run's days (sum of event_geo_kpis_events.event_count); undefined when the run did not compute it. */
  readonly kpiEvents?: number;
  /**
   * read = sent, landed + errors = read, rejected = invalid sent - errors, KPI events = distinct
   * valid events; undefined when the KPI events were not computed, so nothing could be reconciled.
   */
  readonly reconciled?: boolean;
}

/**
 * Counts that must agree on the aws target. Firehose reports no per-record counts, so what it
 * read and landed is known only as objects; the records reconcile through the tables.
 */
export interface AwsReconciliation {
  readonly sent: number;
  /** Parquet objects of this run in bronze. */
  readonly landedObjects: number;
  /** Objects of this run under errors/ (records Firehose could not convert). */
  readonly errorObjects: number;
  readonly distinctValidEvents: number;
  readonly kpiEvents?: number;
  /** KPI events = distinct valid events; undefined when the run did not compute them. */
  readonly reconciled?: boolean;
}

/** What became of a run's audit branch (write-audit-publish). */
export interface RunPublication {
  readonly runId: string;
  readonly branch: string;
  /** `published`: every table's main now holds the run; `held back`: validation failed or publishing was refused, main is untouched. */
  readonly status: 'published' | 'held back';
  /** Each table fast-forwarded, with the snapshot readers now see. */
  readonly tables: ReadonlyArray<{ readonly table: string; readonly snapshot: string }>;
  /** Why a held-back run was not published, and how to look at its branch. */
  readonly reason?: string;
  readonly inspect?: string;
}

interface RunReportBase {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: 'succeeded' | 'failed' | 'stopped';
  readonly stages: readonly StageReport[];
  /** UTC event days of the replay: what the KPI jobs computed and the checks covered. */
  readonly window?: DayWindow;
  readonly tables?: readonly TablePreview[];
  readonly validation?: ValidationReport;
  /** The KPI run (its id names its audit branch) and what publishing it did: each table's published snapshot. */
  readonly publication?: RunPublication;
  /** The KPI rows the HTML report charts. */
  readonly charts?: KpiChartData;
  /** aws: what the run cost (an estimate); local: what its queries would scan and cost on Athena. */
  readonly cost?: RunCost;
  readonly failure?: RunFailure;
}

export interface LocalRunReport extends RunReportBase {
  readonly target: 'local';
  /** Peak resident memory per stage, bytes: this CLI with its child processes (Spark), the emulator, Trino. */
  readonly peakMemoryBytes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly reconciliation?: LocalReconciliation;
  readonly stack: { readonly endpoints?: StackEndpoints; readonly startedByRun: boolean; readonly stoppedAtEnd: boolean };
}

/** The aws target's resources, as the resolve stage found them. */
export interface AwsRunResources {
  readonly environment: string;
  readonly region: string;
  readonly names: ResourceNames;
  readonly sources: Readonly<Record<string, NameSource>>;
  readonly scriptsVersion: string;
  readonly scriptsVersionSource: 'option' | 'stack output';
}

export interface AwsRunReport extends RunReportBase {
  readonly target: 'aws';
  readonly environment: string;
  readonly region: string;
  readonly resources?: AwsRunResources;
  /** What the wait for Firehose saw. */
  readonly landing?: FirehoseLandingResult;
  /** The EMR runner's report, when the environment runs clusters: cluster, steps and their states, a failed step's log tail, cleanup. */
  readonly emr?: EmrRunReport;
  /** The EMR Serverless runner's report, when the environment runs job runs: their states, billed usage and its price, a failed driver's log tail. */
  readonly serverless?: { readonly report: ServerlessRunResult; readonly cost: BilledCost };
  readonly reconciliation?: AwsReconciliation;
}

/** A `clickstream run` report, of either target. */
export type RunReport = LocalRunReport | AwsRunReport;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/\|/g, '\\|');
}

function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function previewMarkdown(preview: TablePreview): string {
  return [
    `#### ${preview.table} (${formatCount(preview.rowCount)} rows)`,
    '',
    markdownTable(preview.columns, formatRows(preview.columns, preview.rows)),
  ].join('\n');
}

/** The run report as Markdown: outcome, stages, reconciliation, the target's details, tables' first rows. */
export function renderRunReportMarkdown(report: RunReport): string {
  const icon = { succeeded: 'passed', failed: 'FAILED', stopped: 'STOPPED' }[report.outcome];
  const where = report.target === 'aws' ? `Target \`aws\` (environment \`${report.environment}\`, ${report.region})` : 'Target `local`';
  const lines = [
    `## clickstream run: ${icon}`,
    '',
    `${where}, started ${report.startedAt}, ${formatDuration(report.durationMs)}` +
      `${report.window ? `, event days ${report.window.fromDate}..${report.window.toDate}` : ''}.`,
    '',
  ];
  if (report.target === 'local') {
    lines.push(markdownTable(['stage', 'status', 'duration', 'summary', 'peak memory'], report.stages.map((s) => [
      s.name,
      s.status,
      formatDuration(s.durationMs),
      s.summary,
      Object.entries(report.peakMemoryBytes[s.name] ?? {}).map(([k, v]) => `${k} ${formatBytes(v)}`).join(', '),
    ])));
  } else {
    lines.push(markdownTable(['stage', 'status', 'duration', 'summary'], report.stages.map((s) => [s.name, s.status, formatDuration(s.durationMs), s.summary])));
  }
  if (report.failure) {
    lines.push('', `**${report.failure.stage} ${report.outcome === 'stopped' ? 'stopped' : 'failed'}:** ${report.failure.message.split('\n')[0]}`);
    if (report.failure.logs?.length) lines.push('', `Logs: ${report.failure.logs.map((l) => `\`${l}\``).join(', ')}`);
    if (report.failure.hint) lines.push('', `Try: ${report.failure.hint}`);
  }
  lines.push(...reconciliationMarkdown(report));
  if (report.target === 'aws') lines.push(...awsMarkdown(report));
  if (report.validation) {
    const v = report.validation.summary;
    lines.push('', '### Validation', '', `${v.passed}/${v.checks} checks passed on ${report.validation.engine}` +
      `${v.failedErrors > 0 ? `; ${v.failedErrors} error-level failures` : ''}${v.failedWarnings > 0 ? `; ${v.failedWarnings} warnings` : ''}.` +
      ' The full report is validation-report.md beside this file.');
  }
  if (report.cost) lines.push(...renderCostMarkdown(report.cost));
  if (report.tables?.length) {
    lines.push('', '### KPI tables (first rows)', '', ...report.tables.map(previewMarkdown).flatMap((t) => [t, '']));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function reconciliationMarkdown(report: RunReport): string[] {
  if (!report.reconciliation) return [];
  const rows: Array<[string, string]> = [];
  if (report.target === 'local') {
    const r = report.reconciliation;
    rows.push(
      ['records sent to the stream', formatCount(r.sent)],
      ['records read by the landing', formatCount(r.read)],
      ['landed as Parquet', formatCount(r.landed)],
      ['sent to errors/ (not convertible)', formatCount(r.landingErrors)],
      ['landed rows kept in rejected_events (a rule broken)', r.rejected === undefined ? 'not measured' : formatCount(r.rejected)],
      ['re-deliveries dropped as duplicates', formatCount(r.duplicates)],
    );
  } else {
    const r = report.reconciliation;
    rows.push(
      ['records sent to the stream', formatCount(r.sent)],
      ['Parquet objects Firehose landed (records are not counted)', formatCount(r.landedObjects)],
      ['objects under errors/', formatCount(r.errorObjects)],
    );
  }
  const r = report.reconciliation;
  rows.push(
    ['distinct valid events sent', formatCount(r.distinctValidEvents)],
    ['events counted by the KPI tables', r.kpiEvents === undefined ? 'not computed by this run' : formatCount(r.kpiEvents)],
    ['reconciled', r.reconciled === undefined ? 'not checked (event_geo was not run)' : r.reconciled ? 'yes' : 'NO'],
  );
  return ['', '### Reconciliation', '', markdownTable(['count', 'value'], rows)];
}

function awsMarkdown(report: AwsRunReport): string[] {
  const lines: string[] = [];
  if (report.resources) {
    const { names, scriptsVersion, scriptsVersionSource } = report.resources;
    lines.push('', '### AWS resources', '', markdownTable(['resource', 'name'], [
      ['Kinesis stream', names.streamName],
      ['Firehose delivery stream', names.deliveryStreamName],
      ['bronze', names.bronzeUri],
      ['warehouse', names.warehouseUri],
      ['Glue database', names.glueDatabase],
      ['Athena workgroup', names.athenaWorkgroup],
      ['Spark scripts', `s3://${names.scriptsBucket}/spark/${scriptsVersion}/ (${scriptsVersionSource})`],
    ]));
  }
  if (report.landing) {
    const l = report.landing;
    lines.push('', '### Landing (Firehose)', '', `${formatCount(l.objects)} Parquet objects (${formatBytes(l.bytes)}) and ${formatCount(l.errorObjects)} error objects ` +
      `in s3://${l.bucket}/ after ${formatDuration(l.waitedMs)} of waiting (${l.polls} listings; buffer interval ${l.bufferIntervalSeconds} s).`);
  }
  if (report.emr) lines.push('', renderEmrReportMarkdown(report.emr).trimEnd());
  if (report.serverless) lines.push('', renderServerlessReport(report.serverless.report, report.serverless.cost).trimEnd());
  return lines;
}
