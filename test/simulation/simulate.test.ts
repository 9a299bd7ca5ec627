import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAINTAINED_TABLES } from '../../src/maintenance/options';
import { dayOfArrivals, firehoseBuffers } from '../../src/simulation/arrivals';
import { SimulationReport } from '../../src/simulation/simulate';
import { parseJsonOutput, runCli } from '../support/cli';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-simulate-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

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
  // Three nights prove the point (late data, incremental recomputation, weekly-style maintenance on the
  // last morning); `npx projen bench:days` simulates a month at scale.
  it('runs three nightly incremental runs that all validate, with maintenance on the third morning, and ends equal to the reference', async () => {
    const reports = path.join(work, 'reports');
    const result = await runCli(['simulate', '--days', '3', '--maintain-every', '3', '--events-per-day', '150', '--report-dir', reports, '--json'],
      { CLICKSTREAM_STATE_DIR: path.join(work, 'state') }, 1_800_000);
    const report = parseJsonOutput<SimulationReport>(result);

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
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/2026-01-08 03:30Z {2}arrived \d+/);
    expect(fs.readFileSync(path.join(reports, 'simulation-report.md'), 'utf8')).toContain('| event_geo_kpis_events |');
  }, 1_800_000);
});
