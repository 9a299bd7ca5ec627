import type { KpiRunResult } from './kpi-runner';
import { formatBytes, formatCount } from '../format/numbers';
import { formatTable } from '../format/tables';

/** The terminal summary of a local run: what it read, what it recomputed, how long it took. */
export function describeKpiRun(result: KpiRunResult): string {
  const days = result.recomputedDays;
  const recomputed = days.length === 0
    ? 'no event day to recompute (nothing new arrived since the last run)'
    : `recomputed ${days.length} day(s): ${days.length > 8 ? `${days.slice(0, 4).join(', ')}, ..., ${days.slice(-2).join(', ')}` : days.join(', ')}`;
  return [
    formatTable(['script', 'seconds'], result.submits.map((s) => [s.script, s.seconds])),
    `${result.runMode} run: read ${formatCount(result.bronzeObjects)} bronze objects (${formatBytes(result.bronzeBytes)}), ${formatCount(result.rowsRead)} rows: ` +
      `${formatCount(result.rowsRejected)} rejected (rejected_events), ${formatCount(result.duplicates)} duplicates; ${recomputed}`,
    `KPI jobs ${result.jobs.join(', ')} done in ${result.seconds} s (${result.mode}). Spark log: ${result.logFile}`,
    `Run ${result.runId} wrote to the branch ${result.branch}; readers see none of it until it passes \`clickstream validate\` ` +
      `and \`clickstream publish --run ${result.runId}\` fast-forwards main.`,
  ].join('\n');
}
