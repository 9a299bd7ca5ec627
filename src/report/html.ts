import { Chart, DayRow, costChart, dailyCharts, kpiCharts, reconciliationFunnel, stageTimeline } from './charts';
import { renderSvg } from './svg';
import type { RunCost } from '../cost/run-cost';
import { formatBytes, formatCount, formatDuration, formatUsd } from '../format/numbers';
import type { RunReport } from '../pipeline/run-report';
import type { CheckResult } from '../validation/validation-report';

export type { DayRow } from './charts';

export interface HtmlReportOptions {
  /**
   * One row per day of a multi-day run (clickstream simulate): bytes the KPI jobs read and their
   * time. Charted when given.
   * @default - none
   */
  readonly days?: readonly DayRow[];
  /** @default 'clickstream run' */
  readonly title?: string;
}

function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function table(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  numeric: readonly number[] = [],
  rowClass?: (i: number) => string,
): string {
  const cls = (i: number) => (numeric.includes(i) ? ' class="num"' : '');
  return [
    '<table>',
    `<thead><tr>${headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r, ri) => `<tr${rowClass ? ` class="${rowClass(ri)}"` : ''}>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`),
    '</tbody></table>',
  ].join('\n');
}

async function figure(chart: Chart): Promise<string> {
  const svg = await renderSvg(chart.spec);
  return [
    `<figure class="chart" id="chart-${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}">`,
    `<figcaption><strong>${escapeHtml(chart.title)}</strong> ${escapeHtml(chart.caption)}</figcaption>`,
    svg,
    '</figure>',
  ].join('\n');
}

function card(label: string, value: string, tone = ''): string {
  return `<div class="card ${tone}"><div class="value">${escapeHtml(value)}</div><div class="label">${escapeHtml(label)}</div></div>`;
}

function rank(check: CheckResult): number {
  if (check.passed) return 2;
  return check.severity === 'error' ? 0 : 1;
}

function costSection(cost: RunCost): string {
  const parts: string[] = [];
  const heading = cost.kind === 'aws-estimate'
    ? `<p class="lead">Estimated cost of this run: <strong>${escapeHtml(formatUsd(cost.totalUsd))}</strong> at list prices for ${escapeHtml(cost.region)} as of ${escapeHtml(cost.pricesAsOf)} (an estimate; see the notes).</p>`
    : `<p class="lead">What this run would scan on Athena: <strong>${escapeHtml(formatBytes(cost.queries.reduce((n, q) => n + (q.bytesScanned ?? 0), 0)))}</strong> in ${cost.queries.length} queries, ` +
      `billed as ${escapeHtml(formatBytes(cost.queries.reduce((n, q) => n + q.billedBytes, 0)))}: <strong>${escapeHtml(formatUsd(cost.totalUsd))}</strong> at ${escapeHtml(cost.region)} list prices as of ${escapeHtml(cost.pricesAsOf)}.` +
      `${cost.sparkBronze ? ` Spark read <strong>${escapeHtml(formatBytes(cost.sparkBronze.bytes))}</strong> from bronze in ${formatCount(cost.sparkBronze.files)} file${cost.sparkBronze.files === 1 ? '' : 's'}.` : ''}</p>`;
  parts.push(heading);
  parts.push(table(['service', 'usage', 'USD'], cost.lines.map((l) => [l.service, l.usage, l.usd === null ? 'not priced' : formatUsd(l.usd)]), [2]));
  if (cost.emrInstances?.length) {
    parts.push('<h3>EMR instances</h3>', table(['instance', 'type', 'market', 'billed', 'per hour (EC2 + EMR)', 'USD'], cost.emrInstances.map((i) => [
      i.id, i.instanceType, i.market === 'SPOT' ? 'spot' : 'on-demand', formatDuration(i.billedSeconds * 1000),
      i.usdPerHour === null ? 'not priced' : formatUsd(i.usdPerHour), i.usd === null ? 'not priced' : formatUsd(i.usd),
    ]), [3, 4, 5]));
  }
  if (cost.queries.length) {
    parts.push('<h3>Queries</h3>', table(['#', 'reads', 'query id', 'scanned', 'billed as', 'USD'], cost.queries.map((q, i) => [
      String(i + 1), q.subject, q.queryId, q.bytesScanned === undefined ? 'not reported' : formatBytes(q.bytesScanned), formatBytes(q.billedBytes), q.usd === null ? 'not priced' : formatUsd(q.usd),
    ]), [0, 3, 4, 5]));
  }
  parts.push(`<ul class="notes">${cost.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}<li>Prices: ${escapeHtml(cost.priceTable)}</li></ul>`);
  return parts.join('\n');
}

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #656d76; --line: #d8dee4; --ok: #2f9e44; --bad: #e03131; --warn: #f08c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: var(--muted); }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-size: 13px; vertical-align: middle; }
.badge.succeeded { background: var(--ok); } .badge.failed { background: var(--bad); } .badge.stopped { background: var(--warn); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 20px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .value { font-size: 22px; font-weight: 600; }
.card .label { color: var(--muted); font-size: 12px; }
.card.bad .value { color: var(--bad); } .card.ok .value { color: var(--ok); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
section h2 { margin: 0 0 12px; font-size: 18px; }
section h3 { font-size: 15px; margin: 16px 0 8px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
details summary { cursor: pointer; color: var(--muted); margin: 8px 0; }
figure.chart { margin: 0 0 12px; overflow-x: auto; }
figure.chart figcaption { color: var(--muted); font-size: 12px; margin-bottom: 6px; }
figure.chart figcaption strong { color: var(--ink); font-size: 14px; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td { background: #fff5f5; } tr.warn td { background: #fff9db; }
.lead { font-size: 15px; }
.notes { color: var(--muted); font-size: 12px; }
.failure { border-color: var(--bad); }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 12px; }
`;

/**
 * The run report as one self-contained HTML page: inline styles and inline SVG charts drawn by
 * Vega from Vega-Lite specs while the report is written; no script, no external resource, so it
 * opens offline and loads nothing.
 */
export async function renderRunReportHtml(report: RunReport, options: HtmlReportOptions = {}): Promise<string> {
  const title = options.title ?? 'clickstream run';
  const where = report.target === 'aws' ? `aws (${report.environment}, ${report.region})` : 'local';
  const r = report.reconciliation;
  const v = report.validation?.summary;
  const cards = [
    card('outcome', report.outcome, report.outcome === 'succeeded' ? 'ok' : 'bad'),
    card('duration', formatDuration(report.durationMs)),
    ...(r ? [card('events sent', formatCount(r.sent)), card('events counted by the tables', r.kpiEvents === undefined ? 'not computed' : formatCount(r.kpiEvents), r.reconciled === false ? 'bad' : 'ok')] : []),
    ...(v ? [card('validation checks passed', `${formatCount(v.passed)} / ${formatCount(v.checks)}`, v.failedErrors > 0 ? 'bad' : 'ok')] : []),
    ...(report.cost ? [card(report.cost.kind === 'aws-estimate' ? 'estimated cost' : 'would cost on Athena', formatUsd(report.cost.totalUsd))] : []),
  ];

  const sections: string[] = [];
  if (report.failure) {
    sections.push(`<section class="failure"><h2>${escapeHtml(report.failure.stage)} ${report.outcome === 'stopped' ? 'stopped' : 'failed'}</h2>` +
      `<pre>${escapeHtml(report.failure.message)}</pre>` +
      `${report.failure.logs?.length ? `<p>Logs: ${report.failure.logs.map((l) => `<code>${escapeHtml(l)}</code>`).join(', ')}</p>` : ''}` +
      `${report.failure.hint ? `<p>Try: ${escapeHtml(report.failure.hint)}</p>` : ''}</section>`);
  }
  const timeline = stageTimeline(report);
  if (timeline) {
    sections.push(`<section id="stages"><h2>Stages</h2>${await figure(timeline)}${table(['stage', 'status', 'duration', 'summary'],
      report.stages.map((s) => [s.name, s.status, formatDuration(s.durationMs), s.summary]), [2])}</section>`);
  }
  const funnel = reconciliationFunnel(report);
  if (funnel) sections.push(`<section id="reconciliation"><h2>Reconciliation</h2>${await figure(funnel)}</section>`);
  const kpis = kpiCharts(report.charts);
  if (kpis.length) {
    sections.push(`<section id="kpis"><h2>KPIs${report.window ? ` for ${escapeHtml(report.window.fromDate)} to ${escapeHtml(report.window.toDate)}` : ''}</h2>` +
      `<div class="grid">${(await Promise.all(kpis.map(figure))).join('\n')}</div></section>`);
  }
  if (report.validation) {
    const checks = [...report.validation.checks].sort((a, b) => rank(a) - rank(b));
    const failed = checks.filter((c) => !c.passed);
    const passed = checks.filter((c) => c.passed);
    const checkTable = (rows: readonly CheckResult[]) => table(['result', 'table', 'check', 'observed', 'expected', 'severity'],
      rows.map((c) => [c.passed ? 'pass' : 'FAIL', c.table, c.check, c.observed, c.expected, c.severity]), [],
      (i) => (rows[i].passed ? '' : rows[i].severity === 'error' ? 'fail' : 'warn'));
    sections.push(`<section id="validation"><h2>Validation: ${formatCount(report.validation.summary.passed)} of ${formatCount(report.validation.summary.checks)} checks passed on ` +
      `${escapeHtml(report.validation.engine)}</h2>${failed.length ? checkTable(failed) : ''}` +
      `${passed.length ? `<details><summary>${formatCount(passed.length)} passed checks</summary>${checkTable(passed)}</details>` : ''}</section>`);
  }
  const daily = dailyCharts(options.days);
  if (daily.length) sections.push(`<section id="days"><h2>Per day</h2><div class="grid">${(await Promise.all(daily.map(figure))).join('\n')}</div></section>`);
  if (report.cost) {
    const chart = costChart(report.cost);
    sections.push(`<section id="cost"><h2>${report.cost.kind === 'aws-estimate' ? 'Cost (estimate)' : 'What this would scan on Athena'}</h2>` +
      `${chart ? await figure(chart) : ''}${costSection(report.cost)}</section>`);
  }

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load: not even a favicon request.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}: ${escapeHtml(report.outcome)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body><main>',
    `<header><h1>${escapeHtml(title)} <span class="badge ${escapeHtml(report.outcome)}">${escapeHtml(report.outcome)}</span></h1>`,
    `<p>Target ${escapeHtml(where)} · started ${escapeHtml(report.startedAt)} · ${escapeHtml(formatDuration(report.durationMs))}` +
      `${report.window ? ` · event days ${escapeHtml(report.window.fromDate)} to ${escapeHtml(report.window.toDate)}` : ''}</p></header>`,
    `<div class="cards">${cards.join('')}</div>`,
    ...sections,
    '<footer>Written by clickstream; the same run as run-report.json (full precision) and run-report.md beside this file.</footer>',
    '</main></body></html>',
    '',
  ].join('\n');
}
