import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBronze } from './support/bronze';
import { generateLandedEvents } from './support/events';
import { currentSnapshotId } from './support/iceberg';
import { loadConfig } from '../../src/config/config';
import { KPI_TABLES, KpiTableName } from '../../src/kpis/catalog';
import { DayWindow } from '../../src/kpis/day-window';
import { KpiRow, KpiTablesRows, referenceKpis, sortByGrain } from '../../src/kpis/reference';
import { EmulatorClients, bootstrapLocalResources, emulatorClients } from '../../src/local/bootstrap';
import { EmulatorProcess, startEmulator } from '../../src/local/emulator';
import { KpiRunMode, KpiRunResult, runKpisLocally } from '../../src/local/kpi-runner';
import { LocalPaths, localPaths } from '../../src/local/paths';
import { stopProcessGroup } from '../../src/local/processes';
import { runSparkJob } from '../../src/local/spark-job';
import { localSparkSubmit } from '../../src/local/spark-submit';
import { findJavaHome } from '../../src/local/toolchain';

/**
 * The KPI jobs end to end on the local target: generated events (duplicates, malformed rows, late
 * arrivals) -> bronze Parquet in the emulator -> spark-submit -> five Iceberg tables in Glue,
 * compared row by row with the TypeScript reference. Spark submits cost ~20-30 s each here, so the
 * runs build on each other and one final Spark application reads every recorded snapshot.
 */

const TABLES = Object.keys(KPI_TABLES) as KpiTableName[];
const names = loadConfig({ target: 'local' }).names;
const FIRST_HALF: DayWindow = { fromDate: '2026-03-01', toDate: '2026-03-02' };
const SECOND_HALF: DayWindow = { fromDate: '2026-03-03', toDate: '2026-03-04' };
const BOTH: DayWindow = { fromDate: '2026-03-01', toDate: '2026-03-04' };
const EMPTY: DayWindow = { fromDate: '2026-03-10', toDate: '2026-03-10' };

// 2026-02-28 events arrive in the folders of March 1 and 2: read by the first window, excluded by event time.
const landed = generateLandedEvents({ firstDay: '2026-02-28', days: 5, eventsPerDay: 240 });
const events = landed.map((l) => l.event);

/** Averages may differ in the last bits with the summation order; compare them to 9 decimals. */
function comparable(table: KpiTableName, rows: readonly KpiRow[]): KpiRow[] {
  const rounded = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) =>
    [k, k.startsWith('avg_') && typeof v === 'number' ? Number(v.toFixed(9)) : v])));
  return sortByGrain(table, rounded);
}

describe('KPI jobs on the local target', () => {
  let workDir: string;
  let paths: LocalPaths;
  let emulator: EmulatorProcess | undefined;
  let clients: EmulatorClients;
  const java17Home = findJavaHome(17, true)!;
  const snapshots: Record<string, Record<KpiTableName, string>> = {};
  const runs: Record<string, KpiRunResult> = {};
  let tables: Record<string, KpiTablesRows>;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-kpis-'));
    const base = localPaths();
    paths = { ...base, state: workDir, stateFile: path.join(workDir, 'stack.json'), logs: path.join(workDir, 'logs') };
    emulator = await startEmulator({ paths });
    clients = emulatorClients(emulator.endpoint);
    await bootstrapLocalResources(clients, names);
    await writeBronze(clients.s3, names.bronzeBucket, landed, path.join(workDir, 'bronze'));
  });

  afterAll(async () => {
    if (emulator) await stopProcessGroup(emulator.pid);
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function run(label: string, window: DayWindow, mode: KpiRunMode): Promise<void> {
    const lines: string[] = [];
    runs[label] = await runKpisLocally({ paths, awsEndpoint: emulator!.endpoint, names, window, mode, java17Home, log: (l) => lines.push(l) });
    process.stderr.write(`${label}: ${mode} ${window.fromDate}..${window.toDate} in ${runs[label].seconds} s\n${lines.filter((l) => l.includes('.py: ')).join('\n')}\n`);
    const ids = await Promise.all(TABLES.map((t) => currentSnapshotId(clients, names.glueDatabase, t)));
    snapshots[label] = Object.fromEntries(TABLES.map((t, i) => [t, ids[i]])) as Record<KpiTableName, string>;
  }

  it('rejects bad arguments with a usage message before starting Spark', () => {
    const seed = [names.bronzeUri, names.glueDatabase, 'sensor_health', names.warehouseUri];
    const cases: Array<[string, string[], string]> = [
      ['kpi_sensor_health.py', seed.slice(1), 'the following arguments are required: ICEBERG_WAREHOUSE'],
      ['kpi_temp_humidity.py', [...seed, '--from-date', '2026-13-01', '--to-date', '2026-03-02'], 'expected a UTC day as YYYY-MM-DD'],
      ['kpi_event_geo.py', [...seed, '--from-date', '2026-03-05', '--to-date', '2026-03-02'], 'is after --to-date'],
      ['all_kpis.py', [names.bronzeUri, names.glueDatabase, 'sensor_health,bogus', names.warehouseUri], 'unknown job(s) bogus'],
    ];
    for (const [script, args, message] of cases) {
      const result = spawnSync(paths.python, [path.join(paths.spark, script), ...args], { encoding: 'utf8' });
      expect(result.status, `${script} ${args.join(' ')}`).toBe(2);
      expect(result.stderr).toContain(`usage: ${script}`);
      expect(result.stderr).toContain(message);
    }
  });

  it('runs a window in one application', async () => {
    await run('first', FIRST_HALF, 'single-app');
  }, 300_000);

  it('runs the adjacent window with the seed\'s three scripts', async () => {
    await run('second', SECOND_HALF, 'per-job');
  }, 600_000);

  it('runs one window over both, then re-runs it', async () => {
    await run('both', BOTH, 'single-app');
    await run('rerun', BOTH, 'single-app');
  }, 600_000);

  it('succeeds on an empty window and says so', async () => {
    await run('empty', EMPTY, 'single-app');
    expect(fs.readFileSync(runs.empty.logFile, 'utf8')).toContain('empty window: no valid events for 2026-03-10..2026-03-10');
  }, 300_000);

  it('reads every recorded snapshot back in one Spark application', async () => {
    const spec = Object.fromEntries(Object.entries(snapshots).flatMap(([label, ids]) =>
      TABLES.map((t) => [`${label}:${t}`, { table: t, snapshot: ids[t] }])));
    const command = localSparkSubmit({
      paths,
      java17Home,
      awsEndpoint: emulator!.endpoint,
      warehouse: names.warehouseUri,
      script: path.join(paths.root, 'test', 'kpis', 'read_tables.py'),
      args: [names.glueDatabase, JSON.stringify(spec)],
    });
    const { stdout } = await runSparkJob(command, { logFile: path.join(paths.logs, 'read-tables.log') });
    const line = stdout.find((l) => l.startsWith('TABLE_ROWS '))!;
    const rows = JSON.parse(line.slice('TABLE_ROWS '.length)) as Record<string, KpiRow[]>;
    tables = {};
    for (const label of Object.keys(snapshots)) {
      tables[label] = Object.fromEntries(TABLES.map((t) => [t, comparable(t, rows[`${label}:${t}`])])) as KpiTablesRows;
    }
  }, 300_000);

  const expected = (window: DayWindow) => {
    const reference = referenceKpis(events, window);
    return Object.fromEntries(TABLES.map((t) => [t, comparable(t, reference[t])])) as KpiTablesRows;
  };

  it('the first window equals the reference, row by row', () => {
    const reference = expected(FIRST_HALF);
    for (const t of TABLES) expect(tables.first[t], t).toEqual(reference[t]);
    expect(tables.first.sensor_health.length).toBeGreaterThan(0);
  });

  it('two adjacent windows equal the reference over both, and one run over both', () => {
    const reference = expected(BOTH);
    for (const t of TABLES) {
      expect(tables.second[t], t).toEqual(reference[t]);
      expect(tables.both[t], t).toEqual(tables.second[t]);
    }
  });

  it('re-running a window and running an empty one leave every table identical', () => {
    for (const t of TABLES) {
      expect(tables.rerun[t], t).toEqual(tables.both[t]);
      expect(tables.empty[t], t).toEqual(tables.both[t]);
    }
  });

  it('the inputs exercised what they should', () => {
    const uuids = events.map((e) => e.uuid).filter(Boolean);
    expect(uuids.length - new Set(uuids).size).toBeGreaterThan(50);
    expect(events.length - referenceKpis(events).sensor_health.reduce((n, r) => n + Number(r.total_count), 0)).toBeGreaterThan(100);
    expect(runs.first.submits).toHaveLength(1);
    expect(runs.second.submits.map((s) => s.script)).toEqual(['kpi_sensor_health.py', 'kpi_temp_humidity.py', 'kpi_event_geo.py']);
  });
});
