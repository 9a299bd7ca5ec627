import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBronze } from './support/bronze';
import { LandedEvent, generateLandedEvents } from './support/events';
import { QUERY_CATALOG, ResourceNames } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { KPI_TABLES, KpiTableName } from '../../src/kpis/catalog';
import { PublishRefusedError } from '../../src/kpis/publication';
import { KpiRow, comparableRows, referenceKpis } from '../../src/kpis/reference';
import { EmulatorClients } from '../../src/local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../../src/local/kpi-runner';
import { LocalPaths } from '../../src/local/paths';
import { publishRunLocally } from '../../src/local/publish-runner';
import { runSparkJob } from '../../src/local/spark-job';
import { localSparkSubmit } from '../../src/local/spark-submit';
import { findJavaHome } from '../../src/local/toolchain';
import { RUN_TABLES, loadRunScope } from '../../src/validation/run-scope';
import { runValidation } from '../../src/validation/runner';
import { ValidationReport, failingChecks } from '../../src/validation/validation-report';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

/**
 * Write-audit-publish on the embedded stack with real Spark, Iceberg and Trino: a KPI run writes
 * every table to its branch, validation reads the branch, and only a run that passed reaches main.
 */

/** The test's own environment on the suite's stack (set in beforeAll). */
let names: ResourceNames;
const TABLES = Object.keys(KPI_TABLES) as KpiTableName[];
const landed = generateLandedEvents({ firstDay: '2026-04-01', days: 3, eventsPerDay: 120, seed: 11 });
const firstBatch = landed.filter((l) => l.arrival.toISOString() < '2026-04-03');
const secondBatch = landed.filter((l) => l.arrival.toISOString() >= '2026-04-03');

describe('write-audit-publish', () => {
  let stack: TestEnvironment | undefined;
  let work: string;
  let paths: LocalPaths;
  let aws: string;
  let trino: TrinoEngine;
  let clients: EmulatorClients;

  beforeAll(async () => {
    stack = await testEnvironment('wap');
    names = stack.names;
    ({ work, paths, aws, trino, clients } = stack);
    await writeBronze(clients.s3, names.bronzeBucket, firstBatch, path.join(work, 'bronze'), 'first');
  });

  afterAll(() => endTestEnvironment(stack));

  const kpis = (asOf: string): Promise<KpiRunResult> => runKpisLocally({ paths, awsEndpoint: aws, names, run: { asOf: new Date(asOf) } });
  const validate = async (runId: string): Promise<ValidationReport> => {
    const run = await loadRunScope(trino, QUERY_CATALOG, names.glueDatabase, { runId });
    return runValidation(trino, { run, database: names.glueDatabase, rawTable: names.rawTable });
  };
  const publish = (runId: string, signal?: AbortSignal, log?: (line: string) => void) =>
    publishRunLocally({ paths, awsEndpoint: aws, names, runId, signal, log });

  /** Every table's branches and the snapshot each points at. */
  async function refs(): Promise<Record<string, Record<string, string>>> {
    const result: Record<string, Record<string, string>> = {};
    for (const table of RUN_TABLES) {
      const rows = (await trino.query(`SELECT name, CAST(snapshot_id AS varchar) AS id FROM ${QUERY_CATALOG}.${names.glueDatabase}."${table}$refs"`)).rows;
      result[table] = Object.fromEntries(rows.map((r) => [String(r.name), String(r.id)]));
    }
    return result;
  }
  const mainOf = (all: Record<string, Record<string, string>>) => Object.fromEntries(Object.entries(all).map(([t, r]) => [t, r.main]));

  async function mainTables(): Promise<Record<KpiTableName, KpiRow[]>> {
    const result = {} as Record<KpiTableName, KpiRow[]>;
    for (const table of TABLES) {
      result[table] = comparableRows(table, (await trino.query(`SELECT * FROM ${QUERY_CATALOG}.${names.glueDatabase}.${table}`)).rows as KpiRow[]);
    }
    return result;
  }
  const expected = (rows: readonly LandedEvent[]) => Object.fromEntries(Object.entries(referenceKpis(rows.map((l) => l.event)))
    .map(([t, r]) => [t, comparableRows(t as KpiTableName, r)]));

  it('publishes a run that passed: main of every table holds it and its branch is gone', async () => {
    // After the first batch's last arrival hour (18:00) and before the second's first (00:00).
    const run = await kpis('2026-04-02T23:00:00Z');
    expect((await validate(run.runId)).summary.failedErrors).toBe(0);

    const published = await publish(run.runId);
    // A figure, not a check: publishing is metadata commits, so its time does not grow with the events.
    console.log(`publish: ${published.published.length} tables in ${published.seconds} s (PyIceberg, no Spark)`);

    expect(published.published.map((p) => p.table)).toEqual(expect.arrayContaining([...TABLES, '_kpi_runs', '_valid_events']));
    expect(published.published[published.published.length - 1].table).toBe('_kpi_runs');
    const after = await refs();
    for (const p of published.published) expect(after[p.table], p.table).toEqual({ main: p.snapshot });
    expect(await mainTables()).toEqual(expected(firstBatch));
  }, 400_000);

  it('holds back a run that failed validation: main unchanged and readable, the branch kept, publishing refused naming the checks', async () => {
    await writeBronze(clients.s3, names.bronzeBucket, secondBatch, path.join(work, 'bronze'), 'second');
    const run = await kpis('2026-04-05T03:30:00Z');
    const before = await refs();
    // A broken job: a duplicate row on the run's branch of one table.
    const command = localSparkSubmit({
      paths,
      java17Home: findJavaHome(17, true)!,
      awsEndpoint: aws,
      warehouse: names.warehouseUri,
      script: path.join(paths.root, 'test', 'kpis', 'corrupt_branch.py'),
      args: [names.glueDatabase, 'event_geo_kpis_faulty_geo', run.branch],
    });
    await runSparkJob(command, { logFile: path.join(work, 'corrupt.log'), server: stack!.spark });

    const report = await validate(run.runId);

    expect(failingChecks(report).map((c) => `${c.table} ${c.check}`)).toEqual(['event_geo_kpis_faulty_geo unique-grain']);
    const after = await refs();
    expect(mainOf(after)).toEqual(mainOf(before));
    expect(after.event_geo_kpis_faulty_geo[run.branch]).toBeDefined();
    expect(await mainTables()).toEqual(expected(firstBatch));
    await expect(publish(run.runId)).rejects.toThrow(PublishRefusedError);
    await expect(publish(run.runId)).rejects.toThrow(/failed validation \(1 of \d+ checks on trino\): event_geo_kpis_faulty_geo unique-grain/);
    expect(mainOf(await refs())).toEqual(mainOf(before));
  }, 600_000);

  it('finishes a publish stopped between tables on the next call, and refuses a second run cut from the same main', async () => {
    // Both runs start from what main holds (the held-back run's rows are not there), so both recompute the same days.
    const first = await kpis('2026-04-05T04:30:00Z');
    const second = await kpis('2026-04-05T04:35:00Z');
    expect(second.recomputedDays).toEqual(first.recomputedDays);
    expect((await validate(first.runId)).summary.failedErrors).toBe(0);
    expect((await validate(second.runId)).summary.failedErrors).toBe(0);

    const controller = new AbortController();
    await expect(publish(first.runId, controller.signal, (line) => { if (line.startsWith('publish: published ')) controller.abort('test'); }))
      .rejects.toThrow('was stopped');
    const halfway = await refs();
    expect(halfway._kpi_runs[`audit_${first.runId}`], 'the ledger is published last').toBeDefined();

    const finished = await publish(first.runId);

    expect(finished.published.map((p) => p.table)).toContain('_kpi_runs');
    expect(Object.values(await refs()).every((r) => !(`audit_${first.runId}` in r))).toBe(true);
    // Two late events arrive at 06:00, after the run's as-of: the next night's run counts them.
    expect(await mainTables()).toEqual(expected(landed.filter((l) => l.arrival.toISOString() < '2026-04-05T04:30')));
    await expect(publish(second.runId)).rejects.toThrow(/main moved since run .* was cut \(another run published, or table maintenance committed to it\)/);
  }, 900_000);
});
