import * as fs from 'node:fs';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKpiTables, expectedKpiRows, fixtureEvents, fixtureExpectations, writeBronze } from './fixture';
import { asAthenaResultSet, RecordedQuery, recordingEngine } from './recording-engine';
import { AthenaEngine } from '../../src/engines/athena';
import { QueryParameter } from '../../src/engines/query-engine';
import { renderParameters } from '../../src/engines/sql-literals';
import { TrinoEngine } from '../../src/engines/trino';
import { Sql, joinSql, literal, sql } from '../../src/sql/statement';
import { brokenRuleSql } from '../../src/validation/bronze';
import { runValidation } from '../../src/validation/runner';
import { ValidationReport } from '../../src/validation/validation-report';
import { validityCorpus } from '../events/validity-corpus';
import { parseJsonOutput, runCli } from '../support/cli';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

// An environment of its own on the suite's stack: the test never touches one the developer is running.
let stack: TestEnvironment | undefined;
let stateDir: string;
let env: Readonly<Record<string, string>>;
const events = fixtureEvents();
const expectations = fixtureExpectations(events);
let manifestFile: string;
let trino: TrinoEngine;
let passedOnTrino: { calls: RecordedQuery[]; report: ValidationReport } | undefined;

beforeAll(async () => {
  stack = await testEnvironment('validation');
  ({ work: stateDir, cliEnv: env, trino } = stack);
  manifestFile = path.join(stateDir, 'manifest.json');
  // The fixture's library calls (loadConfig) name the same environment as the commands.
  Object.assign(process.env, env);
  await writeBronze(stack.aws, events);
  await createKpiTables(trino, expectedKpiRows(events));
  fs.writeFileSync(manifestFile, JSON.stringify(expectations));
});

afterAll(() => endTestEnvironment(stack));

/** The test environment's database and raw table, where the fixture wrote. */
const where = () => ({ database: stack!.names.glueDatabase, rawTable: stack!.names.rawTable });

const failures = (report: ValidationReport) => report.checks.filter((c) => !c.passed).map((c) => `${c.table} ${c.check}: ${c.observed}`);

describe('the check suite on a local Trino', () => {
  it('passes every check on consistent tables, the manifest\'s exact values included', async () => {
    const engine = recordingEngine(trino);

    const report = await runValidation(engine, { expectations, ...where() });

    expect(failures(report)).toEqual([]);
    expect(report.window.description).toBe('2026-11-01..2026-11-03');
    // One query for the columns, one read of bronze for the five daily tables, one per table.
    expect(report.queries.map((q) => q.subject)).toEqual(['information_schema', 'bronze', ...report.tables]);
    expect(engine.calls.filter((call) => call.sql.includes('clickstream_raw'))).toHaveLength(1);
    const checksOf = (table: string) => report.checks.filter((c) => c.table === table).map((c) => c.check);
    expect(checksOf('event_geo_kpis_events')).toEqual([
      'columns', 'no-extra-columns', 'rows-present', 'empty-days', 'days-covered', 'keys-not-null', 'unique-grain', 'event-count-positive',
      'matches-bronze', 'expected-values', 'expected-day-totals', 'fresh',
    ]);
    expect(checksOf('sensor_health')).toContain('expected-values');
    // The bronze reconciliation saw the de-duplicated valid events only: 36 of the 40 rows landed.
    expect(report.checks.find((c) => c.table === 'event_geo_kpis_events' && c.check === 'matches-bronze')!.observed)
      .toBe('6 rows compared, all equal; event_count total 36 vs bronze 36');
    passedOnTrino = { calls: engine.calls, report };
  }, 180_000);

  it('sends Athena exactly the SQL and parameters that passed on Trino, and reaches the same verdicts', async () => {
    expect(passedOnTrino, 'needs the passing Trino run').toBeDefined();
    const { calls, report: trinoReport } = passedOnTrino!;
    const client = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const athena = mockClient(client);
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q${athena.commandCalls(StartQueryExecutionCommand).length - 1}` }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      const { ColumnInfo, Rows } = asAthenaResultSet(calls[Number(input.QueryExecutionId.slice(1))].result);
      return { ResultSet: { ResultSetMetadata: { ColumnInfo }, Rows } };
    });

    const athenaReport = await runValidation(new AthenaEngine({ client, workGroup: 'clickstream-dev-kpis', sleep: async () => {} }), { expectations, ...where() });

    const sent = athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
    expect(sent.map((input) => input.QueryString)).toEqual(calls.map((call) => call.sql));
    // A statement without parameters (values outside WHERE are literals) is sent without the field: Athena refuses an empty list.
    const parameters = calls.map((call) => (call.params.length > 0 ? renderParameters(call.params) : undefined));
    expect(sent.map((input) => input.ExecutionParameters)).toEqual(parameters);
    expect(calls.some((call) => call.params.length === 0) && calls.some((call) => call.params.length > 0)).toBe(true);
    expect(athenaReport.checks).toEqual(trinoReport.checks);
  });

  it('clickstream validate passes with the manifest and writes the report; clickstream query prints rows', async () => {
    const reportDir = path.join(stateDir, 'report');

    const validate = await runCli(['validate', '--manifest', manifestFile, '--report-dir', reportDir], env);

    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/Passed: 86\/86 checks on trino, 2026-11-01\.\.2026-11-03\.\n$/);
    expect(validate.stdout).toMatch(/pass +sensor_health +faulty-pct-range +0 rows breaking it \(min 0, max 55\.56\)/);
    const written = JSON.parse(fs.readFileSync(path.join(reportDir, 'validation-report.json'), 'utf8')) as ValidationReport;
    expect(written.summary).toEqual({ checks: 86, passed: 86, failedErrors: 0, failedWarnings: 0 });
    expect(fs.readFileSync(path.join(reportDir, 'validation-report.md'), 'utf8')).toContain(':white_check_mark: **all checks passed**: 86/86 checks passed on trino');

    const query = await runCli(['query', '--json', 'SELECT status, sensor_count FROM status_health ORDER BY status'], env);
    expect(query.code, query.stderr).toBe(0);
    expect(parseJsonOutput<{ rows: unknown[] }>(query).rows).toEqual([
      { status: 'active', sensor_count: 2 }, { status: 'faulty', sensor_count: 1 }, { status: 'inactive', sensor_count: 1 },
    ]);
  }, 120_000);

  it('fails exactly the checks each corruption breaks, showing the observed value', async () => {
    for (const statement of [
      'INSERT INTO event_geo_kpis_faulty_geo SELECT * FROM event_geo_kpis_faulty_geo',
      'UPDATE sensor_health SET faulty_pct = 140 WHERE sensor_id = 2',
      "DELETE FROM temp_humidity_kpis WHERE day = DATE '2026-11-02'",
      "UPDATE event_geo_kpis_events SET event_count = event_count + 1 WHERE day = DATE '2026-11-01' AND event_type = 'sensor_reading'",
    ]) await trino.query(statement);

    const report = await runValidation(trino, { window: { fromDate: '2026-11-01', toDate: '2026-11-03' }, ...where() });

    expect(failures(report)).toEqual([
      'sensor_health faulty-pct-range: 1 row breaking it (min 0, max 140)',
      'sensor_health faulty-pct-consistent: 1 row breaking it',
      'temp_humidity_kpis days-covered: 1 day without rows: 2026-11-02',
      'event_geo_kpis_events matches-bronze: 1 of 6 rows differ (0 missing, 0 unexpected); event_count total 37 vs bronze 36; ' +
        'e.g. day=2026-11-01, event_type=sensor_reading: event_count 11 vs bronze 10',
      'event_geo_kpis_faulty_geo unique-grain: 1 duplicate row, e.g. latitude=48.8566, longitude=2.3522',
    ]);
    expect(report.summary.failedErrors).toBe(5);
  }, 120_000);

  it('clickstream validate exits 1 on the corrupted tables, the manifest\'s values failing too', async () => {
    const result = await runCli(['validate', '--json', '--manifest', manifestFile, '--tables', 'event_geo_kpis_events,status_health'], env);

    expect(result.code).toBe(1);
    const report = parseJsonOutput<ValidationReport>(result);
    expect(report.tables).toEqual(['event_geo_kpis_events', 'status_health']);
    expect(report.checks.filter((c) => !c.passed).map((c) => `${c.table} ${c.check}`)).toEqual([
      'event_geo_kpis_events matches-bronze',
      'event_geo_kpis_events expected-values',
      'event_geo_kpis_events expected-day-totals',
    ]);
    expect(report.checks.find((c) => c.check === 'expected-day-totals')!.observed).toContain('e.g. day=2026-11-01: event_count 13 vs expected 12');
  }, 120_000);

  it('blames each case of the validity corpus by the rule the reference and the Spark jobs blame', async () => {
    const corpus = validityCorpus();
    // Non-finite doubles have no literal: Trino's functions stand for them.
    const value = (v: unknown, type: string): Sql => {
      if (v === null || v === undefined) return new Sql(`CAST(NULL AS ${type})`, []);
      if (typeof v === 'number' && Number.isNaN(v)) return new Sql('nan()', []);
      if (v === Number.POSITIVE_INFINITY) return new Sql('infinity()', []);
      if (v === Number.NEGATIVE_INFINITY) return new Sql('-infinity()', []);
      return sql`CAST(${literal(v as QueryParameter)} AS ${new Sql(type, [])})`;
    };
    const rows = corpus.map((c, i) => {
      const e = c.event;
      const location = e.location
        ? sql`CAST(ROW(${value(e.location.latitude, 'double')}, ${value(e.location.longitude, 'double')}) AS row(latitude double, longitude double))`
        : new Sql('CAST(NULL AS row(latitude double, longitude double))', []);
      const [sensor, temperature, humidity] = [value(e.sensor_id, 'integer'), value(e.temperature, 'double'), value(e.humidity, 'double')];
      const [status, eventType, timestamp, uuid] = [value(e.status, 'varchar'), value(e.event_type, 'varchar'), value(e.timestamp, 'bigint'), value(e.uuid, 'varchar')];
      return sql`(${literal(i)}, ${sensor}, ${temperature}, ${humidity}, ${location}, ${status}, ${eventType}, ${timestamp}, ${uuid})`;
    });
    const query = sql`SELECT n, ${brokenRuleSql()} AS rule
FROM (VALUES ${joinSql(rows, ', ')}) AS t (n, sensor_id, temperature, humidity, location, status, event_type, "timestamp", uuid)
ORDER BY n`;

    const result = await trino.query(query.text, query.params);

    expect(result.rows.map((r) => [corpus[Number(r.n)].name, r.rule])).toEqual(corpus.map((c) => [c.name, c.rule]));
  }, 120_000);
});
