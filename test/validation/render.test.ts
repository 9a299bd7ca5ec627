import { describe, expect, it } from 'vitest';
import { GLUE_DATABASE } from '../../src/config/names';
import { athenaViolations } from '../../src/engines/athena-dialect';
import { QueryEngine, QueryParameter, QueryResult, sqlDate } from '../../src/engines/query-engine';
import { CHECKED_TABLES, KPI_TABLES } from '../../src/kpis/catalog';
import { windowFromOptions } from '../../src/kpis/day-window';
import { identifier } from '../../src/sql/statement';
import { parseExpectations } from '../../src/validation/expectations';
import { checkedTablesOf, renderSuite, parseTableList, runValidation } from '../../src/validation/runner';
import { SQL_TYPES } from '../../src/validation/schema-query';
import { reportFails, summarize } from '../../src/validation/validation-report';

const placeholders = (sql: string) => (sql.replace(/'(?:[^']|'')*'/g, '').match(/\?/g) ?? []).length;

describe('rendering the check suite', () => {
  it('renders one statement per table and one read of bronze, in Athena\'s dialect: values as WHERE parameters or quoted literals', () => {
    const hostile = "alert'); DROP TABLE sensor_health; --";
    const suite = renderSuite({
      window: { fromDate: '2026-11-01', toDate: '2026-11-07' },
      expectations: parseExpectations({ days: { '2026-11-02': { distinctEvents: 3, distinctByEventType: { [hostile]: 3 } } } }),
    });

    expect(suite.tableQueries.map((q) => q.table)).toEqual(checkedTablesOf());
    expect(checkedTablesOf().filter((t) => t in KPI_TABLES)).toEqual(Object.keys(KPI_TABLES));
    for (const query of [suite.schema, ...suite.tableQueries, ...suite.bronzePasses]) {
      expect(placeholders(query.sql)).toBe(query.params.length);
      expect(athenaViolations(query.sql, query.params)).toEqual([]);
      // A value is never spliced in unquoted: the hostile text appears only as a quoted literal.
      expect(query.sql.replaceAll(`'${hostile.replaceAll("'", "''")}'`, '')).not.toContain('DROP TABLE');
    }
    const events = suite.tableQueries.find((q) => q.table === 'event_geo_kpis_events')!;
    expect(events.params).toContainEqual(sqlDate('2026-11-01'));
    expect(events.params).toContainEqual(sqlDate('2026-11-07'));
    // The manifest's rows are a VALUES list, which takes no parameter on Athena: checked literals.
    expect(events.sql).toContain(`(DATE '2026-11-02', '${hostile.replaceAll("'", "''")}', 3)`);
    expect(events.sql).toContain(`FROM "awsdatacatalog"."${GLUE_DATABASE}"."event_geo_kpis_events"`);
    // Bronze is read by one statement, for every daily table; the table statements do not read it.
    const raw = `"awsdatacatalog"."${GLUE_DATABASE}"."clickstream_raw"`;
    expect(suite.bronzePasses).toHaveLength(1);
    expect(suite.bronzePasses[0].tables).toEqual(checkedTablesOf().filter((t) => !CHECKED_TABLES[t].allTime));
    expect(suite.bronzePasses[0].sql.split(raw)).toHaveLength(2);
    expect(suite.bronzePasses[0].params).toContainEqual(sqlDate('2026-11-01'));
    for (const query of suite.tableQueries) expect(query.sql, query.table).not.toContain('clickstream_raw');
  });

  it('asks the engine one query for all columns and one per table', async () => {
    const seen: Array<{ sql: string; params: readonly QueryParameter[] }> = [];
    const engine: QueryEngine = {
      name: 'fake',
      query: async (sql, params = []) => {
        seen.push({ sql, params });
        const rows = sql.includes('information_schema')
          ? Object.values(KPI_TABLES).flatMap((t) => t.columns.map((c) => ({ table_name: t.name, column_name: c.name, data_type: c.type === 'int' ? 'integer' : c.type === 'string' ? 'varchar' : c.type })))
          : [{ row_count: 1 }];
        return { queryId: `q${seen.length}`, columns: [], rows, durationMs: 1 } satisfies QueryResult;
      },
    };

    const report = await runValidation(engine, { tables: ['sensor_health', 'status_health'] });

    expect(seen).toHaveLength(3);
    expect(report.queries.map((q) => q.subject)).toEqual(['information_schema', 'sensor_health', 'status_health']);
    expect(report.checks.filter((c) => c.check === 'columns').every((c) => c.passed)).toBe(true);
  });

  it('fails a retyped column as an error and an extra column as a warning, which fails the run only with fail-on-warn', async () => {
    const columns = [
      { table_name: 'status_health', column_name: 'status', data_type: 'varchar' },
      { table_name: 'status_health', column_name: 'sensor_count', data_type: 'integer' },
      { table_name: 'event_geo_kpis_events', column_name: 'day', data_type: 'date' },
      { table_name: 'event_geo_kpis_events', column_name: 'event_type', data_type: 'varchar' },
      { table_name: 'event_geo_kpis_events', column_name: 'event_count', data_type: 'bigint' },
      { table_name: 'event_geo_kpis_events', column_name: 'note', data_type: 'varchar(20)' },
    ];
    const engine: QueryEngine = {
      name: 'fake',
      query: async (sql) => ({ queryId: 'q', columns: [], rows: sql.includes('information_schema') ? columns : [{ row_count: 1 }], durationMs: 1 }),
    };

    const report = await runValidation(engine, { tables: ['status_health', 'event_geo_kpis_events'], window: { fromDate: '2026-11-01', toDate: '2026-11-01' } });
    const schemaChecks = report.checks.filter((c) => c.check.includes('columns')).map((c) => [c.table, c.check, c.severity, c.passed, c.observed]);

    expect(schemaChecks).toEqual([
      ['status_health', 'columns', 'error', false, 'sensor_count is integer, event_count is missing'],
      ['status_health', 'no-extra-columns', 'warn', true, 'none'],
      ['event_geo_kpis_events', 'columns', 'error', true, 'every column with its type'],
      ['event_geo_kpis_events', 'no-extra-columns', 'warn', false, 'note varchar'],
    ]);
    const eventsOnly = { ...report, summary: summarize(report.checks.filter((c) => c.table === 'event_geo_kpis_events' && c.check.includes('columns'))) };
    expect(reportFails(eventsOnly)).toBe(false);
    expect(reportFails(eventsOnly, true)).toBe(true);
  });

  it('checks the daily tables that exist when another table of the same bronze pass is missing', async () => {
    const [present, missing] = ['event_geo_kpis_events', '_event_geo_kpis_faulty_geo_day_stats'] as const;
    // information_schema lists the columns of the table that exists only.
    const columns = CHECKED_TABLES[present].columns.map((c) => ({ table_name: present, column_name: c.name, data_type: SQL_TYPES[c.type] }));
    const statements: string[] = [];
    const engine: QueryEngine = {
      name: 'fake',
      query: async (sql) => {
        statements.push(sql);
        // A statement naming a table that does not exist fails as Trino fails it.
        if (!sql.includes('information_schema') && sql.includes(`"${missing}"`)) throw new Error(`line 1:1: Table 'iceberg.analytics.${missing}' does not exist`);
        return { queryId: 'q', columns: [], rows: sql.includes('information_schema') ? columns : [{}], durationMs: 1 };
      },
    };

    const report = await runValidation(engine, { tables: [present, missing], window: { fromDate: '2026-11-01', toDate: '2026-11-01' } });

    expect(statements.filter((s) => s.includes(`"${missing}"`) && !s.includes('information_schema'))).toEqual([]);
    expect(report.checks.filter((c) => c.check === 'query')).toEqual([]);
    expect(report.checks).toContainEqual(expect.objectContaining({ table: missing, check: 'columns', passed: false, observed: 'table not found' }));
    expect(report.checks.some((c) => c.table === present && c.check !== 'columns' && c.check !== 'no-extra-columns')).toBe(true);
  });

  it('reports a table that does not exist without querying it', async () => {
    const engine: QueryEngine = { name: 'fake', query: async () => ({ queryId: 'q', columns: [], rows: [], durationMs: 1 }) };

    const report = await runValidation(engine, { tables: ['status_health'] });

    expect(report.checks).toEqual([expect.objectContaining({ table: 'status_health', check: 'columns', passed: false, observed: 'table not found' })]);
    expect(report.summary.failedErrors).toBe(1);
  });
});

describe('validating inputs early', () => {
  it('names the valid tables when --tables has an unknown one', () => {
    expect(() => parseTableList('sensor_health,sensors')).toThrow('Unknown KPI table(s): sensors. Valid tables: sensor_health, status_health');
    expect(parseTableList('all')).toEqual(checkedTablesOf());
    expect(parseTableList('_status_health_day_stats')).toEqual(['_status_health_day_stats']);
  });

  it('rejects half a window, impossible days and reversed windows', () => {
    expect(() => windowFromOptions('2026-11-01', undefined, 'validate every day')).toThrow('--from-date and --to-date go together: give both (UTC days, inclusive), or neither to validate every day.');
    expect(() => windowFromOptions('2026-02-30', '2026-03-01', 'validate every day')).toThrow('--from-date must be a UTC day as YYYY-MM-DD, got "2026-02-30"');
    expect(() => windowFromOptions('2026-11-02', '2026-11-01', 'validate every day')).toThrow('swap them');
    expect(windowFromOptions(' ', undefined, 'validate every day')).toBeUndefined();
  });

  it('refuses identifiers that could escape their quotes', () => {
    expect(() => identifier('analytics"; --')).toThrow('is not a valid table, column or database name');
    expect(() => renderSuite({ database: 'Analytics-Prod' })).toThrow('"Analytics-Prod" is not a valid');
  });

  it('says which manifest field is wrong', () => {
    expect(() => parseExpectations({ days: { '2026-11-31': { distinctEvents: 1 } } }, 'm.json')).toThrow('m.json is not a valid KPI expectations file: days.2026-11-31');
    expect(() => parseExpectations({ tables: { sensor_health: [{ sensor_id: 1, faulty: 2 }] } }, 'm.json'))
      .toThrow('m.json: tables.sensor_health[0] has column "faulty", which sensor_health does not have');
    expect(() => parseExpectations({ tables: { sensor_health: [{ total_count: 2 }] } }, 'm.json')).toThrow('lacks grain column(s) sensor_id');
    expect(() => parseExpectations({ tables: { status_health: [{ status: 'ok', sensor_count: 2 }, { status: 'faulty' }] } }, 'm.json'))
      .toThrow('m.json: tables.status_health[1] has columns status; give every row the same columns (sensor_count, status).');
  });

  it('accepts a replay manifest as it is, ignoring the fields it does not use', () => {
    const manifest = { version: 1, streamName: 's', counts: { delivered: 3 }, days: { '2026-11-01': { distinctEvents: 3, deliveries: 4, uuidDigest: 'ab', distinctByEventType: { a: 3 }, distinctFaulty: 0 } } };
    expect(parseExpectations(manifest).days?.['2026-11-01'].distinctEvents).toBe(3);
  });
});

describe('judging one table\'s answer', () => {
  const eventsQuery = () => renderSuite({ tables: ['event_geo_kpis_events'], window: { fromDate: '2026-11-01', toDate: '2026-11-01' } }).tableQueries[0];
  /** The single row a consistent event_geo_kpis_events answers with. */
  const answer = (overrides: Record<string, unknown> = {}) => ({
    row_count: 2,
    null_key_rows: 0,
    duplicate_rows: 0,
    latest_day: '2026-11-01',
    rule0_rows: 0,
    rule0_min: 1,
    rule0_max: 3,
    bronze_events: 4,
    bronze_latest_day: '2026-11-01',
    missing_days: 0,
    missing_day_list: '',
    empty_days: 0,
    empty_day_list: '',
    recon_rows: 2,
    recon_differing: 0,
    recon_missing_rows: 0,
    recon_unexpected_rows: 0,
    recon_actual_total: 4,
    recon_wanted_total: 4,
    ...overrides,
  });
  const verdicts = (row: Record<string, unknown>) =>
    Object.fromEntries(eventsQuery().evaluate(row as never).map((c) => [c.check, [c.passed, c.severity, c.observed]]));

  it('passes a consistent answer', () => {
    expect(Object.values(verdicts(answer())).every(([passed]) => passed)).toBe(true);
  });

  it('fails a check whose result column is missing or NULL, naming the column, instead of reading 0', () => {
    const missing = answer();
    delete (missing as Record<string, unknown>).duplicate_rows;
    expect(verdicts(missing)['unique-grain']).toEqual([false, 'error', 'the result has no column "duplicate_rows"']);
    expect(verdicts(answer({ recon_differing: null }))['matches-bronze']).toEqual([false, 'error', 'the result column "recon_differing" is NULL']);
    expect(verdicts(answer({ rule0_rows: null }))['event-count-positive'][0]).toBe(false);
  });

  it('asks a table to reach the manifest\'s newest day only where bronze gives it rows: a night just after midnight with no faulty event yet', () => {
    const faultyGeo = (latest: string | null) => Object.fromEntries(renderSuite({
      tables: ['_event_geo_kpis_faulty_geo_day_stats'],
      window: { fromDate: '2026-12-06', toDate: '2026-12-08' },
      expectations: parseExpectations({ latestDay: '2026-12-08', days: { '2026-12-08': { distinctEvents: 3 } } }),
    }).tableQueries[0].evaluate(answer({ latest_day: latest, bronze_latest_day: '2026-12-07' }) as never).map((c) => [c.check, c]));

    expect(faultyGeo('2026-12-07').fresh).toMatchObject({ passed: true, expected: '>= 2026-12-07 (the newest day in bronze with rows for it, before the expected one)' });
    expect(faultyGeo('2026-12-06').fresh).toMatchObject({ passed: false, observed: 'latest day 2026-12-06' });
    // Where bronze has the expected day's rows, the manifest's day stays the bar.
    expect(verdicts(answer({ latest_day: '2026-11-01' })).fresh[0]).toBe(true);
  });

  it('warns about an empty day with nothing in bronze, and fails a table that lost rows bronze has', () => {
    const empty = answer({
      row_count: 0, latest_day: null, bronze_events: 0, bronze_latest_day: null, recon_rows: 0, recon_actual_total: null, recon_wanted_total: null,
    });
    expect(verdicts(empty)['rows-present']).toEqual([false, 'warn', 'no rows in the window, and none expected: no valid events in the window']);
    expect(verdicts(empty).fresh[0]).toBe(true);
    expect(verdicts(answer({ row_count: 0, missing_days: 1, missing_day_list: '2026-11-01' }))['rows-present']).toEqual([false, 'error', '0 rows in the window']);
  });
});

describe('reading only what a run read', () => {
  const run = {
    runId: 'run_1',
    versions: {},
    jobs: {
      event_geo: {
        job: 'event_geo' as const,
        mode: 'incremental',
        days: ['2026-11-25', '2026-11-26'],
        arrivals: { throughHour: '2026-11-27T02:00:00Z', openFiles: ['s3://b/events/year=2026/month=11/day=27/hour=03/late-object'] },
        firstArrivalDay: '2026-10-01',
      },
    },
  };

  it('checks daily tables on the days the run recomputed, over arrivals from the day before them to its mark and open objects', () => {
    const suite = renderSuite({ tables: ['event_geo_kpis_events', 'event_geo_kpis_faulty_geo'], run });
    const [, allTime] = suite.tableQueries;
    const [daily] = suite.bronzePasses;
    expect(suite.window).toEqual({ fromDate: '2026-11-25', toDate: '2026-11-26' });
    expect(daily.sql).toContain('"arrival_year" = ? AND "arrival_month" = ? AND "arrival_day" = ?');
    expect(daily.sql).toContain('concat("arrival_year", "arrival_month", "arrival_day", "arrival_hour") <= ?');
    expect(daily.sql).toContain('"$path" IN (?)');
    // 2026-11-24 (the day before the first recomputed day) up to 2026-11-27 (the open object's day): four days.
    expect(daily.params.filter((p) => p === '11')).toHaveLength(4);
    expect(daily.params).toContain('2026112702');
    expect(daily.params).toContain('s3://b/events/year=2026/month=11/day=27/hour=03/late-object');
    // The all-time table is checked against its partials: it reads no bronze at all.
    expect(allTime.sql).not.toContain('clickstream_raw');
    expect(allTime.sql).toContain('"_event_geo_kpis_faulty_geo_day_stats"');
    // The same read accounts for the run's landed rows against rejected_events.
    expect(daily.rejected).toBe(true);
    expect(daily.sql).toContain('"rejected_events"');
  });

  it('reconciles the all-time tables with every arrival since the first one with --full', () => {
    const allTime = renderSuite({ tables: ['event_geo_kpis_faulty_geo'], run, full: true }).tableQueries[0];
    expect(allTime.sql).toContain('clickstream_raw');
    // One disjunct per arrival day, 2026-10-01 to 2026-11-27.
    expect(allTime.params.filter((p) => p === '2026')).toHaveLength(31 + 27);
  });

  it('reports a daily table whose job recomputed no day, without querying it', () => {
    const idle = { runId: 'run_2', versions: {}, jobs: { event_geo: { ...run.jobs.event_geo, days: [] } } };
    const suite = renderSuite({ tables: ['event_geo_kpis_events'], run: idle });
    expect(suite.tableQueries).toEqual([]);
    expect(suite.untouched).toEqual(['event_geo_kpis_events']);
  });
});
