import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalRunReport, TablePreview } from './local-run';
import { formatCount, formatDuration } from './progress';
import { formatBytes } from '../local/process-memory';
import { writeReportFiles } from '../validation/report-files';

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
    markdownTable(preview.columns, preview.rows.map((row) => preview.columns.map((c) => row[c]))),
  ].join('\n');
}

/** The run report as Markdown: outcome, stages, reconciliation, tables' first rows. */
export function renderRunReportMarkdown(report: LocalRunReport): string {
  const icon = { succeeded: 'passed', failed: 'FAILED', stopped: 'STOPPED' }[report.outcome];
  const lines = [
    `## clickstream run: ${icon}`,
    '',
    `Target \`${report.target}\`, started ${report.startedAt}, ${formatDuration(report.durationMs)}` +
      `${report.window ? `, event days ${report.window.fromDate}..${report.window.toDate}` : ''}.`,
    '',
    markdownTable(['stage', 'status', 'duration', 'summary', 'peak memory'], report.stages.map((s) => [
      s.name,
      s.status,
      formatDuration(s.durationMs),
      s.summary,
      Object.entries(report.peakMemoryBytes[s.name] ?? {}).map(([k, v]) => `${k} ${formatBytes(v)}`).join(', '),
    ])),
  ];
  if (report.failure) {
    lines.push('', `**${report.failure.stage} ${report.outcome === 'stopped' ? 'stopped' : 'failed'}:** ${report.failure.message.split('\n')[0]}`);
    if (report.failure.logs?.length) lines.push('', `Logs: ${report.failure.logs.map((l) => `\`${l}\``).join(', ')}`);
    if (report.failure.hint) lines.push('', `Try: ${report.failure.hint}`);
  }
  if (report.reconciliation) {
    const r = report.reconciliation;
    lines.push('', '### Reconciliation', '', markdownTable(['count', 'value'], [
      ['records sent to the stream', formatCount(r.sent)],
      ['records read by the landing', formatCount(r.read)],
      ['landed as Parquet', formatCount(r.landed)],
      ['sent to errors/ (not convertible)', formatCount(r.landingErrors)],
      ['distinct valid events sent', formatCount(r.distinctValidEvents)],
      ['events counted by the KPI tables', formatCount(r.kpiEvents)],
      ['reconciled', r.reconciled ? 'yes' : 'NO'],
    ]));
  }
  if (report.validation) {
    const v = report.validation.summary;
    lines.push('', '### Validation', '', `${v.passed}/${v.checks} checks passed on ${report.validation.engine}` +
      `${v.failedErrors > 0 ? `; ${v.failedErrors} error-level failures` : ''}${v.failedWarnings > 0 ? `; ${v.failedWarnings} warnings` : ''}.` +
      ' The full report is validation-report.md beside this file.');
  }
  if (report.tables?.length) {
    lines.push('', '### KPI tables (first rows)', '', ...report.tables.map(previewMarkdown).flatMap((t) => [t, '']));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export interface RunReportFiles {
  readonly json: string;
  readonly markdown: string;
  readonly validationJson?: string;
  readonly validationMarkdown?: string;
}

/** Writes run-report.json and run-report.md (and the validation report) into `dir`. */
export function writeRunReport(dir: string, report: LocalRunReport): RunReportFiles {
  fs.mkdirSync(dir, { recursive: true });
  const files: RunReportFiles = { json: path.join(dir, 'run-report.json'), markdown: path.join(dir, 'run-report.md') };
  fs.writeFileSync(files.json, `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  fs.writeFileSync(files.markdown, renderRunReportMarkdown(report));
  if (!report.validation) return files;
  const validation = writeReportFiles(dir, report.validation);
  return { ...files, validationJson: validation.json, validationMarkdown: validation.markdown };
}
