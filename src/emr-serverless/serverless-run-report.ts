import { ServerlessRunResult } from './run-job-runs';
import { PriceTable } from '../cost/prices';
import { BilledUsage, priceBilledUsage } from '../cost/serverless-usage';
import { formatTable } from '../format/tables';

/** What billed usage cost at the price table's EMR Serverless prices, or why it cannot be priced. */
export type BilledCost = { readonly dollars: number; readonly pricesAsOf: string } | { readonly unpriced: string };

export function billedCost(billed: BilledUsage, prices: PriceTable, region: string): BilledCost {
  const priced = priceBilledUsage(billed, prices, region);
  return 'usd' in priced ? { dollars: priced.usd, pricesAsOf: prices.pricesAsOf } : priced;
}

const hours = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(3));

/** The run as Markdown: one row per job run (state, billed usage, driver log), the total billed and its price. */
export function renderServerlessReport(report: ServerlessRunResult, cost: BilledCost, title = 'KPI jobs'): string {
  const rows = report.jobRuns.map((r) => [
    r.job, r.jobRunId, r.state, hours(r.billed?.vCpuHours), hours(r.billed?.memoryGbHours), r.state === 'SUCCESS' ? '' : r.logs.stderr,
  ]);
  const priced = 'dollars' in cost
    ? `$${cost.dollars.toFixed(4)} at the price table's EMR Serverless prices of ${cost.pricesAsOf}`
    : `not priced: ${cost.unpriced}`;
  const lines = [
    `## ${title} on EMR Serverless: ${report.result}`,
    '',
    report.message,
    '',
    formatTable(['job', 'job run', 'state', 'vCPU-h', 'GB-h', 'driver log'], rows),
    '',
    `Billed (GetJobRun's billedResourceUtilization): ${hours(report.billed.vCpuHours)} vCPU-hours, ${hours(report.billed.memoryGbHours)} GB-hours of memory, ` +
      `${hours(report.billed.storageGbHours)} GB-hours of storage; ${priced}. Took ${report.durationSeconds} s.`,
  ];
  for (const run of report.jobRuns.filter((r) => r.stderrTail)) {
    lines.push('', `Last lines of ${run.stderrTail!.uri}:`, '', ...run.stderrTail!.lines.map((l) => `    ${l}`));
  }
  return lines.join('\n');
}
