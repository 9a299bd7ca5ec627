import type { RunCost } from './run-cost';
import { formatBytes, formatUsd } from '../format/numbers';

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The cost section of the Markdown run report (and so of the job summary and the PR comment). */
export function renderCostMarkdown(cost: RunCost): string[] {
  const scanned = cost.queries.reduce((n, q) => n + (q.bytesScanned ?? 0), 0);
  const lines = cost.kind === 'aws-estimate'
    ? ['', '### Cost (estimate)', '', `About **${formatUsd(cost.totalUsd)}** at list prices for ${cost.region} as of ${cost.pricesAsOf}.`]
    : ['', '### What this would scan on Athena', '',
      `${cost.queries.length} queries scanned ${formatBytes(scanned)} on Trino; on Athena (${cost.region}, prices as of ${cost.pricesAsOf}) ` +
        `they would be billed as ${formatBytes(cost.queries.reduce((n, q) => n + q.billedBytes, 0))}: **${formatUsd(cost.totalUsd)}**.` +
        `${cost.sparkBronze ? ` Spark read ${formatBytes(cost.sparkBronze.bytes)} from bronze (${cost.sparkBronze.files} file${cost.sparkBronze.files === 1 ? '' : 's'}).` : ''}`];
  lines.push('', '| service | usage | USD |', '|---|---|---:|', ...cost.lines.map((l) => `| ${l.service} | ${cell(l.usage)} | ${l.usd === null ? 'not priced' : formatUsd(l.usd)} |`));
  lines.push('', ...cost.notes.map((n) => `- ${n}`), `- Prices: \`${cost.priceTable}\`.`);
  return lines;
}

/** One line for the terminal summary. */
export function costSummaryLine(cost: RunCost): string {
  const scanned = formatBytes(cost.queries.reduce((n, q) => n + (q.bytesScanned ?? 0), 0));
  if (cost.kind === 'aws-estimate') {
    const parts = cost.lines.map((l) => `${l.service} ${l.usd === null ? 'not priced' : formatUsd(l.usd)}`);
    return `cost (estimate, ${cost.region} list prices of ${cost.pricesAsOf}): ${formatUsd(cost.totalUsd)} (${parts.join(', ')}); Athena scanned ${scanned}`;
  }
  return `scan: ${cost.queries.length} queries scanned ${scanned} on Trino, ${formatUsd(cost.totalUsd)} on Athena (${cost.region}, prices of ${cost.pricesAsOf})` +
    `${cost.sparkBronze ? `; Spark read ${formatBytes(cost.sparkBronze.bytes)} from bronze` : ''}`;
}
