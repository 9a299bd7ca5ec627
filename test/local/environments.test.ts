import * as path from 'node:path';
import { GetDatabaseCommand } from '@aws-sdk/client-glue';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { QUERY_CATALOG, ResourceNames } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { KPI_TABLES } from '../../src/kpis/catalog';
import { windowScope } from '../../src/kpis/day-window';
import { land } from '../../src/landing/worker';
import { bootstrapLocalResources, isNotFound } from '../../src/local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../../src/local/kpi-runner';
import { LocalRunReport } from '../../src/pipeline/run-report';
import { windowOf } from '../../src/pipeline/shared-stages';
import { ReplayResult, replay } from '../../src/replay/replayer';
import { generatorSource } from '../../src/replay/sources';
import { tableAtVersion } from '../../src/sql/statement';
import { loadRunScope } from '../../src/validation/run-scope';
import { checkedTablesOf, runValidation } from '../../src/validation/runner';
import { ValidationReport, failingChecks } from '../../src/validation/validation-report';
import { parseJsonOutput, runCli } from '../support/cli';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

/**
 * Several environments on one embedded stack (the suite's), with real Spark and Trino: each has its
 * own stream, buckets and Glue database (from the naming module), so events and tables never mix,
 * and one can be destroyed without touching the others. Lean on purpose: one whole run through the
 * command line, then an interleaved sequence of two more environments through the library.
 */
const GENERATOR = { records: 3000, days: 2, sensors: 40, duplicateRate: 0.02, malformedRate: 0.01 };
const names = (environment: string): ResourceNames => loadConfig({ target: 'local', environment }).names;

/** Three environments of the suite's stack: one run whole by the command line, two interleaved. */
let whole: TestEnvironment;
let first: TestEnvironment;
let second: TestEnvironment;
let trino: TrinoEngine;

beforeAll(async () => {
  whole = await testEnvironment('environments');
  first = await testEnvironment('environments');
  second = await testEnvironment('environments');
  trino = whole.trino;
});

afterAll(() => {
  for (const env of [whole, first, second]) endTestEnvironment(env);
});

/** Rows of every KPI table of an environment, read at the given table versions (else main). */
async function tableRows(environment: string, versions?: Readonly<Record<string, string | undefined>>): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const table of Object.keys(KPI_TABLES)) {
    const from = tableAtVersion(QUERY_CATALOG, names(environment).glueDatabase, table, versions?.[table]).text;
    rows[table] = Number((await trino.query(`SELECT count(*) AS n FROM ${from}`)).rows[0].n);
  }
  return rows;
}

/** The events the tables count over a replay's days: what its manifest says it delivered. */
async function countedEvents(environment: string, replayed: { fromDate: string; toDate: string }, version?: string): Promise<number> {
  const from = tableAtVersion(QUERY_CATALOG, names(environment).glueDatabase, 'event_geo_kpis_events', version).text;
  return Number((await trino.query(`SELECT coalesce(sum(event_count), 0) AS n FROM ${from} WHERE day BETWEEN DATE '${replayed.fromDate}' AND DATE '${replayed.toDate}'`)).rows[0].n);
}

const exactChecks = (report: ValidationReport) => report.checks.filter((c) => c.check === 'expected-day-totals');

describe('environments on one embedded stack', () => {
  let wholeRun: LocalRunReport;

  /** `clickstream run` of the generated events into the whole-run environment, with the reports in `reportDir` of its scratch folder. */
  const wholeRunCli = (seed: number, reportDir: string) => runCli([
    'run', '--environment', whole.environment, '--seed', String(seed), '--records', String(GENERATOR.records), '--days', String(GENERATOR.days),
    '--sensors', String(GENERATOR.sensors), '--json', '--report-dir', path.join(whole.work, reportDir),
  ], whole.cliEnv);

  it('a whole run through the command line validates exactly, in its environment\'s own names', async () => {
    const result = await wholeRunCli(1, 'reports');
    expect(result.code, result.stderr.slice(-4000)).toBe(0);
    wholeRun = parseJsonOutput<LocalRunReport>(result);
    expect(wholeRun.outcome).toBe('succeeded');
    expect(wholeRun.validation!.summary.failedErrors).toBe(0);
    expect(exactChecks(wholeRun.validation!).length, 'exact expectations from the replay').toBeGreaterThan(0);
    expect(exactChecks(wholeRun.validation!).every((c) => c.passed)).toBe(true);
    expect(wholeRun.validation!.database).toBe(whole.names.glueDatabase);
    expect(wholeRun.reconciliation!.reconciled).toBe(true);
    expect(await countedEvents(whole.environment, wholeRun.window!)).toBe(wholeRun.reconciliation!.distinctValidEvents);
  }, 900_000);

  it('a second run with other events into the same environment validates too: the tables also count the first run\'s events, so its exact totals are not compared, and it says so', async () => {
    const result = await wholeRunCli(2, 'reports-2');
    expect(result.code, result.stderr.slice(-4000)).toBe(0);
    const again = parseJsonOutput<LocalRunReport>(result);
    expect(again.outcome).toBe('succeeded');
    expect(result.stderr).toContain('already holds landed events');
    expect(exactChecks(again.validation!)).toEqual([]);
    expect(again.validation!.checks.find((c) => c.check === 'expected-values')?.observed).toMatch(/^not compared: the environment's bronze held landed events/);
    // The tables count both runs' events on the days they share: more than this run sent.
    expect(await countedEvents(whole.environment, again.window!)).toBeGreaterThan(again.reconciliation!.distinctValidEvents);
    expect(again.reconciliation!.reconciled).toBeUndefined();
  }, 900_000);

  const replayed: Record<string, ReplayResult> = {};
  const kpis: Record<string, KpiRunResult> = {};

  it('interleaved: replay one, replay another, land both, KPIs of each, then both validate exactly, each counting its own events', async () => {
    const clients = whole.clients;
    const environments = [[first.environment, 3], [second.environment, 4]] as const;
    for (const [environment] of environments) await bootstrapLocalResources(clients, names(environment));
    for (const [environment, seed] of environments) {
      replayed[environment] = await replay({
        kinesis: clients.kinesis,
        streamName: names(environment).streamName,
        rate: 'unlimited',
        shiftToNow: true,
        source: generatorSource({
          count: GENERATOR.records,
          seed,
          days: GENERATOR.days,
          sensors: GENERATOR.sensors,
          duplicateRate: GENERATOR.duplicateRate,
          malformedRate: GENERATOR.malformedRate,
        }),
      });
      expect(replayed[environment].failed).toBe(0);
    }
    for (const [environment] of environments) {
      const n = names(environment);
      const landed = await land({
        kinesis: clients.kinesis,
        s3: clients.s3,
        streamName: n.streamName,
        bucket: n.bronzeBucket,
        deliveryStreamName: n.deliveryStreamName,
        table: { databaseName: n.glueDatabase, tableName: n.rawTable, region: loadConfig({ target: 'local' }).region },
      });
      // Each stream held its own replay only.
      expect(landed.read, environment).toBe(replayed[environment].sent);
    }
    for (const [environment] of environments) {
      kpis[environment] = await runKpisLocally({
        paths: whole.paths, awsEndpoint: whole.aws, names: names(environment), scope: windowScope(windowOf(replayed[environment])),
      });
    }
    for (const [environment] of environments) {
      const n = names(environment);
      const window = windowOf(replayed[environment])!;
      const run = await loadRunScope(trino, QUERY_CATALOG, n.glueDatabase, { runId: kpis[environment].runId });
      const report = await runValidation(trino, {
        tables: checkedTablesOf(),
        window,
        run,
        database: n.glueDatabase,
        rawTable: n.rawTable,
        expectations: { days: replayed[environment].manifest.days, latestDay: window.toDate },
      });
      const failed = failingChecks(report).map((c) => `${c.table} ${c.check}: ${c.observed}`);
      expect(failed, environment).toEqual([]);
      expect(exactChecks(report).length, `${environment}: exact expectations from the replay`).toBeGreaterThan(0);
      const counted = await countedEvents(environment, window, run!.versions.event_geo_kpis_events);
      expect(counted, environment).toBe(replayed[environment].manifest.counts.distinctValidUuids);
    }
    // Different seeds, different totals: neither environment's tables could pass with the other's events.
    expect(replayed[first.environment].manifest.counts.distinctValidUuids).not.toBe(replayed[second.environment].manifest.counts.distinctValidUuids);
  }, 900_000);

  it('publish --environment publishes that environment\'s validated run into its main, and leaves the other\'s run unpublished', async () => {
    const run = await loadRunScope(trino, QUERY_CATALOG, second.names.glueDatabase, { runId: kpis[second.environment].runId });
    const branchRows = await tableRows(second.environment, run!.versions);
    const published = await runCli(['publish', '--environment', second.environment, '--json'], whole.cliEnv);
    expect(published.code, published.stderr).toBe(0);
    const result = parseJsonOutput<{ runId: string; published: Array<{ table: string }> }>(published);
    expect(result.runId).toBe(kpis[second.environment].runId);
    expect(result.published.length).toBeGreaterThan(0);
    // Readers of its main now see the run's rows; the other's run still waits on its audit branch.
    expect(await tableRows(second.environment)).toEqual(branchRows);
    const pending = await loadRunScope(trino, QUERY_CATALOG, first.names.glueDatabase);
    expect(pending?.runId).toBe(kpis[first.environment].runId);
    expect(pending?.branch).toBeDefined();
  }, 300_000);

  it('destroying one environment removes its stream, buckets and database, leaves the others intact, and is harmless twice', async () => {
    const intact = async () => ({
      [second.environment]: await tableRows(second.environment),
      [whole.environment]: await tableRows(whole.environment),
    });
    const before = await intact();
    expect(Object.values(before[second.environment]).every((n) => n > 0)).toBe(true);

    const destroyed = await runCli(['destroy', '--environment', first.environment, '--json'], whole.cliEnv);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    const result = parseJsonOutput<{ environment: string; removed: string[]; absent: string[] }>(destroyed);
    const n = first.names;
    expect(result.environment).toBe(first.environment);
    expect(result.removed.map((r) => r.replace(/ \(.*\)$/, ''))).toEqual([
      `kinesis stream ${n.streamName}`,
      ...[n.bronzeBucket, n.warehouseBucket, n.scriptsBucket, n.logsBucket, n.athenaResultsBucket].map((b) => `s3://${b}`),
      `glue database ${n.glueDatabase}`,
    ]);
    expect(result.removed.find((r) => r.startsWith('glue database'))).toContain('sensor_health');
    expect(result.absent).toEqual([]);

    // Gone, as the emulator answers: no database, no buckets, no stream.
    const clients = whole.clients;
    const missing = async (call: () => Promise<unknown>) => call().then(() => false, (e: unknown) => isNotFound(e));
    expect(await missing(() => clients.glue.send(new GetDatabaseCommand({ Name: n.glueDatabase })))).toBe(true);
    expect(await missing(() => clients.s3.send(new HeadBucketCommand({ Bucket: n.warehouseBucket })))).toBe(true);
    expect(await missing(() => clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: n.streamName })))).toBe(true);

    // The others' tables hold exactly what they held.
    expect(await intact()).toEqual(before);

    const again = await runCli(['destroy', '--environment', first.environment, '--json'], whole.cliEnv);
    expect(again.code, again.stderr).toBe(0);
    const twice = parseJsonOutput<{ removed: string[]; absent: string[] }>(again);
    expect(twice.removed).toEqual([]);
    expect(twice.absent).toHaveLength(7);
  }, 300_000);
});
