import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetDatabaseCommand } from '@aws-sdk/client-glue';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { QUERY_CATALOG, ResourceNames } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { KPI_TABLES } from '../../src/kpis/catalog';
import { land } from '../../src/landing/worker';
import { bootstrapLocalResources, emulatorClients, isNotFound } from '../../src/local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../../src/local/kpi-runner';
import { localPaths } from '../../src/local/paths';
import { StackEndpoints, requireRunningStack } from '../../src/local/stack';
import { LocalRunReport } from '../../src/pipeline/local-run';
import { windowOf } from '../../src/pipeline/shared-stages';
import { ReplayResult, replay } from '../../src/replay/replayer';
import { generatorSource } from '../../src/replay/sources';
import { ValidationReport, failingChecks } from '../../src/validation/report';
import { loadRunScope } from '../../src/validation/run-scope';
import { checkedTablesOf, runValidation } from '../../src/validation/runner';
import { tableAtVersion } from '../../src/validation/sql';
import { parseJsonOutput, runCli } from '../support/cli';

/**
 * Several environments on one embedded stack, with real Spark and Trino: each has its own stream,
 * buckets and Glue database (from the naming module), so events and tables never mix, and one can
 * be destroyed without touching the others. Lean on purpose: two whole runs in turn through the
 * command line, then an interleaved sequence through the library on the same stack.
 */
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-environments-test-'));
const env = { CLICKSTREAM_STATE_DIR: stateDir };
const reportDir = path.join(stateDir, 'reports');
const GENERATOR = { records: 3000, days: 2, sensors: 40, duplicateRate: 0.02, malformedRate: 0.01 };
const names = (environment: string): ResourceNames => loadConfig({ target: 'local', environment }).names;

let previousStateDir: string | undefined;
let endpoints: StackEndpoints;
let trino: TrinoEngine;

beforeAll(() => {
  // The library calls below find the stack the command line starts through the same state folder.
  previousStateDir = process.env.CLICKSTREAM_STATE_DIR;
  process.env.CLICKSTREAM_STATE_DIR = stateDir;
});

afterAll(async () => {
  await runCli(['down'], env);
  if (previousStateDir === undefined) delete process.env.CLICKSTREAM_STATE_DIR;
  else process.env.CLICKSTREAM_STATE_DIR = previousStateDir;
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
  const runs: Record<string, LocalRunReport> = {};

  it('in turn: pr-1 and pr-2, with different seeds, each run end to end and validate exactly, in their own names', async () => {
    for (const [environment, seed] of [['pr-1', 1], ['pr-2', 2]] as const) {
      const result = await runCli([
        'run', '--environment', environment, '--seed', String(seed), '--records', String(GENERATOR.records), '--days', String(GENERATOR.days),
        '--sensors', String(GENERATOR.sensors), '--keep', '--json', '--report-dir', path.join(reportDir, environment),
      ], env);
      expect(result.code, result.stderr.slice(-4000)).toBe(0);
      const report = parseJsonOutput<LocalRunReport>(result);
      expect(report.outcome, environment).toBe('succeeded');
      expect(report.validation!.summary.failedErrors, environment).toBe(0);
      expect(exactChecks(report.validation!).length, `${environment}: exact expectations from the replay`).toBeGreaterThan(0);
      expect(exactChecks(report.validation!).every((c) => c.passed)).toBe(true);
      expect(report.validation!.database).toBe(`analytics_${environment.replace('-', '_')}`);
      expect(report.reconciliation!.reconciled, environment).toBe(true);
      runs[environment] = report;
    }
    endpoints = await requireRunningStack({ paths: localPaths() });
    trino = new TrinoEngine({ endpoint: endpoints.trino });
    // Each environment's tables count its own events, not the other's (different seeds, different totals).
    const [one, two] = [runs['pr-1'], runs['pr-2']];
    expect(one.reconciliation!.distinctValidEvents).not.toBe(two.reconciliation!.distinctValidEvents);
    expect(await countedEvents('pr-1', one.window!)).toBe(one.reconciliation!.distinctValidEvents);
    expect(await countedEvents('pr-2', two.window!)).toBe(two.reconciliation!.distinctValidEvents);
  }, 900_000);

  const replayed: Record<string, ReplayResult> = {};
  const kpis: Record<string, KpiRunResult> = {};

  it('interleaved: replay pr-3, replay pr-4, land both, KPIs of pr-3, KPIs of pr-4, then both validate exactly', async () => {
    const clients = emulatorClients(endpoints.aws);
    const environments = [['pr-3', 3], ['pr-4', 4]] as const;
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
        paths: localPaths(), awsEndpoint: endpoints.aws, names: names(environment), window: windowOf(replayed[environment]),
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
    expect(replayed['pr-3'].manifest.counts.distinctValidUuids).not.toBe(replayed['pr-4'].manifest.counts.distinctValidUuids);
  }, 900_000);

  it('publish --environment pr-4 publishes pr-4\'s validated run into its main, and leaves pr-3\'s run unpublished', async () => {
    const run = await loadRunScope(trino, QUERY_CATALOG, names('pr-4').glueDatabase, { runId: kpis['pr-4'].runId });
    const branchRows = await tableRows('pr-4', run!.versions);
    const published = await runCli(['publish', '--environment', 'pr-4', '--json'], env);
    expect(published.code, published.stderr).toBe(0);
    const result = parseJsonOutput<{ runId: string; published: Array<{ table: string }> }>(published);
    expect(result.runId).toBe(kpis['pr-4'].runId);
    expect(result.published.length).toBeGreaterThan(0);
    // Readers of pr-4's main now see the run's rows; pr-3's run still waits on its audit branch.
    expect(await tableRows('pr-4')).toEqual(branchRows);
    const pending = await loadRunScope(trino, QUERY_CATALOG, names('pr-3').glueDatabase);
    expect(pending?.runId).toBe(kpis['pr-3'].runId);
    expect(pending?.branch).toBeDefined();
  }, 300_000);

  it('destroying pr-3 removes its stream, buckets and database, leaves pr-4, pr-1 and pr-2 intact, and is harmless twice', async () => {
    const before = { 'pr-4': await tableRows('pr-4'), 'pr-1': await tableRows('pr-1'), 'pr-2': await tableRows('pr-2') };
    expect(Object.values(before['pr-4']).every((n) => n > 0)).toBe(true);

    const destroyed = await runCli(['destroy', '--environment', 'pr-3', '--json'], env);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    const result = parseJsonOutput<{ environment: string; removed: string[]; absent: string[] }>(destroyed);
    const n = names('pr-3');
    expect(result.environment).toBe('pr-3');
    expect(result.removed.map((r) => r.replace(/ \(.*\)$/, ''))).toEqual([
      `kinesis stream ${n.streamName}`,
      ...[n.bronzeBucket, n.warehouseBucket, n.scriptsBucket, n.logsBucket, n.athenaResultsBucket].map((b) => `s3://${b}`),
      `glue database ${n.glueDatabase}`,
    ]);
    expect(result.removed.find((r) => r.startsWith('glue database'))).toContain('sensor_health');
    expect(result.absent).toEqual([]);

    // Gone, as the emulator answers: no database, no buckets, no stream.
    const clients = emulatorClients(endpoints.aws);
    const missing = async (call: () => Promise<unknown>) => call().then(() => false, (e: unknown) => isNotFound(e));
    expect(await missing(() => clients.glue.send(new GetDatabaseCommand({ Name: n.glueDatabase })))).toBe(true);
    expect(await missing(() => clients.s3.send(new HeadBucketCommand({ Bucket: n.warehouseBucket })))).toBe(true);
    expect(await missing(() => clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: n.streamName })))).toBe(true);

    // The others' tables hold exactly what they held.
    expect({ 'pr-4': await tableRows('pr-4'), 'pr-1': await tableRows('pr-1'), 'pr-2': await tableRows('pr-2') }).toEqual(before);

    const again = await runCli(['destroy', '--environment', 'pr-3', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const second = parseJsonOutput<{ removed: string[]; absent: string[] }>(again);
    expect(second.removed).toEqual([]);
    expect(second.absent).toHaveLength(7);
  }, 300_000);
});
