import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetTableCommand } from '@aws-sdk/client-glue';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { QUERY_CATALOG } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { KPI_TABLES, KpiTableName } from '../../src/kpis/catalog';
import { KpiRow, RawEvent, referenceKpis, sortByGrain } from '../../src/kpis/reference';
import { EmulatorClients, emulatorClients } from '../../src/local/bootstrap';
import { runKpisLocally } from '../../src/local/kpi-runner';
import { LocalMaintenanceResult, runMaintenanceLocally } from '../../src/local/maintenance-runner';
import { LocalPaths, localPaths } from '../../src/local/paths';
import { runSparkJob } from '../../src/local/spark-job';
import { localSparkSubmit } from '../../src/local/spark-submit';
import { stackDown, stackUp } from '../../src/local/stack';
import { findJavaHome } from '../../src/local/toolchain';
import { MAINTAINED_TABLES, MaintenanceOptions } from '../../src/maintenance/options';
import { MaintainedTable } from '../../src/maintenance/report';
import { writeBronze } from '../kpis/support/bronze';

/**
 * Table maintenance on the embedded stack with real Spark, Iceberg and Trino: three nightly
 * incremental runs leave snapshots and small files, then `maintain` runs as of a week after the
 * second run (the retention measured on the runs' clock). Spark submits: three KPI runs, one to
 * create audit branches, two maintenance runs (the second on a table of each kind).
 */

const names = loadConfig({ target: 'local' }).names;
const DB = names.glueDatabase;
const KPI = Object.keys(KPI_TABLES) as KpiTableName[];
const A = '2026-03-02';
const day = (n: number) => new Date(Date.parse(`${A}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const at = (n: number, time: string) => new Date(`${day(n)}T${time}Z`);
/** The nightly runs' times, and maintenance a week after the second: runs 1 and 2 are old, run 3 is not. */
const RUNS = [at(1, '03:30:00'), at(2, '03:30:00'), at(3, '03:30:00')];
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
/** Averages may differ in the last bits with the summation order: compare them to 9 decimals. */
const comparable = (table: KpiTableName, rows: readonly KpiRow[]) => sortByGrain(table, rows.map((row) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(9)) : v]))));

describe('clickstream maintain on the local target', () => {
  let work: string;
  let paths: LocalPaths;
  let clients: EmulatorClients;
  let trino: TrinoEngine;
  let aws: string;
  let objects = 0;
  const landed: RawEvent[][] = [[], [], []];
  /** Snapshot ids each run added, per table. */
  const added: Array<Record<string, string[]>> = [];
  let rowsBefore: Record<string, string[]>;
  let first: LocalMaintenanceResult;
  let orphanKey: string;
  let run2Ended = 0;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-maintain-'));
    paths = { ...localPaths(), state: work, stateFile: path.join(work, 'stack.json'), logs: path.join(work, 'logs') };
    const up = await stackUp({ paths });
    aws = up.endpoints.aws;
    clients = emulatorClients(aws);
    trino = new TrinoEngine({ endpoint: up.endpoints.trino });
  });

  afterAll(async () => {
    if (paths) await stackDown({ paths });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function land(run: number, arrival: Date, rows: readonly RawEvent[]) {
    await writeBronze(clients.s3, names.bronzeBucket, rows.map((e) => ({ event: e, arrival })), path.join(work, 'bronze'), `object${++objects}`);
    landed[run].push(...rows);
  }

  const query = async (sql: string) => (await trino.query(sql)).rows;
  const snapshotIds = async (table: string) =>
    (await query(`SELECT CAST(snapshot_id AS varchar) AS id FROM ${QUERY_CATALOG}.${DB}."${table}$snapshots"`)).map((r) => String(r.id));
  /** Data files per partition (the partition as Trino prints it). */
  const filesByPartition = async (table: string) => Object.fromEntries((await query(
    `SELECT CAST(partition AS json) AS p, count(*) AS files FROM ${QUERY_CATALOG}.${DB}."${table}$files" GROUP BY 1`,
  )).map((r) => [String(r.p), Number(r.files)]));
  const dataFiles = async (table: string) => Number((await query(`SELECT count(*) AS n FROM ${QUERY_CATALOG}.${DB}."${table}$files"`))[0].n);
  /** Every row of every table, as sorted JSON lines. */
  async function allRows(): Promise<Record<string, string[]>> {
    const result: Record<string, string[]> = {};
    for (const table of MAINTAINED_TABLES) result[table] = (await query(`SELECT * FROM ${QUERY_CATALOG}.${DB}.${table}`)).map(jsonOf).sort();
    return result;
  }
  const maintain = (tables?: string[]) => runMaintenanceLocally({ paths, awsEndpoint: aws, names, maintenance: { ...MAINTENANCE, tables } });
  const reported = (result: LocalMaintenanceResult, table: string) => result.tables.find((t) => t.table === table) as MaintainedTable;

  it('three nightly runs leave a snapshot per run in every table and several small files in the ledger and rejected_events', async () => {
    // Arrival days are rejected_events' partitions: days 1 and 2 each receive objects before and after a 03:30 run.
    const uploads: Array<Array<[Date, RawEvent[]]>> = [
      [[at(0, '09:00:00'), [...events(0, 20, 8), broken(0, 8)]], [at(1, '01:00:00'), [...events(0, 6, 23), broken(0, 23)]]],
      [[at(1, '10:00:00'), [...events(1, 20, 9), broken(1, 9)]], [at(2, '01:00:00'), [...events(1, 5, 23), broken(1, 23)]]],
      [[at(2, '10:00:00'), [...events(2, 20, 9), broken(2, 9)]]],
    ];
    for (let run = 0; run < RUNS.length; run++) {
      const before = Object.fromEntries(await Promise.all(MAINTAINED_TABLES.map(async (t) => [t, run === 0 ? [] : await snapshotIds(t)] as const)));
      for (const [arrival, rows] of uploads[run]) await land(run, arrival, rows);
      await runKpisLocally({ paths, awsEndpoint: aws, names, run: { asOf: RUNS[run] } });
      if (run === 1) run2Ended = Date.now();
      const now = await Promise.all(MAINTAINED_TABLES.map(async (t) => [t, await snapshotIds(t)] as const));
      added.push(Object.fromEntries(now.map(([t, ids]) => [t, ids.filter((id) => !before[t].includes(id))])));
    }

    for (const table of MAINTAINED_TABLES) expect(added.map((ids) => ids[table].length).every((k) => k >= 1), table).toBe(true);
    expect(await dataFiles('_kpi_runs')).toBeGreaterThanOrEqual(3);
    expect(Object.values(await filesByPartition('rejected_events')).sort()).toEqual([1, 2, 2]);
    rowsBefore = await allRows();
  }, 600_000);

  it('expires the snapshots older than the retention, keeps the recent ones and every live audit branch, and compacts recent partitions', async () => {
    // Audit branches as write-audit-publish leaves them: one whose retention has not passed, one
    // whose retention (a minute) has, both on snapshots the retention expires. Iceberg spec,
    // "Snapshot Retention Policy": expiry removes a ref other than main whose snapshot is older
    // than its max-ref-age-ms (what RETAIN sets) and keeps every snapshot a remaining ref needs.
    const keep = { table: 'sensor_health', branch: 'audit_run_1', snapshot: added[0].sensor_health[0], retain: '7 DAYS' };
    const gone = { table: 'status_health', branch: 'audit_run_2', snapshot: added[1].status_health[0], retain: '1 MINUTES' };
    const java17Home = findJavaHome(17, true)!;
    await runSparkJob(localSparkSubmit({
      paths,
      java17Home,
      awsEndpoint: aws,
      warehouse: names.warehouseUri,
      script: path.join(paths.root, 'test', 'maintenance', 'create_branches.py'),
      args: [DB, JSON.stringify([keep, gone])],
    }), { logFile: path.join(paths.logs, 'branches.log') });
    // A file nobody references, written just now: it may be a commit in progress, so it stays.
    const { Table } = await clients.glue.send(new GetTableCommand({ DatabaseName: DB, Name: '_kpi_runs' }));
    const location = /^s3a?:\/\/[^/]+\/(.+)$/.exec(Table!.StorageDescriptor!.Location!)![1];
    orphanKey = `${location}/data/00000-in-flight-write.parquet`;
    await clients.s3.send(new PutObjectCommand({ Bucket: names.warehouseBucket, Key: orphanKey, Body: 'not yet committed' }));
    // The one-minute branch's age is measured on the wall clock from run 2's commit.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, run2Ended + 61_000 - Date.now())));

    first = await maintain();

    expect(first.failed).toEqual([]);
    expect(first.plan?.expiry).toContain(`when the last run as of ${day(2)}T03:30:00Z or earlier finished`);
    for (const table of MAINTAINED_TABLES) {
      const now = await snapshotIds(table);
      const survivors = [...added[0][table], ...added[1][table]].filter((id) => now.includes(id));
      // What survives of runs 1 and 2: the live branch's head, and in the ledger the snapshot that recorded run 2 (committed after it finished).
      const expected = table === 'sensor_health' ? [keep.snapshot] : table === '_kpi_runs' ? added[1][table] : [];
      expect(survivors.sort(), table).toEqual(expected.sort());
      for (const id of added[2][table]) expect(now, `${table} keeps run 3's snapshot ${id}`).toContain(id);
      expect(reported(first, table).snapshots!.after, table).toBe(now.length);
    }
    const total = (key: 'before' | 'after') => first.tables.reduce((sum, t) => sum + t.snapshots![key], 0);
    expect(total('after')).toBeLessThan(total('before'));
    // Small files: the ledger's are bin-packed into one; rejected_events only in the partitions of the last 7 days.
    expect(reported(first, '_kpi_runs').dataFiles).toEqual({ before: expect.any(Number), after: 1 });
    expect(reported(first, '_kpi_runs').dataFiles!.before).toBeGreaterThanOrEqual(3);
    expect(reported(first, 'rejected_events').compaction?.where).toBe(`arrival_hour >= TIMESTAMP '${day(2)} 00:00:00'`);
    expect(Object.values(await filesByPartition('rejected_events')).sort()).toEqual([1, 1, 2]);
    // Files only expired snapshots referenced are gone from storage's account.
    expect(reported(first, 'sensor_health').referencedFiles!.after).toBeLessThan(reported(first, 'sensor_health').referencedFiles!.before);
    // status_health is rewritten whole every night, and its branch expired: runs 1 and 2's files are deleted.
    expect(reported(first, 'status_health').expiry!.deletedDataFiles).toBe(2);

    const refs = async (table: string) => (query(`SELECT name, CAST(snapshot_id AS varchar) AS id FROM ${QUERY_CATALOG}.${DB}."${table}$refs" WHERE name <> 'main'`));
    expect(await refs('sensor_health')).toEqual([{ name: keep.branch, id: keep.snapshot }]);
    expect(await refs('status_health')).toEqual([]);
    expect(reported(first, 'sensor_health').branches?.map((b) => b.name)).toEqual([keep.branch]);
    // The kept branch still reads what run 1 computed: its data files survived.
    const branchRows = await query(`SELECT * FROM ${QUERY_CATALOG}.${DB}.sensor_health FOR VERSION AS OF ${keep.snapshot}`);
    expect(comparable('sensor_health', branchRows as KpiRow[])).toEqual(comparable('sensor_health', referenceKpis(landed[0]).sensor_health));

    await clients.s3.send(new HeadObjectCommand({ Bucket: names.warehouseBucket, Key: orphanKey }));
    expect(reported(first, '_kpi_runs').orphanFiles).toBe(0);
  }, 600_000);

  it('leaves every table reading the same rows, equal to the reference', async () => {
    expect(await allRows()).toEqual(rowsBefore);
    const reference = referenceKpis(landed.flat());
    for (const table of KPI) {
      const rows = await query(`SELECT * FROM ${QUERY_CATALOG}.${DB}.${table}`);
      expect(comparable(table, rows as KpiRow[]), table).toEqual(comparable(table, reference[table]));
    }
  }, 300_000);

  it('is harmless when run again: nothing to compact or expire, no new snapshot, the same rows', async () => {
    const snapshotsBefore = Object.fromEntries(await Promise.all(AGAIN.map(async (t) => [t, (await snapshotIds(t)).sort()] as const)));

    const second = await maintain(AGAIN);

    expect(second.failed).toEqual([]);
    expect(second.tables.map((t) => t.table)).toEqual(AGAIN);
    for (const table of AGAIN) {
      const t = reported(second, table);
      expect((await snapshotIds(table)).sort(), table).toEqual(snapshotsBefore[table]);
      expect([t.compaction?.rewrittenFiles, t.manifests?.rewritten, t.expiry?.deletedDataFiles, t.orphanFiles], table).toEqual([0, 0, 0, 0]);
      const files = reported(first, table).dataFiles!.after;
      expect(t.dataFiles, table).toEqual({ before: files, after: files });
    }
    expect(await allRows()).toEqual(rowsBefore);
  }, 600_000);
});
