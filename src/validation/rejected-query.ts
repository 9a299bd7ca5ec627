import { ArrivalScope, BronzeSource, arrivalFilter, brokenRuleSql, tableOf } from './bronze';
import { CheckResult } from './report';
import { joinSql, qualifiedName, sql } from './sql';
import { QueryParameter, TypedValue } from '../engines/query-engine';
import { REJECTED_EVENTS_TABLE } from '../kpis/catalog';

/** The statement that accounts for every landed row of a scope, and how to read its one row. */
export interface RejectedQuery {
  readonly sql: string;
  readonly params: readonly QueryParameter[];
  evaluate(row: Readonly<Record<string, TypedValue>>): CheckResult[];
}

const epoch = (iso: string) => Date.parse(iso.endsWith('Z') ? iso : `${iso}T00:00:00Z`) / 1000;

/**
 * Nothing vanishes: every bronze row of the scope that breaks a validity rule is in
 * `rejected_events` with that rule, rule by rule. The rows are blamed by the same rendering of
 * VALIDITY_RULES the valid events are kept by, so landed = valid + rejected holds by construction
 * on the bronze side and is checked against what the jobs kept aside.
 */
export function renderRejectedQuery(source: BronzeSource & { readonly arrivals: ArrivalScope }): RejectedQuery {
  const { arrivals } = source;
  const inScope = arrivals.openFiles.length > 0
    ? sql`(to_unixtime(arrival_hour) <= ${epoch(arrivals.throughHour)} OR source_file IN (${joinSql(arrivals.openFiles.map((f) => sql`${f}`), ', ')}))`
    : sql`to_unixtime(arrival_hour) <= ${epoch(arrivals.throughHour)}`;
  const statement = sql`WITH bronze AS (
  SELECT ${brokenRuleSql()} AS rule, count(*) AS n
  FROM ${qualifiedName(source.catalog, source.database, source.rawTable)}
  WHERE ${arrivalFilter(arrivals)}
  GROUP BY 1
),
kept AS (
  SELECT rule, count(*) AS n
  FROM ${tableOf(source, REJECTED_EVENTS_TABLE)}
  WHERE to_unixtime(arrival_hour) >= ${epoch(arrivals.fromDay)} AND ${inScope}
  GROUP BY rule
),
compared AS (
  SELECT coalesce(b.rule, k.rule) AS rule, coalesce(b.n, 0) AS bronze_rows, coalesce(k.n, 0) AS kept_rows
  FROM (SELECT * FROM bronze WHERE rule IS NOT NULL) b
  FULL OUTER JOIN kept k ON b.rule = k.rule
)
SELECT
  (SELECT coalesce(sum(n), 0) FROM bronze) AS landed_rows,
  (SELECT coalesce(sum(n), 0) FROM bronze WHERE rule IS NULL) AS valid_rows,
  coalesce(sum(bronze_rows), 0) AS invalid_rows,
  coalesce(sum(kept_rows), 0) AS rejected_rows,
  count_if(bronze_rows <> kept_rows) AS differing_rules,
  coalesce(array_join(array_agg(CASE WHEN bronze_rows <> kept_rows THEN rule || ': ' || CAST(bronze_rows AS varchar) || ' in bronze, ' || CAST(kept_rows AS varchar) || ' kept' END), '; '), '') AS differences
FROM compared`;
  return { sql: statement.text, params: statement.params, evaluate: (row) => [evaluate(row)] };
}

function evaluate(row: Readonly<Record<string, TypedValue>>): CheckResult {
  const expected = 'every landed row that breaks a rule is in rejected_events with that rule (landed = valid + rejected)';
  const names = ['landed_rows', 'valid_rows', 'invalid_rows', 'rejected_rows', 'differing_rules'];
  const missing = names.find((name) => row[name] === undefined || row[name] === null);
  if (missing) {
    return { table: REJECTED_EVENTS_TABLE, check: 'rejected-complete', severity: 'error', passed: false, observed: `the result column "${missing}" is missing or NULL`, expected };
  }
  const [landed, valid, invalid, rejected, differing] = names.map((name) => Number(row[name]));
  const passed = differing === 0 && invalid === rejected;
  const observed = `${landed} landed rows: ${valid} valid + ${invalid} breaking a rule; ${rejected} in rejected_events` +
    (passed ? '' : ` (${String(row.differences)})`);
  return { table: REJECTED_EVENTS_TABLE, check: 'rejected-complete', severity: 'error', passed, observed, expected };
}
