import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBronze } from './support/bronze';
import { LandedEvent } from './support/events';
import { QUERY_CATALOG, ResourceNames } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { KPI_TABLES, KpiTableName } from '../../src/kpis/catalog';
import { DayWindow, ValidDayWindow, dayWindow, windowScope } from '../../src/kpis/day-window';
import { KpiRow, RawEvent, comparableRows, referenceKpis, rejectedEvents } from '../../src/kpis/reference';
import { EmulatorClients } from '../../src/local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../../src/local/kpi-runner';
import { LocalPaths } from '../../src/local/paths';
import { publishRunLocally } from '../../src/local/publish-runner';
import { loadRunScope } from '../../src/validation/run-scope';
import { runValidation } from '../../src/validation/runner';
import { ValidationReport, failingChecks } from '../../src/validation/validation-report';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

/**
 * The nightly schedule over a few days, on the embedded stack with real Spark, Iceberg and Trino:
 * bronze objects are written under the arrival hours Firehose would name them by, each run is an
 * incremental `clickstream kpis` as of its own (simulated) time, and the tables are compared with
 * the reference over what had landed. Runs build on each other (a Spark run costs ~45 s here).
 */

/** The test's own environment on the suite's stack (set in beforeAll). */
let names: ResourceNames;
const TABLES = Object.keys(KPI_TABLES) as KpiTableName[];
const DAY_A = '2026-02-10';
const at = (day: string, time: string) => new Date(`${day}T${time}Z`);
const dayAfter = (day: string, n = 1) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const A1 = dayAfter(DAY_A);
const A2 = dayAfter(DAY_A, 2);
const A3 = dayAfter(DAY_A, 3);
const A4 = dayAfter(DAY_A, 4);

let n = 0;
/** A valid event of `day` at `time`; overrides break it. */
function event(day: string, time: string, overrides: Partial<RawEvent> = {}): RawEvent {
  n++;
  return {
    sensor_id: 1 + (n % 5),
    temperature: 10 + (n % 17) * 1.25,
    humidity: 30 + (n % 11) * 3.5,
    location: { latitude: 40 + (n % 3), longitude: -3 - (n % 2) },
    status: n % 7 === 0 ? 'faulty' : n % 11 === 0 ? 'inactive' : 'active',
    event_type: n % 9 === 0 ? 'alert' : 'sensor_reading',
    timestamp: Math.floor(at(day, time).getTime() / 1000),
    uuid: `e-${String(n).padStart(5, '0')}`,
    ...overrides,
  };
}

/** `count` events of `day`, spread over its hours from `fromHour`. */
function events(day: string, count: number, fromHour = 0): RawEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const hour = fromHour + (i % (24 - fromHour));
    return event(day, `${String(hour).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}:00`);
  });
}

const failures = (report: ValidationReport) => failingChecks(report).map((c) => `${c.table} ${c.check}: ${c.observed}`);

describe('scheduled runs day after day (incremental, late and day-boundary events, backfills)', () => {
  let stack: TestEnvironment | undefined;
  let work: string;
  let paths: LocalPaths;
  let clients: EmulatorClients;
  let trino: TrinoEngine;
  let aws: string;
  let objects = 0;
  const landed: RawEvent[] = [];

  beforeAll(async () => {
    stack = await testEnvironment('incremental');
    names = stack.names;
    ({ work, paths, aws, clients, trino } = stack);
  });

  afterAll(() => endTestEnvironment(stack));

  /** Lands rows as one object under the arrival hour `arrival` names. */
  async function landObject(arrival: Date, rows: readonly RawEvent[]): Promise<string> {
    const items: LandedEvent[] = rows.map((e) => ({ event: e, arrival }));
    const [key] = await writeBronze(clients.s3, names.bronzeBucket, items, path.join(work, 'bronze'), `object${++objects}`);
    landed.push(...rows);
    return key;
  }

  type KpisExtra = { window?: ValidDayWindow; signal?: AbortSignal; log?: (line: string) => void };
  async function kpis(asOf: Date, extra: KpisExtra = {}): Promise<KpiRunResult> {
    return runKpisLocally({ paths, awsEndpoint: aws, names, scope: windowScope(extra.window), run: { asOf }, signal: extra.signal, log: extra.log });
  }

  /** Validates the latest run on its audit branch and, when it passed, publishes it, as the workflow does. */
  async function validate(window?: DayWindow): Promise<ValidationReport> {
    const run = await loadRunScope(trino, QUERY_CATALOG, names.glueDatabase);
    const report = await runValidation(trino, { run, window, database: names.glueDatabase, rawTable: names.rawTable });
    if (run?.branch && failures(report).length === 0) await publishRunLocally({ paths, awsEndpoint: aws, names, runId: run.runId });
    return report;
  }

  async function tables(): Promise<Record<KpiTableName, KpiRow[]>> {
    const result = {} as Record<KpiTableName, KpiRow[]>;
    for (const table of TABLES) {
      result[table] = comparableRows(table, (await trino.query(`SELECT * FROM ${QUERY_CATALOG}.${names.glueDatabase}.${table}`)).rows as KpiRow[]);
    }
    return result;
  }

  /** The day tables on `window`'s days (all days without one) and the all-time tables equal the reference over `rows`. */
  async function expectTablesEqualReference(rows: readonly RawEvent[], window?: DayWindow) {
    const actual = await tables();
    const reference = referenceKpis(rows);
    for (const table of TABLES) {
      const wanted = comparableRows(table, (window && !KPI_TABLES[table].allTime ? referenceKpis(rows, window) : reference)[table]);
      const inWindow = (r: KpiRow) => !window || (String(r.day) >= window.fromDate && String(r.day) <= window.toDate);
      const got = KPI_TABLES[table].allTime ? actual[table] : actual[table].filter(inWindow);
      expect(got, table).toEqual(wanted);
    }
  }

  it('counts a buffer opened before midnight, whose next-day events are named by the previous day, and keeps invalid rows aside with their rule', async () => {
    const broken = [
      event(DAY_A, '09:00:00', { temperature: 200 }),
      event(DAY_A, '09:01:00', { status: '' }),
      event(DAY_A, '09:02:00', { uuid: null }),
    ];
    const first = events(DAY_A, 40, 8);
    await landObject(at(DAY_A, '09:00:00'), [...first, ...broken, first[0], first[1]]);
    // Firehose opened this buffer at 23:58 with the last events of day A; it also holds what arrived
    // in the next minutes, the first events of day A+1, all under day A's hour 23.
    const boundary = [event(DAY_A, '23:57:30'), event(A1, '00:00:10'), event(A1, '00:01:40'), event(A1, '00:03:05')];
    await landObject(at(DAY_A, '23:58:00'), boundary);
    await landObject(at(A1, '01:00:00'), events(A1, 30, 1));

    const run = await kpis(at(A2, '03:30:00'));

    expect(run.runMode).toBe('incremental');
    expect(run.recomputedDays).toEqual([DAY_A, A1]);
    expect([run.bronzeObjects, run.rowsRejected, run.duplicates]).toEqual([3, 3, 2]);
    expect(failures(await validate())).toEqual([]);
    await expectTablesEqualReference(landed);
    const boundaryDay = await trino.query(`SELECT sum(event_count) AS n FROM ${names.glueDatabase}.event_geo_kpis_events WHERE day = DATE '${A1}'`);
    expect(Number(boundaryDay.rows[0].n)).toBe(33);
    const rejected = await trino.query(`SELECT uuid, rule FROM ${names.glueDatabase}.rejected_events ORDER BY rule`);
    const wanted = rejectedEvents(landed).map((r) => ({ uuid: r.event.uuid ?? null, rule: r.rule }));
    expect(rejected.rows).toEqual(wanted.sort((a, b) => a.rule.localeCompare(b.rule)));
    expect(rejected.rows.map((r) => r.rule)).toEqual(['status-empty', 'temperature-out-of-range', 'uuid-missing']);
  }, 400_000);

  it('recomputes only the day that late events belong to, on the next night', async () => {
    await landObject(at(A2, '10:00:00'), events(DAY_A, 6, 12));

    const run = await kpis(at(A3, '03:30:00'));

    expect(run.recomputedDays).toEqual([DAY_A]);
    expect(run.bronzeObjects).toBe(1);
    expect(failures(await validate())).toEqual([]);
    await expectTablesEqualReference(landed);
  }, 400_000);

  it('never fails a run\'s validation because of an object that landed after it, and reads that object next time only', async () => {
    await landObject(at(A3, '03:00:00'), events(A2, 10, 2));
    const run = await kpis(at(A3, '03:40:00'));
    expect(run.recomputedDays).toEqual([A2]);
    const before = landed.length;
    // Firehose delivers a late buffer under the same, still open, hour after the run.
    await landObject(at(A3, '03:00:00'), events(DAY_A, 4, 20));

    expect(failures(await validate())).toEqual([]);
    await expectTablesEqualReference(landed.slice(0, before));
  }, 400_000);

  it('repeats a run stopped halfway, with the same result, and then moves on', async () => {
    await landObject(at(A4, '05:00:00'), events(A3, 12, 3));
    const controller = new AbortController();
    const stopped = kpis(at(dayAfter(A4), '03:30:00'), {
      signal: controller.signal,
      // The line after the valid events were merged, before any KPI table or the ledger was written.
      log: (line) => { if (/ new events; recomputing /.test(line)) controller.abort('test'); },
    });
    await expect(stopped).rejects.toThrow('was stopped');

    const run = await kpis(at(dayAfter(A4), '03:30:00'));

    expect(run.recomputedDays).toEqual([DAY_A, A3]);
    expect(run.bronzeObjects).toBe(2);
    expect(failures(await validate())).toEqual([]);
    await expectTablesEqualReference(landed);
  }, 600_000);

  it('computes a backfill of historical days from events that arrived today, and warns about an empty day', async () => {
    const january = [...events('2026-01-09', 8), ...events('2026-01-11', 8), ...events('2026-01-13', 8)];
    await landObject(at(dayAfter(A4), '12:00:00'), january);
    const window = dayWindow('2026-01-09', '2026-01-13');

    const run = await kpis(at(dayAfter(A4), '12:30:00'), { window });

    expect(run.runMode).toBe('window');
    expect(run.recomputedDays).toEqual(['2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12', '2026-01-13']);
    const report = await validate();
    expect(failures(report)).toEqual([]);
    await expectTablesEqualReference(landed, window);
    const empty = report.checks.filter((c) => c.check === 'empty-days' && !c.passed);
    expect(empty.map((c) => c.table)).toContain('event_geo_kpis_events');
    expect(empty.every((c) => c.severity === 'warn' && c.observed.startsWith('2 days without events or rows: 2026-01-10, 2026-01-12'))).toBe(true);
  }, 400_000);
});
