/**
 * Benchmark of the nightly schedule over many simulated days (`clickstream simulate`): per night,
 * the records that arrived, the days recomputed, the bronze bytes read and the KPI time; then how
 * the last night compares with the second (cost follows new data, not history) and the KPI time
 * per recomputed day. Written to reports/bench/days-bench.{json,md} and printed. Not a test: it
 * asserts nothing about speed; it fails only when the simulation fails.
 *
 *   npx projen bench:days                30 days at 50,000 events a day
 *   npx projen bench:days -- 10 5000     other days and events per day
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatBytes, formatCount } from '../../src/format/numbers';
import { localPaths } from '../../src/local/paths';
import { describeDay, simulate } from '../../src/simulation/simulate';
import { REPO_ROOT } from '../support/cli';

const [days = 30, eventsPerDay = 50_000] = process.argv.slice(2).map(Number).filter((n) => n > 0);

async function main(): Promise<void> {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-bench-days-'));
  const report = await simulate({
    paths: { ...localPaths(), state, stateFile: path.join(state, 'stack.json'), logs: path.join(state, 'logs') },
    days,
    eventsPerDay,
    sensors: 500,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const second = report.days[1];
  const last = report.days[report.days.length - 1];
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  const perDay = report.days.filter((d) => d.recomputedDays.length > 0).map((d) => d.kpiSeconds / d.recomputedDays.length);
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}`;
  const markdown = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}: ${days} simulated days, ${formatCount(eventsPerDay)} events a day, runs at 03:30 UTC.`,
    '',
    '| night | arrived | for earlier days | days recomputed | bronze read | objects | KPI time | validation |',
    '|---:|---:|---:|---:|---:|---:|---:|---|',
    ...report.days.map((d, i) => `| ${i + 1} | ${formatCount(d.arrived)} | ${formatCount(d.arrivedLate)} | ${d.recomputedDays.length} | ${formatBytes(d.bronzeBytes)} | ` +
      `${d.bronzeObjects} | ${d.kpiSeconds.toFixed(1)} s | ${d.validation.passed ? 'passed' : 'FAILED'} |`),
    '',
    `Night ${report.days.length} vs night 2: bronze read x${ratio(last.bronzeBytes, second.bronzeBytes)}, KPI time x${ratio(last.kpiSeconds, second.kpiSeconds)} ` +
      '(targets: at most 1.3).',
    `KPI time per recomputed day: min ${Math.min(...perDay).toFixed(1)} s, max ${Math.max(...perDay).toFixed(1)} s.`,
    `Final tables equal the reference: ${Object.values(report.final.tables).every((t) => t.equal) ? 'yes' : 'NO'}.`,
  ].join('\n');
  const outDir = path.join(REPO_ROOT, 'reports', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'days-bench.json'), `${JSON.stringify({ machine, measuredAt: new Date().toISOString(), report }, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'days-bench.md'), `${markdown}\n`);
  process.stdout.write(`${report.days.map(describeDay).join('\n')}\n\n${markdown}\n\nwritten to ${path.join(outDir, 'days-bench.md')}\n`);
  fs.rmSync(state, { recursive: true, force: true });
  if (!report.passed) process.exit(1);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
