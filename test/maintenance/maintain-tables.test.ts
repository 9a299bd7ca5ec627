import * as path from 'node:path';
import { GetTableCommand } from '@aws-sdk/client-glue';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_CATALOG, ResourceNames } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { KPI_TABLES, KpiTableName } from '../../src/kpis/catalog';
import { KpiRow, RawEvent, comparableRows, referenceKpis } from '../../src/kpis/reference';
import { EmulatorClients } from '../../src/local/bootstrap';
import { runKpisLocally } from '../../src/local/kpi-runner';
import { LocalMaintenanceResult, runMaintenanceLocally } from '../../src/local/maintenance-runner';
import { LocalPaths } from '../../src/local/paths';
import { publishRunLocally } from '../../src/local/publish-runner';
import { MaintainedTable } from '../../src/maintenance/maintenance-report';
import { MAINTAINED_TABLES, MaintenanceOptions } from '../../src/maintenance/options';
import { loadRunScope } from '../../src/validation/run-scope';
import { runValidation } from '../../src/validation/runner';
import { reportFails } from '../../src/validation/validation-report';
import { writeBronze } from '../kpis/support/bronze';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

/**
 * Table maintenance on the embedded stack with real Spark, Iceberg and Trino, under
 * write-audit-publish: nightly incremental runs each write an `audit_<run id>` branch; runs 1 and 3
 * are validated and published, run 2 is held back (never validated, as when validation did not run),
 * so run 3 recomputes its days too, and run 4 (as of a day after run 3) is still awaiting
 * validation. `maintain` then runs as of a week after run 2 (the retention measured on the runs'
 * clock): runs 1 and 2 are old, run 2's branch is abandoned, run 4's is young. Spark submits: four
 * KPI runs, two publications, two maintenance runs (the second on a table of each kind).
 */

/** The test's own environment on the suite's stack (set in beforeAll). */
let names: ResourceNames;
let DB: string;
const KPI = Object.keys(KPI_TABLES) as KpiTableName[];
const A = '2026-03-02';
const day = (n: number) => new Date(Date.parse(`${A}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const at = (n: number, time: string) => new Date(`${day(n)}T${time}Z`);
/** The nightly runs' times, and maintenance a week after the second: runs 1 and 2 are old, runs 3 and 4 are not. */
const RUNS = [at(1, '03:30:00'), at(2, '03:30:00'), at(3, '03:30:00'), at(4, '03:30:00')];
/** Which runs pass validation and are published: run 2 is held back, run 4 awaits validation. */
const PUBLISHED = [true, false, true, false];
const MAINTENANCE: MaintenanceOptions = { asOf: at(9, '03:30:00'), retentionDays: 7, retainLast: 1, compactDays: 7 };
/** A table of each kind: rewritten whole (with an audit branch), appended (the ledger), partitioned by arrival day. */
const AGAIN = ['sensor_health', '_kpi_runs', 'rejected_events'];

let n = 0;
function event(dayIndex: number, hour: number, overrides: Partial<RawEvent> = {}): RawEvent {
  n++;
  return {
    sensor_id: 1 + (n % 6),
    temperature: 5 + (n % 13) * 1.5,
    humidity: 40 + (n % 9) * 2.5,
    location: { latitude: 48 + (n % 2), longitude: 2 + (n % 3) },
    status: n % 5 === 0 ? 'faulty' : 'active',
    event_type: n % 4 === 0 ? 'alert' : 'sensor_reading',
    timestamp: Math.floor(at(dayIndex, `${String(hour).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00`).getTime() / 1000),
    uuid: `m-${String(n).padStart(5, '0')}`,
    ...overrides,
  };
}
const events = (dayIndex: number, count: number, hour: number) => Array.from({ length: count }, () => event(dayIndex, hour));
/** A row that breaks a rule, so each bronze object also adds rows to rejected_events. */
const broken = (dayIndex: number, hour: number) => event(dayIndex, hour, { temperature: 200 });

const jsonOf = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
describe('clickstream maintain on the local target', () => {
  let stack: TestEnvironment | undefined;
  let work: string;
  let paths: LocalPaths;
  let clients: EmulatorClients;
  let trino: TrinoEngine;
  let aws: string;
  let objects = 0;
  const landed: RawEvent[][] = RUNS.map(() => []);
  const runIds: string[] = [];
  /** Snapshot ids each run added (on its branch), per table. */
  const added: Array<Record<string, string[]>> = [];
  let rowsBefore: Record<string, string[]>;
  /** Run 4's branch heads and what they read, before maintenance. */
  let youngHeads: Record<string, string>;
  let youngRows: Record<string, string[]>;
  let first: LocalMaintenanceResult;
  let orphanKey: string;

  beforeAll(async () => {
    stack = await testEnvironment('maintain');
    names = stack.names;
    DB = names.glueDatabase;
    ({ work, paths, aws, clients, trino } = stack);
  });

  afterAll(() => endTestEnvironment(stack));

  async function land(run: number, arrival: Date, rows: readonly RawEvent[]) {
    await writeBronze(clients.s3, names.bronzeBucket, rows.map((e) => ({ event: e, arrival })), path.join(work, 'bronze'), `object${++objects}`);
    landed[run].push(...rows);
  }

  const query = async (sql: string) => (await trino.query(sql)).rows;
  const snapshotIds = async (table: string) =>
    (await query(`SELECT CAST(snapshot_id AS varchar) AS id FROM ${QUERY_CATALOG}.${DB}."${table}$snapshots"`)).map((r) => String(r.id));
  /** Branches other than main, with their head snapshot. */
  const refs = async (table: string) => Object.fromEntries((await query(
    `SELECT name, CAST(snapshot_id AS varchar) AS id FROM ${QUERY_CATALOG}.${DB}."${table}$refs" WHERE name <> 'main'`,
  )).map((r) => [String(r.name), String(r.id)]));
  /** Data files per partition (the partition as Trino prints it). */
  const filesByPartition = async (table: string) => Object.fromEntries((await query(
    `SELECT CAST(partition AS json) AS p, count(*) AS files FROM ${QUERY_CATALOG}.${DB}."${table}$files" GROUP BY 1`,
  )).map((r) => [String(r.p), Number(r.files)]));
  const dataFiles = async (table: string) => Number((await query(`SELECT count(*) AS n FROM ${QUERY_CATALOG}.${DB}."${table}$files"`))[0].n);
  const rowsOf = async (table: string, snapshot?: string) =>
    (await query(`SELECT * FROM ${QUERY_CATALOG}.${DB}.${table}${snapshot ? ` FOR VERSION AS OF ${snapshot}` : ''}`)).map(jsonOf).sort();
  /** Every row of every table on main, as sorted JSON lines. */
  async function allRows(): Promise<Record<string, string[]>> {
    const result: Record<string, string[]> = {};
    for (const table of MAINTAINED_TABLES) result[table] = await rowsOf(table);
    return result;
  }
  const maintain = (tables?: string[]) => runMaintenanceLocally({ paths, awsEndpoint: aws, names, maintenance: { ...MAINTENANCE, tables } });
  const reported = (result: LocalMaintenanceResult, table: string) => result.tables.find((t) => t.table === table) as MaintainedTable;
  const branchOf = (run: number) => `audit_${runIds[run]}`;

  it('four nightly runs: two published, one held back, one awaiting validation', async () => {
    // Arrival days are rejected_events' partitions: days 1 and 2 each receive objects before and after a 03:30 run.
    const uploads: Array<Array<[Date, RawEvent[]]>> = [
      [[at(0, '09:00:00'), [...events(0, 20, 8), broken(0, 8)]], [at(1, '01:00:00'), [...events(0, 6, 23), broken(0, 23)]]],
      [[at(1, '10:00:00'), [...events(1, 20, 9), broken(1, 9)]], [at(2, '01:00:00'), [...events(1, 5, 23), broken(1, 23)]]],
      [[at(2, '10:00:00'), [...events(2, 20, 9), broken(2, 9)]]],
      [[at(3, '10:00:00'), [...events(3, 10, 9), broken(3, 9)]]],
    ];
    for (let run = 0; run < RUNS.length; run++) {
      const before = Object.fromEntries(await Promise.all(MAINTAINED_TABLES.map(async (t) => [t, run === 0 ? [] : await snapshotIds(t)] as const)));
      for (const [arrival, rows] of uploads[run]) await land(run, arrival, rows);
      const kpis = await runKpisLocally({ paths, awsEndpoint: aws, names, run: { asOf: RUNS[run] } });
      runIds.push(kpis.runId);
      if (PUBLISHED[run]) {
        // As the workflow and `clickstream simulate` do: validate the run's branch, publish it when it passed.
        const scope = await loadRunScope(trino, QUERY_CATALOG, DB, { runId: kpis.runId });
        const report = await runValidation(trino, { run: scope, database: DB, rawTable: names.rawTable });
        expect(reportFails(report), `run ${run + 1}: ${JSON.stringify(report.checks.filter((c) => !c.passed))}`).toBe(false);
        expect((await publishRunLocally({ paths, awsEndpoint: aws, names, runId: kpis.runId })).published.length).toBeGreaterThan(0);
      }
      const now = await Promise.all(MAINTAINED_TABLES.map(async (t) => [t, await snapshotIds(t)] as const));
      added.push(Object.fromEntries(now.map(([t, ids]) => [t, ids.filter((id) => !before[t].includes(id))])));
    }

    // Runs 2 and 4 left their branch on every table they wrote; publishing dropped runs 1 and 3's.
    for (const table of MAINTAINED_TABLES.filter((t) => t !== '_kpi_validations')) {
      expect(added.map((ids) => ids[table].length).every((k) => k >= 1), table).toBe(true);
      expect(Object.keys(await refs(table)).sort(), table).toEqual([branchOf(1), branchOf(3)]);
    }
    // Run 3 recomputed run 2's days as well: main's high-water mark was run 1's.
    const ledger = await query(`SELECT run_id, CAST(recomputed_days AS json) AS days FROM ${QUERY_CATALOG}.${DB}._kpi_runs WHERE run_id = '${runIds[2]}'`);
    expect(ledger.length).toBeGreaterThan(0);
    expect(ledger.some((r) => String(r.days).includes(day(1))), JSON.stringify(ledger)).toBe(true);
    expect(await dataFiles('_kpi_runs')).toBeGreaterThanOrEqual(2);
    rowsBefore = await allRows();
    youngHeads = Object.fromEntries(await Promise.all(KPI.map(async (t) => [t, (await refs(t))[branchOf(3)]] as const)));
    youngRows = Object.fromEntries(await Promise.all(KPI.map(async (t) => [t, await rowsOf(t, youngHeads[t])] as const)));
  }, 1_800_000);

  it('drops the held-back run\'s abandoned branch, expires exactly the old snapshots, keeps the young branch, and compacts recent partitions', async () => {
    // A file nobody references, written just now: it may be a commit in progress, so it stays.
    const { Table } = await clients.glue.send(new GetTableCommand({ DatabaseName: DB, Name: '_kpi_runs' }));
    const location = /^s3a?:\/\/[^/]+\/(.+)$/.exec(Table!.StorageDescriptor!.Location!)![1];
    orphanKey = `${location}/data/00000-in-flight-write.parquet`;
    await clients.s3.send(new PutObjectCommand({ Bucket: names.warehouseBucket, Key: orphanKey, Body: 'not yet committed' }));
    const filesBefore = await filesByPartition('rejected_events');

    first = await maintain();

    expect(first.failed).toEqual([]);
    // The ledger is read on every branch: held-back run 2 counts on the runs' clock.
    expect(first.plan?.expiry).toContain(`when the last run as of ${day(2)}T03:30:00Z or earlier finished`);
    for (const table of MAINTAINED_TABLES.filter((t) => t !== '_kpi_validations')) {
      const now = await snapshotIds(table);
      const survivors = [...added[0][table], ...added[1][table]].filter((id) => now.includes(id));
      // What survives of runs 1 and 2: in the ledger, the snapshot that recorded run 2 (committed after it finished, so younger than the cut-off).
      expect(survivors.sort(), table).toEqual(table === '_kpi_runs' ? added[1][table] : []);
      for (const id of [...added[2][table], ...added[3][table]]) expect(now, `${table} keeps runs 3 and 4's snapshot ${id}`).toContain(id);
      expect(reported(first, table).snapshots!.after, table).toBe(now.length);
      expect(reported(first, table).droppedBranches, table).toEqual([branchOf(1)]);
      expect(Object.keys(await refs(table)), table).toEqual([branchOf(3)]);
      expect(reported(first, table).branches?.map((b) => b.name), table).toEqual([branchOf(3)]);
    }
    const total = (key: 'before' | 'after') => first.tables.reduce((sum, t) => sum + t.snapshots![key], 0);
    expect(total('after')).toBeLessThan(total('before'));
    // Small files: the ledger's are bin-packed into one; rejected_events only in the partitions of the last 7 days.
    expect(reported(first, '_kpi_runs').dataFiles).toEqual({ before: expect.any(Number), after: 1 });
    expect(reported(first, '_kpi_runs').dataFiles!.before).toBeGreaterThanOrEqual(2);
    expect(reported(first, 'rejected_events').compaction?.where).toBe(`arrival_hour >= TIMESTAMP '${day(2)} 00:00:00'`);
    const filesAfter = await filesByPartition('rejected_events');
    for (const [partition, files] of Object.entries(filesBefore)) {
      expect(filesAfter[partition], partition).toBe(partition.includes(`"${day(0)}`) || partition.includes(`"${day(1)}`) ? files : 1);
    }
    // Files only expired snapshots referenced are gone from storage's account; status_health is
    // rewritten whole every night: run 1's file (main's past) and run 2's (its dropped branch) are deleted.
    expect(reported(first, 'sensor_health').referencedFiles!.after).toBeLessThan(reported(first, 'sensor_health').referencedFiles!.before);
    expect(reported(first, 'status_health').expiry!.deletedDataFiles).toBe(2);
    // Run 4's branch still reads what run 4 computed: its snapshots and files survived.
    for (const table of KPI) {
      expect((await refs(table))[branchOf(3)], table).toBe(youngHeads[table]);
      expect(await rowsOf(table, youngHeads[table]), table).toEqual(youngRows[table]);
    }
    const young = await query(`SELECT * FROM ${QUERY_CATALOG}.${DB}.sensor_health FOR VERSION AS OF ${youngHeads.sensor_health}`);
    expect(comparableRows('sensor_health', young as KpiRow[])).toEqual(comparableRows('sensor_health', referenceKpis(landed.flat()).sensor_health));

    await clients.s3.send(new HeadObjectCommand({ Bucket: names.warehouseBucket, Key: orphanKey }));
    expect(reported(first, '_kpi_runs').orphanFiles).toBe(0);
  }, 600_000);

  it('leaves every table reading the same rows on main, equal to the reference over what the published runs read', async () => {
    expect(await allRows()).toEqual(rowsBefore);
    const reference = referenceKpis(landed.slice(0, 3).flat());
    for (const table of KPI) {
      const rows = await query(`SELECT * FROM ${QUERY_CATALOG}.${DB}.${table}`);
      expect(comparableRows(table, rows as KpiRow[]), table).toEqual(comparableRows(table, reference[table]));
    }
  }, 300_000);

  it('is harmless when run again: nothing to drop, compact or expire, no new snapshot, the same rows', async () => {
    const snapshotsBefore = Object.fromEntries(await Promise.all(AGAIN.map(async (t) => [t, (await snapshotIds(t)).sort()] as const)));

    const second = await maintain(AGAIN);

    expect(second.failed).toEqual([]);
    expect(second.tables.map((t) => t.table)).toEqual(AGAIN);
    for (const table of AGAIN) {
      const t = reported(second, table);
      expect((await snapshotIds(table)).sort(), table).toEqual(snapshotsBefore[table]);
      const changes = [t.droppedBranches, t.compaction?.rewrittenFiles, t.manifests?.rewritten, t.expiry?.deletedDataFiles, t.orphanFiles];
      expect(changes, table).toEqual([[], 0, 0, 0, 0]);
      const files = reported(first, table).dataFiles!.after;
      expect(t.dataFiles, table).toEqual({ before: files, after: files });
      expect(t.branches?.map((b) => b.name), table).toEqual([branchOf(3)]);
    }
    expect(await allRows()).toEqual(rowsBefore);
  }, 600_000);
});
