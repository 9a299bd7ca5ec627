import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GLUE_DATABASE } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { generateRecords } from '../../src/events/generator';
import { KPI_TABLES, KpiTableName } from '../../src/kpis/catalog';
import { KpiRow, RawEvent, referenceKpis, sortByGrain } from '../../src/kpis/reference';
import { convertRecord } from '../../src/landing/convert';
import { stackJvmOptions } from '../../src/local/jvm-options';
import { LocalRunReport } from '../../src/pipeline/run-report';
import { REPO_ROOT, parseJsonOutput, runCli } from '../support/cli';
import { processesWithEnv } from '../support/processes';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-run-test-'));
const reportDir = path.join(stateDir, 'reports');
const env = { CLICKSTREAM_STATE_DIR: stateDir };
const GENERATOR = { count: 20_000, seed: 7, duplicateRate: 0.03, malformedRate: 0.01 } as const;

afterAll(async () => {
  await runCli(['down'], env);
});

/**
 * The run stopped by Ctrl-C works in an environment of its own on the same stack: what it replayed and
 * landed stays out of the quick start's tables, while its processes, state file and ports are the
 * quick start's to trip over (a stopped run's own environment is taken up in test/kpis/incremental-runs.test.ts).
 */
const INTERRUPTED_ENVIRONMENT = 'pr-1';

/** A running process's whole command line, arguments separated by spaces; undefined once it is gone. */
function wholeCommand(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** Starts `clickstream run`, sends SIGINT once the KPI stage's Spark job is running, and collects the outcome. */
function runAndInterruptDuringKpis(): Promise<{ code: number | null; stdout: string; stderr: string; sparkSeen: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'src', 'cli', 'bin.js'), 'run', '--records', '5000', '--report-dir', path.join(stateDir, 'interrupted'), '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, CLICKSTREAM_ENV: INTERRUPTED_ENVIRONMENT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sparkSeen: string[] = [];
    let interrupted = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (interrupted || !stderr.includes('kpis: started')) return;
      // Wait until the Spark JVM is really up, so the stop has a JVM and Python workers to stop.
      const poll = setInterval(() => {
        const spark = processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir).filter((p) => /SparkSubmit|pyspark|spark-submit/.test(p.command));
        if (spark.length === 0 || interrupted) return;
        interrupted = true;
        sparkSeen = spark.map((p) => wholeCommand(p.pid) ?? p.command);
        clearInterval(poll);
        child.kill('SIGINT');
      }, 200);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, sparkSeen }));
  });
}

/**
 * What the landing puts in bronze for the generated records, shifted as the replay shifted them:
 * the input of the independent reference computation.
 */
function landedEvents(shiftSeconds: number): RawEvent[] {
  const events: RawEvent[] = [];
  for (const record of generateRecords({ ...GENERATOR, days: 3, sensors: 100 })) {
    let line = record.line;
    try {
      const value = JSON.parse(line) as Record<string, unknown>;
      if (value && typeof value === 'object' && typeof value.timestamp === 'number' && Number.isInteger(value.timestamp)) {
        line = JSON.stringify({ ...value, timestamp: value.timestamp + shiftSeconds });
      }
    } catch {
      // Not JSON: the landing sends it to errors/ whatever its timestamp.
    }
    const conversion = convertRecord(new TextEncoder().encode(line));
    if (conversion.ok) events.push(conversion.row as RawEvent);
  }
  return events;
}

function expectRowsEqual(table: KpiTableName, actual: KpiRow[], expected: KpiRow[]): void {
  expect(actual.length, `${table}: row count`).toBe(expected.length);
  const columns: ReadonlyArray<{ readonly name: string; readonly type: string }> = KPI_TABLES[table].columns;
  const doubles = new Set(columns.filter((c) => c.type === 'double').map((c) => c.name));
  for (let i = 0; i < expected.length; i++) {
    for (const column of columns.map((c) => c.name)) {
      const where = `${table} row ${i} (${KPI_TABLES[table].grain.map((g) => `${g}=${expected[i][g]}`).join(', ')}) column ${column}`;
      if (doubles.has(column)) expect(Number(actual[i][column]), where).toBeCloseTo(Number(expected[i][column]), 9);
      else expect(actual[i][column], where).toBe(expected[i][column]);
    }
  }
}

describe('clickstream run: the whole pipeline on the embedded stack', () => {
  let report: LocalRunReport;

  it('stops every process it started when SIGINT arrives during the KPI stage', async () => {
    const result = await runAndInterruptDuringKpis();
    expect(result.sparkSeen.length, `Spark never started:\n${result.stderr.slice(-3000)}`).toBeGreaterThan(0);
    // The stack lives for this run only: its warm Spark compiles quickly (src/local/jvm-options.ts).
    expect(result.sparkSeen.some((command) => stackJvmOptions('one-run').every((option) => command.includes(option))), result.sparkSeen.join('\n')).toBe(true);
    expect(result.code).toBe(130);
    const stopped = parseJsonOutput<LocalRunReport>(result);
    expect(stopped.outcome).toBe('stopped');
    expect(stopped.failure?.stage).toBe('kpis');
    expect(stopped.stages.find((s) => s.name === 'kpis')?.status).toBe('stopped');
    expect(stopped.stages.find((s) => s.name === 'validate')?.status).toBe('skipped');
    expect(stopped.stack.stoppedAtEnd).toBe(true);
    expect(processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir)).toEqual([]);
  }, 900_000);

  // The next run finds nothing of the stopped one in its way: it starts the stack anew and goes through.

  it('takes 20,000 generated events from a stopped stack to validated KPI tables', async () => {
    const result = await runCli([
      'run', '--records', String(GENERATOR.count), '--seed', String(GENERATOR.seed), '--duplicate-rate', String(GENERATOR.duplicateRate),
      '--malformed-rate', String(GENERATOR.malformedRate), '--report-dir', reportDir, '--keep', '--json',
    ], env);
    expect(result.code, result.stderr.slice(-5000)).toBe(0);
    report = parseJsonOutput<LocalRunReport>(result);

    expect(report.outcome).toBe('succeeded');
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([
      ['stack', 'succeeded'], ['replay', 'succeeded'], ['land', 'succeeded'], ['kpis', 'succeeded'], ['validate', 'succeeded'],
      ['publish', 'succeeded'],
    ]);
    expect(report.publication?.status).toBe('published');
    expect(report.publication?.tables.map((t) => t.table)).toContain('_kpi_runs');
    expect(report.stack.startedByRun).toBe(true);

    // Counts reconcile from the replay to the tables.
    const replay = report.stages.find((s) => s.name === 'replay')!;
    const r = report.reconciliation!;
    expect(replay.counts.sent).toBe(20_000);
    expect(replay.counts.failed).toBe(0);
    expect(r.read).toBe(r.sent);
    expect(r.landed + r.landingErrors).toBe(r.read);
    // Malformed JSON and wrong types go to errors/; duplicates and out-of-range values land.
    expect(r.landingErrors).toBeGreaterThan(0);
    expect(r.distinctValidEvents).toBeLessThan(r.landed);
    expect(r.kpiEvents).toBe(r.distinctValidEvents);
    expect(r.reconciled).toBe(true);

    // Validation passed, with the manifest's per-day totals among the checks.
    expect(report.validation!.summary.failedErrors).toBe(0);
    expect(report.validation!.summary.passed).toBe(report.validation!.summary.checks);
    expect(report.validation!.checks.some((c) => c.check === 'expected-day-totals' && c.passed)).toBe(true);

    // The five tables are shown with their first rows; the reports are on disk.
    expect(report.tables!.map((t) => t.table)).toEqual(['sensor_health', 'status_health', 'temp_humidity_kpis', 'event_geo_kpis_events', 'event_geo_kpis_faulty_geo']);
    for (const table of report.tables!) {
      expect(table.rowCount, table.table).toBeGreaterThan(0);
      expect(table.rows.length, table.table).toBe(Math.min(5, table.rowCount));
    }
    expect(fs.readFileSync(path.join(reportDir, 'run-report.md'), 'utf8')).toContain('## clickstream run: passed');
    expect(fs.existsSync(path.join(reportDir, 'validation-report.md'))).toBe(true);
  }, 900_000);

  it('wrote exactly the tables the independent reference computes from the same events', async () => {
    const shift = report.stages.find((s) => s.name === 'replay')!.counts.shiftSeconds;
    const expected = referenceKpis(landedEvents(shift), report.window);
    const trino = new TrinoEngine({ endpoint: report.stack.endpoints!.trino });
    for (const table of Object.keys(KPI_TABLES) as KpiTableName[]) {
      const rows = (await trino.query(`SELECT * FROM ${GLUE_DATABASE}.${table}`)).rows as KpiRow[];
      expectRowsEqual(table, sortByGrain(table, rows), sortByGrain(table, expected[table]));
    }
  }, 300_000);

  it('down stops every process the run left running', async () => {
    const down = await runCli(['down', '--json'], env);
    expect(down.code).toBe(0);
    expect(processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir)).toEqual([]);
  }, 120_000);
});
