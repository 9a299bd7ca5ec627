import { ValidationReport } from './validation-report';

/** The hidden marker that identifies our PR comment, so a re-run updates it instead of adding one. */
export const REPORT_MARKER = '<!-- clickstream-validation-report -->';

/** Table cells must not break the table: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The report as Markdown for a job summary or a PR comment: a verdict, then a row per check,
 * failures first so they are seen without scrolling.
 */
export function renderReportMarkdown(report: ValidationReport, options: { readonly failOnWarn?: boolean } = {}): string {
  const { summary } = report;
  const failing = summary.failedErrors > 0 || (options.failOnWarn === true && summary.failedWarnings > 0);
  const verdict = failing
    ? `:x: **${summary.failedErrors} error${summary.failedErrors === 1 ? '' : 's'}**, ${summary.failedWarnings} warning${summary.failedWarnings === 1 ? '' : 's'}`
    : summary.failedWarnings > 0
      ? `:warning: passed with ${summary.failedWarnings} warning${summary.failedWarnings === 1 ? '' : 's'}`
      : ':white_check_mark: **all checks passed**';
  const ordered = [...report.checks].sort((a, b) => rank(a) - rank(b));
  const lines = [
    REPORT_MARKER,
    '## KPI validation',
    '',
    `${verdict}: ${summary.passed}/${summary.checks} checks passed on ${report.engine}, database \`${report.database}\`, ${report.window.description}.`,
    '',
    '| result | table | check | observed | expected | severity |',
    '|---|---|---|---|---|---|',
    ...ordered.map((c) => `| ${c.passed ? 'pass' : 'FAIL'} | ${cell(c.table)} | ${cell(c.check)} | ${cell(c.observed)} | ${cell(c.expected)} | ${c.severity} |`),
    '',
    `<sub>${report.queries.length} queries in ${(report.durationMs / 1000).toFixed(1)} s, started ${report.startedAt}` +
      `${report.queries.some((q) => q.bytesScanned !== undefined) ? `, ${report.queries.reduce((n, q) => n + (q.bytesScanned ?? 0), 0)} bytes scanned` : ''}.</sub>`,
    '',
  ];
  return lines.join('\n');
}

function rank(check: { passed: boolean; severity: string }): number {
  if (check.passed) return 2;
  return check.severity === 'error' ? 0 : 1;
}
