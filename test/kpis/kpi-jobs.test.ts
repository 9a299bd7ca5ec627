import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBronze } from './support/bronze';
import { generateLandedEvents } from './support/events';
import { loadConfig } from '../../src/config/config';
import { KPI_TABLES, KpiTableName } from '../../src/kpis/catalog';
import { DayWindow, ValidDayWindow, dayWindow } from '../../src/kpis/day-window';
import { KpiRow, KpiTablesRows, comparableRows, referenceKpis } from '../../src/kpis/reference';
import { KpiRunMode, KpiRunResult, runKpisLocally } from '../../src/local/kpi-runner';
import { localPaths } from '../../src/local/paths';
import { runSparkJob } from '../../src/local/spark-job';
import { localSparkSubmit } from '../../src/local/spark-submit';
import { findJavaHome } from '../../src/local/toolchain';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

/**
 * The KPI jobs end to end on the local target: generated events (duplicates, malformed rows, late
 * arrivals) -> bronze Parquet in the emulator -> spark-submit -> five Iceberg tables in Glue,
 * compared row by row with the TypeScript reference. Every run writes to its own audit branch
 * (write-audit-publish) and none is published here, so each starts from the same empty main:
 * what a run computes is what its branch holds. Spark submits cost ~20-30 s each, so the runs
 * happen once in beforeAll and one final Spark application reads every run's branch; the cases
 * only look at the results. Publishing and runs building on each other: incremental-runs.test.ts.
 */

const TABLES = Object.keys(KPI_TABLES) as KpiTableName[];
const names = loadConfig({ target: 'local' }).names;
const FIRST_HALF = dayWindow('2026-03-01', '2026-03-02');
const SECOND_HALF = dayWindow('2026-03-03', '2026-03-04');
const BOTH = dayWindow('2026-03-01', '2026-03-04');
const EMPTY = dayWindow('2026-03-10', '2026-03-10');

/** The runs, in the order they happen. */
const RUNS = [
  { label: 'first', window: FIRST_HALF, mode: 'single-app' },
  { label: 'second', window: SECOND_HALF, mode: 'per-job' },
  { label: 'both', window: BOTH, mode: 'single-app' },
  { label: 'rerun', window: BOTH, mode: 'single-app' },
  { label: 'empty', window: EMPTY, mode: 'single-app' },
] as const satisfies ReadonlyArray<{ label: string; window: ValidDayWindow; mode: KpiRunMode }>;
type RunLabel = (typeof RUNS)[number]['label'];

// 2026-02-28 events arrive in the folders of March 1 and 2: read by the first window, excluded by event time.
const landed = generateLandedEvents({ firstDay: '2026-02-28', days: 5, eventsPerDay: 240 });
const events = landed.map((l) => l.event);

const expected = (window: DayWindow) => {
  const reference = referenceKpis(events, window);
  return Object.fromEntries(TABLES.map((t) => [t, comparableRows(t, reference[t])])) as KpiTablesRows;
};

describe('KPI job scripts', () => {
  it('reject bad arguments with a usage message before starting Spark', () => {
    const paths = localPaths();
    const seed = [names.bronzeUri, names.glueDatabase, 'sensor_health', names.warehouseUri];
    const cases: Array<[string, string[], string]> = [
      ['kpi_sensor_health.py', seed.slice(0, 3), 'the following arguments are required: ICEBERG_WAREHOUSE'],
      // One positional left out at the front shifts the others: the warehouse lands in the table's slot, and is named there.
      ['kpi_sensor_health.py', seed.slice(1), `argument ICEBERG_TABLE: "${names.warehouseUri}" is not a valid table, column or database name`],
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
});

describe('KPI jobs on the local target', () => {
  let workDir: string;
  /** The runs' own environment on the suite's stack. */
  let env: TestEnvironment | undefined;
  const runs: Partial<Record<RunLabel, KpiRunResult | Error>> = {};
  const tables: Partial<Record<RunLabel, KpiTablesRows>> = {};

  /** A run's result; a case about a run that failed fails with that run's error. */
  const runOf = (label: RunLabel): KpiRunResult => {
    const run = runs[label];
    if (run instanceof Error) throw run;
    if (!run) throw new Error(`the ${label} run did not happen: an earlier one failed`);
    return run;
  };
  const tablesOf = (label: RunLabel): KpiTablesRows => {
    runOf(label);
    if (!tables[label]) throw new Error('the runs\' tables were not read back (see the first case that failed)');
    return tables[label];
  };

  beforeAll(async () => {
    env = await testEnvironment('kpis');
    const { paths, names: envNames } = env;
    workDir = env.work;
    await writeBronze(env.clients.s3, envNames.bronzeBucket, landed, path.join(workDir, 'bronze'));

    const branches: Partial<Record<RunLabel, string>> = {};
    for (const { label, window, mode } of RUNS) {
      const lines: string[] = [];
      try {
        const run = await runKpisLocally({ paths, awsEndpoint: env.aws, names: envNames, scope: { kind: 'window', window }, mode, log: (l) => lines.push(l) });
        runs[label] = run;
        branches[label] = run.branch;
        process.stderr.write(`${label}: ${mode} ${window.fromDate}..${window.toDate} in ${run.seconds} s\n${lines.filter((l) => l.includes('.py: ')).join('\n')}\n`);
      } catch (e) {
        runs[label] = e as Error;
        break;
      }
    }

    const spec = Object.fromEntries(Object.entries(branches).flatMap(([label, branch]) =>
      TABLES.map((t) => [`${label}:${t}`, { table: t, branch }])));
    const command = localSparkSubmit({
      paths,
      java17Home: findJavaHome(17, true)!,
      awsEndpoint: env.aws,
      warehouse: envNames.warehouseUri,
      script: path.join(paths.root, 'test', 'kpis', 'read_tables.py'),
      args: [envNames.glueDatabase, JSON.stringify(spec)],
    });
    const { stdout } = await runSparkJob(command, { logFile: path.join(workDir, 'read-tables.log'), server: env.spark });
    const line = stdout.find((l) => l.startsWith('TABLE_ROWS '))!;
    const rows = JSON.parse(line.slice('TABLE_ROWS '.length)) as Record<string, KpiRow[]>;
    for (const label of Object.keys(branches) as RunLabel[]) {
      tables[label] = Object.fromEntries(TABLES.map((t) => [t, comparableRows(t, rows[`${label}:${t}`])])) as KpiTablesRows;
    }
  }, 1_500_000);

  afterAll(() => endTestEnvironment(env));

  it('runs a window in one application, equal to the reference row by row', () => {
    expect(runOf('first').submits.map((s) => s.script)).toEqual(['all_kpis.py']);
    const reference = expected(FIRST_HALF);
    for (const t of TABLES) expect(tablesOf('first')[t], t).toEqual(reference[t]);
    expect(tablesOf('first').sensor_health.length).toBeGreaterThan(0);
  });

  it('runs the adjacent window with the seed\'s three scripts, equal to the reference', () => {
    expect(runOf('second').submits.map((s) => s.script)).toEqual(['kpi_sensor_health.py', 'kpi_temp_humidity.py', 'kpi_event_geo.py']);
    const reference = expected(SECOND_HALF);
    for (const t of TABLES) expect(tablesOf('second')[t], t).toEqual(reference[t]);
  });

  it('one run over both windows equals the reference, its daily rows those of the two adjacent runs', () => {
    const reference = expected(BOTH);
    for (const t of TABLES) expect(tablesOf('both')[t], t).toEqual(reference[t]);
    for (const t of TABLES.filter((table) => (KPI_TABLES[table].grain as readonly string[]).includes('day'))) {
      expect(tablesOf('both')[t], t).toEqual(comparableRows(t, [...tablesOf('first')[t], ...tablesOf('second')[t]]));
    }
  });

  it('re-running a window gives identical tables', () => {
    for (const t of TABLES) expect(tablesOf('rerun')[t], t).toEqual(tablesOf('both')[t]);
  });

  it('succeeds on an empty window and says so, writing no rows', () => {
    expect(fs.readFileSync(runOf('empty').logFile, 'utf8')).toContain('empty window: no valid events for 2026-03-10..2026-03-10');
    for (const t of TABLES) expect(tablesOf('empty')[t], t).toEqual([]);
  });

  it('the inputs exercised what they should: re-deliveries and invalid rows', () => {
    const uuids = events.map((e) => e.uuid).filter(Boolean);
    expect(uuids.length - new Set(uuids).size).toBeGreaterThan(50);
    expect(events.length - referenceKpis(events).sensor_health.reduce((n, r) => n + Number(r.total_count), 0)).toBeGreaterThan(100);
  });
});
