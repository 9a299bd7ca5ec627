import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRunReport } from '../../src/pipeline/local-run';
import { parseJsonOutput, runCli } from '../support/cli';
import { processesWithEnv } from '../support/processes';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-run-test-'));
const reportDir = path.join(stateDir, 'reports');
const env = { CLICKSTREAM_STATE_DIR: stateDir };

afterAll(async () => {
  await runCli(['down'], env);
});

describe('clickstream run: the whole pipeline on the embedded stack', () => {
  it('takes 20,000 generated events from a stopped stack to validated KPI tables, and stops what it started', async () => {
    const result = await runCli(['run', '--records', '20000', '--seed', '7', '--duplicate-rate', '0.03', '--malformed-rate', '0.01', '--report-dir', reportDir, '--json'], env);
    expect(result.code, result.stderr.slice(-5000)).toBe(0);
    const report = parseJsonOutput<LocalRunReport>(result);

    expect(report.outcome).toBe('succeeded');
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([
      ['stack', 'succeeded'], ['replay', 'succeeded'], ['land', 'succeeded'], ['kpis', 'succeeded'], ['validate', 'succeeded'],
    ]);
    const stage = (name: string) => report.stages.find((s) => s.name === name)!;

    // Counts reconcile from the replay to the tables.
    const r = report.reconciliation!;
    expect(stage('replay').counts.sent).toBe(20_000);
    expect(stage('replay').counts.failed).toBe(0);
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

    // The five tables are shown with their first rows.
    expect(report.tables!.map((t) => t.table)).toEqual(['sensor_health', 'status_health', 'temp_humidity_kpis', 'event_geo_kpis_events', 'event_geo_kpis_faulty_geo']);
    for (const table of report.tables!) {
      expect(table.rowCount, table.table).toBeGreaterThan(0);
      expect(table.rows.length, table.table).toBe(Math.min(5, table.rowCount));
    }
    const sensors = report.tables!.find((t) => t.table === 'status_health')!;
    expect(sensors.rows.reduce((sum, row) => sum + Number(row.sensor_count), 0)).toBe(100);

    // Reports on disk, and nothing left running.
    expect(fs.readFileSync(path.join(reportDir, 'run-report.md'), 'utf8')).toContain('## clickstream run: passed');
    expect(fs.existsSync(path.join(reportDir, 'validation-report.md'))).toBe(true);
    expect(report.stack.startedByRun).toBe(true);
    expect(report.stack.stoppedAtEnd).toBe(true);
    expect(processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir)).toEqual([]);
  }, 900_000);
});
