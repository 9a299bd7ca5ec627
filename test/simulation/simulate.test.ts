import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulationMarkdown } from '../../src/cli/commands/simulate';
import { MAINTAINED_TABLES } from '../../src/maintenance/options';
import { dayOfArrivals, firehoseBuffers } from '../../src/simulation/arrivals';
import { simulate } from '../../src/simulation/simulate';
import { runCli } from '../support/cli';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-simulate-'));
let env: TestEnvironment | undefined;
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
  endTestEnvironment(env);
});

describe('the arrival model', () => {
  const arrivals = dayOfArrivals({ day: '2026-01-05', events: 2000, seed: 3 });
  const dayEnd = Date.parse('2026-01-06T00:00:00Z');

  it('delivers most records within minutes, a share hours late and a share days late, with duplicates', () => {
    const delays = arrivals.map((a) => a.arrivedAt - a.record.event.timestamp * 1000);
    const share = (min: number, max: number) => delays.filter((d) => d >= min && d < max).length / delays.length;
    expect(share(0, 11 * 60_000)).toBeGreaterThan(0.8);
    expect(share(3_600_000, 6 * 3_600_000)).toBeGreaterThan(0.07);
    expect(share(86_400_000, 5 * 86_400_000)).toBeGreaterThan(0.02);
    expect(arrivals.filter((a) => a.record.kind === 'duplicate').length).toBeGreaterThan(20);
  });

  it('buffers like Firehose: an object is named by its oldest record, so buffers straddle midnight', () => {
    const buffers = firehoseBuffers(arrivals, 900_000);
    expect(buffers.every((b) => b.deliveredAt - b.openedAt === 900_000)).toBe(true);
    const straddling = buffers.filter((b) => b.openedAt < dayEnd && b.deliveredAt > dayEnd);
    expect(straddling).toHaveLength(1);
    expect(buffers.flatMap((b) => b.records)).toHaveLength(arrivals.length);
  });
});

describe('clickstream simulate', () => {
  it('refuses options outside their range before starting anything, naming each', async () => {
    const result = await runCli(['simulate', '--days', '0', '--buffer-seconds', '30', '--run-at', '25:00'], { CLICKSTREAM_STATE_DIR: path.join(work, 'refused') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--days must be a whole number from 1 to 366, got 0');
    expect(result.stderr).toContain('--buffer-seconds must be Firehose\'s range, 60 to 900, got 30');
    expect(result.stderr).toContain('--run-at must be HH:MM (UTC), got "25:00"');
    expect(fs.existsSync(path.join(work, 'refused', 'simulation'))).toBe(false);
  }, 120_000);

  // Three nights prove the point (late data, incremental recomputation, weekly-style maintenance on the
  // last morning); `npx projen bench:days` simulates a month at scale. In an environment of the suite's
  // stack: the command's private stack would only add a stack start (the CLI's wiring is the case above).
  it('runs three nightly incremental runs that all validate, with maintenance on the third morning, and ends equal to the reference', async () => {
    env = await testEnvironment('simulate');
    const lines: string[] = [];
    const report = await simulate({
      paths: env.paths, environment: env.environment, days: 3, maintainEvery: 3, eventsPerDay: 150, log: (line) => lines.push(line),
    });

    expect(report.days).toHaveLength(3);
    for (const day of report.days) expect(day.validation.failed, day.runAt).toEqual([]);
    expect(report.days.map((d) => d.runAt.slice(11, 16))).toEqual(Array(3).fill('03:30'));
    // Late events make some nights recompute earlier days too, and nothing but what arrived.
    expect(report.days.some((d) => d.recomputedDays.length > 2)).toBe(true);
    expect(report.days.some((d) => d.arrivedLate > 0)).toBe(true);
    expect(Object.values(report.final.tables).every((t) => t.equal && t.rows > 0), JSON.stringify(report.final.tables)).toBe(true);
    expect(report.final.rejectedRows).toBeGreaterThan(0);
    // Maintenance ran on the third morning only, and every night reports every table's snapshots and files.
    expect(report.days.map((d) => d.maintenance?.failed ?? null)).toEqual([null, null, []]);
    for (const day of report.days) expect(Object.keys(day.tables).sort(), day.runAt).toEqual([...MAINTAINED_TABLES].sort());
    // The ledger gains a small file a night; maintenance bin-packs them (nothing is a week old yet to expire).
    expect(report.days[1].tables._kpi_runs.dataFiles).toBeGreaterThan(1);
    expect(report.days[2].tables._kpi_runs.dataFiles).toBe(1);
    expect(report.passed).toBe(true);
    // One line a night, as the command prints them, and the report's table of tables.
    expect(lines.filter((l) => /^2026-01-0[678] 03:30Z {2}arrived \d+/.test(l))).toHaveLength(3);
    expect(simulationMarkdown(report)).toContain('| event_geo_kpis_events |');
  }, 1_800_000);
});
