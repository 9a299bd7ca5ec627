import * as path from 'node:path';
import type { RunReportFiles } from './run-report-files';
import { costSummaryLine } from '../cost/cost-text';
import { formatBytes, formatCount, formatDuration } from '../format/numbers';
import { formatRows, formatTable } from '../format/tables';
import type { RunReport } from '../pipeline/run-report';

/** Log lines of a failed EMR step shown in the summary; the report has the whole tail. */
const LOG_TAIL_LINES = 20;

/** What `clickstream run` prints at the end: the tables' first rows, validation, stages, counts, cost, and where the report is. */
export function runSummaryText(report: RunReport, files: RunReportFiles): string {
  const lines: string[] = [];
  for (const table of report.tables ?? []) {
    lines.push(`${table.table} (${formatCount(table.rowCount)} rows; first ${table.rows.length}):`);
    lines.push(formatTable(table.columns, formatRows(table.columns, table.rows)), '');
  }
  if (report.validation) {
    const failed = report.validation.checks.filter((c) => !c.passed);
    lines.push(`validation: ${report.validation.summary.passed}/${report.validation.summary.checks} checks passed on ${report.validation.engine}` +
      (failed.length > 0 ? `; failed: ${failed.map((c) => `${c.table} ${c.check} (observed ${c.observed})`).join(', ')}` : ''), '');
  }
  const short = (text: string) => (text.length > 110 ? `${text.slice(0, 107)}...` : text);
  lines.push(formatTable(['stage', 'status', 'duration', 'summary'], report.stages.map((s) => [s.name, s.status, formatDuration(s.durationMs), short(s.summary)])));
  if (report.target === 'local' && report.reconciliation) {
    const r = report.reconciliation;
    lines.push('', `counts: ${formatCount(r.sent)} sent -> ${formatCount(r.read)} read -> ${formatCount(r.landed)} landed + ${formatCount(r.landingErrors)} errors; ` +
      `${r.rejected === undefined ? '' : `${formatCount(r.rejected)} rejected, `}${formatCount(r.duplicates)} duplicates, ` +
      `${formatCount(r.distinctValidEvents)} distinct valid events -> ${counted(r.kpiEvents)} counted by the KPI tables: ${verdict(r.reconciled)}`);
  }
  if (report.target === 'aws' && report.reconciliation) {
    const r = report.reconciliation;
    lines.push('', `counts: ${formatCount(r.sent)} sent -> Firehose landed ${formatCount(r.landedObjects)} Parquet objects + ${formatCount(r.errorObjects)} error objects ` +
      `(it reports no record counts); ${formatCount(r.distinctValidEvents)} distinct valid events -> ${counted(r.kpiEvents)} counted by the KPI tables: ` +
      `${verdict(r.reconciled)}`);
  }
  if (report.cost) lines.push(costSummaryLine(report.cost));
  if (report.target === 'local') {
    const peak = Object.entries(report.peakMemoryBytes.kpis ?? {}).map(([k, v]) => `${k} ${formatBytes(v)}`).join(', ');
    if (peak) lines.push(`peak memory during kpis: ${peak}`);
  }
  if (report.failure) {
    lines.push('', `${report.outcome.toUpperCase()} at stage ${report.failure.stage}: ${report.failure.message}`);
    if (report.failure.logs?.length) lines.push(`logs: ${report.failure.logs.join(', ')}`);
    const tail = report.target !== 'aws' ? undefined
      : report.emr?.logs?.found ? report.emr.logs.tails[0] : report.serverless?.report.jobRuns.find((r) => r.stderrTail)?.stderrTail;
    if (tail) lines.push(`last lines of ${tail.uri}:`, ...tail.lines.slice(-LOG_TAIL_LINES).map((l) => `  ${l}`));
    if (report.failure.hint) lines.push(`try: ${report.failure.hint}`);
  }
  lines.push('', `report: ${files.html} (and ${path.basename(files.markdown)}, ${path.basename(files.json)}); ${formatDuration(report.durationMs)} in all.`);
  if (report.target === 'local' && report.stack.endpoints && !report.stack.stoppedAtEnd) lines.push('The stack is still running; stop it with `npx clickstream down`.');
  return lines.join('\n');
}

const counted = (n: number | undefined) => (n === undefined ? 'none (event_geo was not run)' : formatCount(n));
const verdict = (reconciled: boolean | undefined) => (reconciled === undefined ? 'not checked' : reconciled ? 'reconciled' : 'NOT RECONCILED');

