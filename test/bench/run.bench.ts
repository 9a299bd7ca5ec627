/**
 * Benchmark of the whole local pipeline (`clickstream run`) at several sizes: per-stage wall time
 * and peak memory, written to reports/bench/run-bench.{json,md} and printed. Not a test: it
 * asserts nothing about speed; it fails only when a run does not succeed.
 *
 *   npx projen bench              20,000 (the quick start's run), 100,000 and 1,000,000 events
 *   npx projen bench -- 20000     other sizes
 *
 * With the default sizes it also rewrites the figures between `<!-- figures:... -->` markers: the
 * quick start's run time in README.md and the whole-run table in docs/benchmarks.md, with the date
 * and the machine.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIGURES_PAGES, machine, writeFigures } from './markers';
import { formatBytes, formatCount, formatDuration } from '../../src/format/numbers';
import { LocalRunReport } from '../../src/pipeline/run-report';
import { REPO_ROOT } from '../support/cli';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const DEFAULT_SIZES = [20_000, 100_000, 1_000_000];
const runs = sizes.length > 0 ? sizes : DEFAULT_SIZES;

interface BenchRow {
  readonly events: number;
  readonly totalMs: number;
  readonly stages: ReadonlyArray<{ readonly name: string; readonly ms: number; readonly peak: Record<string, number> }>;
  readonly reconciled: boolean;
  readonly checks: string;
  /** Bytes of bronze the KPI jobs read (Spark's own statistics). */
  readonly kpiBronzeBytes?: number;
  /** Bytes every validation query scanned (Trino's statistics; what Athena would bill, before its 10 MB minimum). */
  readonly validationBytes: number;
  /** Of which the one statement that reads bronze for every daily table. */
  readonly validationBronzeBytes: number;
  /** The machine's 1-minute load average when the run ended (2 cores: above 2 means other work competed). */
  readonly loadAverage: number;
}

const sumBytes = (queries: ReadonlyArray<{ readonly bytesScanned?: number }>) => queries.reduce((n, q) => n + (q.bytesScanned ?? 0), 0);
const ratio = (r: BenchRow) => (r.kpiBronzeBytes ? `${(r.validationBytes / r.kpiBronzeBytes).toFixed(2)}x` : 'n/a');

const rows: BenchRow[] = [];
for (const events of runs) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-bench-'));
  process.stderr.write(`bench: clickstream run --records ${events} (state ${stateDir})\n`);
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'src', 'cli', 'bin.js'), 'run', '--records', String(events), '--report-dir', path.join(stateDir, 'reports'), '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CLICKSTREAM_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(result.stdout) as LocalRunReport;
  if (report.outcome !== 'succeeded') {
    process.stderr.write(`bench: the ${events}-event run ${report.outcome}: ${report.failure?.message}\n`);
    process.exit(1);
  }
  rows.push({
    events,
    totalMs: report.durationMs,
    stages: report.stages.map((s) => ({ name: s.name, ms: s.durationMs, peak: { ...(report.peakMemoryBytes[s.name] ?? {}) } })),
    reconciled: report.reconciliation?.reconciled ?? false,
    checks: `${report.validation?.summary.passed}/${report.validation?.summary.checks}`,
    loadAverage: Math.round(os.loadavg()[0] * 10) / 10,
    kpiBronzeBytes: report.cost?.sparkBronze?.bytes,
    validationBytes: sumBytes(report.validation?.queries ?? []),
    validationBronzeBytes: sumBytes((report.validation?.queries ?? []).filter((q) => q.subject === 'bronze')),
  });
}

const stageNames = rows[0].stages.map((s) => s.name);
const peakOf = (peak: Record<string, number>) => Object.values(peak).reduce((a, b) => a + b, 0);
const markdown = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
  '',
  `| events | ${stageNames.join(' | ')} | total | peak memory (all processes) | reconciled | checks | load average at end |`,
  `|---:|${stageNames.map(() => '---:').join('|')}|---:|---:|---|---|---:|`,
  ...rows.map((r) => `| ${formatCount(r.events)} | ${r.stages.map((s) => formatDuration(s.ms)).join(' | ')} | ${formatDuration(r.totalMs)} | ` +
    `${formatBytes(Math.max(...r.stages.map((s) => peakOf(s.peak))))} | ${r.reconciled ? 'yes' : 'NO'} | ${r.checks} | ${r.loadAverage} |`),
  '',
  'What validation scanned, against the bronze the KPI jobs read (the target: at most 1.2x):',
  '',
  '| events | bronze read by the KPI jobs | validation scanned | of which the one bronze statement | ratio |',
  '|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${formatCount(r.events)} | ${r.kpiBronzeBytes === undefined ? 'n/a' : formatBytes(r.kpiBronzeBytes)} | ${formatBytes(r.validationBytes)} | ` +
    `${formatBytes(r.validationBronzeBytes)} | ${ratio(r)} |`),
  '',
  'Peak memory per stage (this CLI with its Spark children, the emulator, Trino):',
  '',
  ...rows.flatMap((r) => [
    `- ${formatCount(r.events)} events: ${r.stages.map((s) => `${s.name} ${Object.entries(s.peak).map(([k, v]) => `${k} ${formatBytes(v)}`).join(' + ')}`).join('; ')}`,
  ]),
].join('\n');
const outDir = path.join(REPO_ROOT, 'reports', 'bench');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'run-bench.json'), `${JSON.stringify({ machine: machine(), measuredAt: new Date().toISOString(), rows }, null, 2)}\n`);
fs.writeFileSync(path.join(outDir, 'run-bench.md'), `${markdown}\n`);
process.stdout.write(`${markdown}\n\nwritten to ${path.join(outDir, 'run-bench.md')}\n`);

if (sizes.length === 0) {
  const quickStart = rows.find((r) => r.events === 20_000)!;
  writeFigures(path.join(REPO_ROOT, FIGURES_PAGES['quick-start']), 'quick-start', `It takes ${formatDuration(quickStart.totalMs)} with no stack running (measured ${new Date().toISOString().slice(0, 10)} ` +
    `by \`npx projen bench\` on ${machine()}; load average ${quickStart.loadAverage} at the end).`);
  writeFigures(path.join(REPO_ROOT, FIGURES_PAGES['run-bench']), 'run-bench', markdown);
  process.stdout.write(`figures rewritten: quick-start in ${FIGURES_PAGES['quick-start']}, run-bench in ${FIGURES_PAGES['run-bench']}\n`);
}
