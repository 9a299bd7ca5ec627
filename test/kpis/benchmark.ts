/**
 * Benchmark of the KPI stage on the local target (not part of the test suite; minutes of Spark):
 *
 *   CLICKSTREAM_CACHE_DIR=... npx tsx test/kpis/benchmark.ts [events=1000000] [days=30]
 *
 * Generates the events in DuckDB (one bronze file per day), then prints (and writes into
 * docs/benchmarks.md, between its kpis-bench markers) the wall time and peak
 * memory (max RSS of the largest process, the Spark driver JVM) of:
 *  - the seed's pattern: three submits, each recomputing everything from all of bronze;
 *  - ours, recomputing everything in one application;
 *  - ours, a daily run (one-day window) with `days` days of history;
 *  - ours, a daily run with one day of history.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateDatabaseCommand } from '@aws-sdk/client-glue';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../src/config/config';
import { ResourceNames, renderBronzePrefix } from '../../src/config/names';
import { ValidDayWindow, dayWindow, windowScope } from '../../src/kpis/day-window';
import { bootstrapLocalResources, emulatorClients } from '../../src/local/bootstrap';
import { startEmulator } from '../../src/local/emulator';
import { KpiRunMode, runKpisLocally } from '../../src/local/kpi-runner';
import { localPaths } from '../../src/local/paths';
import { stopProcessGroup } from '../../src/local/processes';
import { SparkSubmitCommand } from '../../src/local/spark-submit';
import { FIGURES_PAGES, machine, writeFigures } from '../bench/markers';
import { REPO_ROOT } from '../support/cli';

const FIRST_DAY = Date.parse('2026-01-01T00:00:00Z');
const dayOf = (n: number) => new Date(FIRST_DAY + n * 86_400_000).toISOString().slice(0, 10);

/** One day's events as Parquet, generated in SQL from hashes of the row number (deterministic). */
function daySql(day: number, count: number, file: string): string {
  const start = FIRST_DAY / 1000 + day * 86_400;
  const h = (salt: number) => `(hash(i * 31 + ${salt + day * 7}) % 1000000007)::BIGINT`;
  return `COPY (SELECT
      (1 + ${h(1)} % 500)::INTEGER AS sensor_id,
      round(-20 + (${h(2)} % 6500) / 100.0, 2)::DOUBLE AS temperature,
      round((${h(3)} % 10000) / 100.0, 2)::DOUBLE AS humidity,
      {'latitude': (((1 + ${h(1)} % 500) % 50) - 25)::DOUBLE, 'longitude': (((1 + ${h(1)} % 500) % 40) * 4 - 80)::DOUBLE} AS location,
      CASE WHEN ${h(4)} % 10 = 0 THEN 'faulty' WHEN ${h(4)} % 10 = 1 THEN 'warning' ELSE 'ok' END AS status,
      CASE WHEN ${h(5)} % 3 = 0 THEN 'alert' ELSE 'reading' END AS event_type,
      (${start} + ${h(6)} % 86400)::BIGINT AS timestamp,
      'd${day}-' || i AS uuid
    FROM range(${count}) t(i)) TO '${file}' (FORMAT parquet)`;
}

interface Measure {
  readonly label: string;
  readonly seconds: number;
  readonly peakRssMb: number;
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 1_000_000);
  const days = Number(process.argv[3] ?? 30);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-bench-'));
  const paths = { ...localPaths(), state: workDir, stateFile: path.join(workDir, 'stack.json'), logs: path.join(workDir, 'logs') };
  const emulator = await startEmulator({ paths });
  try {
    const clients = emulatorClients(emulator.endpoint);
    const names = loadConfig({ target: 'local' }).names;
    await bootstrapLocalResources(clients, names);
    const oneDay: ResourceNames = { ...names, glueDatabase: 'bench_one_day', bronzeUri: `s3://${names.bronzeBucket}/one-day/events/` };
    await clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: oneDay.glueDatabase } }));

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const perDay = Math.ceil(events / days);
    for (let day = 0; day < days; day++) {
      const file = path.join(workDir, `day-${day}.parquet`);
      await connection.run(daySql(day, perDay, file));
      const prefix = renderBronzePrefix(new Date(FIRST_DAY + day * 86_400_000 + 3_600_000));
      const body = fs.readFileSync(file);
      await clients.s3.send(new PutObjectCommand({ Bucket: names.bronzeBucket, Key: `${prefix}part-0.parquet`, Body: body }));
      if (day === days - 1) {
        await clients.s3.send(new PutObjectCommand({ Bucket: names.bronzeBucket, Key: `one-day/${prefix}part-0.parquet`, Body: body }));
      }
    }
    connection.closeSync();
    instance.closeSync();
    process.stderr.write(`bronze: ${perDay * days} events over ${days} days (${perDay} a day)\n`);

    const measures: Measure[] = [];
    const lastDay = dayWindow(dayOf(days - 1), dayOf(days - 1));
    const measure = async (label: string, mode: KpiRunMode, runNames: ResourceNames, window?: ValidDayWindow) => {
      let peakKb = 0;
      const submit = (command: SparkSubmitCommand, logFile: string, onLine: (line: string) => void) =>
        timedSubmit(command, logFile, onLine, (kb) => { peakKb = Math.max(peakKb, kb); });
      const result = await runKpisLocally({ paths, awsEndpoint: emulator.endpoint, names: runNames, scope: windowScope(window), mode, submit, log: (l) => process.stderr.write(`${l}\n`) });
      measures.push({ label, seconds: result.seconds, peakRssMb: Math.round(peakKb / 1024) });
    };
    await measure(`seed pattern: 3 submits, each over all ${days} days`, 'per-job', names);
    await measure(`ours: one application over all ${days} days`, 'single-app', names);
    await measure(`ours: daily run (1-day window), ${days} days of history`, 'single-app', names, lastDay);
    await measure('ours: daily run (1-day window), 1 day of history', 'single-app', oneDay, lastDay);
    const figures = kpiStageFigures(measures, perDay * days, days);
    process.stdout.write(`\n${figures}\n`);
    writeFigures(path.join(REPO_ROOT, FIGURES_PAGES['kpis-bench']), 'kpis-bench', figures);
  } finally {
    await stopProcessGroup(emulator.pid);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The KPI stage's figures as docs/benchmarks.md shows them: the table, then what it says, from the measures alone. */
function kpiStageFigures(measures: readonly Measure[], events: number, days: number): string {
  const [seed, whole, daily, fresh] = measures;
  return [
    `**KPI stage** (\`npx projen bench:kpis\`: ${events.toLocaleString('en-US')} events over ${days} days, 500 sensors; measured ` +
      `${new Date().toISOString().slice(0, 10)} on ${machine()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`,
    '',
    '| run | wall time | peak RSS |',
    '|---|---|---|',
    ...measures.map((m) => `| ${m.label} | ${m.seconds.toFixed(1)} s | ${m.peakRssMb} MB |`),
    '',
    `One application ran ${(seed.seconds / whole.seconds).toFixed(1)} times as fast as the seed's three submits. A daily run took ` +
      `${daily.seconds.toFixed(1)} s with ${days} days of history and ${fresh.seconds.toFixed(1)} s with one: it reads one day of bronze ` +
      'plus per-day partial aggregates, so its time is mostly fixed cost (JVM, S3A and catalog start-up, Iceberg commits against the emulator).',
  ].join('\n');
}

/** spark-submit under GNU time, whose %M is the max RSS of the largest process it waited for. */
function timedSubmit(command: SparkSubmitCommand, logFile: string, onLine: (line: string) => void, onPeakKb: (kb: number) => void): Promise<number> {
  const rssFile = `${logFile}.rss`;
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, command.command, ...command.args], { env: command.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    child.stdout.on('data', (chunk: Buffer) => {
      log.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) if (line.startsWith('[kpis] ')) onLine(line.slice(7));
    });
    child.stderr.pipe(log, { end: false });
    child.on('error', reject);
    child.on('close', (code) => log.end(() => {
      onPeakKb(Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()));
      resolve(code ?? 1);
    }));
  });
}

main().catch((error: Error) => {
  process.stderr.write(`benchmark failed: ${error.message}\n`);
  process.exitCode = 1;
});
