import { ArrivalScope, BronzeSource, tableOf } from './bronze';
import { CheckResult } from './validation-report';
import { TypedValue } from '../engines/query-engine';
import { REJECTED_EVENTS_TABLE } from '../kpis/catalog';
import { joinSql, sql, Sql } from '../sql/statement';

const epoch = (iso: string) => Date.parse(iso.endsWith('Z') ? iso : `${iso}T00:00:00Z`) / 1000;

/**
 * What the jobs kept aside from the scope's landed objects: the rows of `rejected_events` that
 * arrived in it, counted by rule (`rule`, `row_count`). The bronze pass sets them against the
 * rows of the same objects that break each rule.
 */
export function keptRejectedSql(source: BronzeSource & { readonly arrivals: ArrivalScope }): Sql {
  const { arrivals } = source;
  const inScope = arrivals.openFiles.length > 0
    ? sql`(to_unixtime(arrival_hour) <= ${epoch(arrivals.throughHour)} OR source_file IN (${joinSql(arrivals.openFiles.map((f) => sql`${f}`), ', ')}))`
    : sql`to_unixtime(arrival_hour) <= ${epoch(arrivals.throughHour)}`;
  return sql`SELECT rule, count(*) AS row_count
  FROM ${tableOf(source, REJECTED_EVENTS_TABLE)}
  WHERE to_unixtime(arrival_hour) >= ${epoch(arrivals.fromDay)} AND ${inScope}
  GROUP BY rule`;
}

/** The columns of the bronze pass's `rejected` row, by which {@link evaluateRejected} judges. */
export const REJECTED_RESULT_COLUMNS = ['landed_rows', 'valid_rows', 'invalid_rows', 'rejected_rows', 'differing_rules'] as const;

/**
 * Nothing vanishes: every bronze row of the scope that breaks a validity rule is in
 * `rejected_events` with that rule, rule by rule. The rows are blamed by the same rendering of
 * VALIDITY_RULES the valid events are kept by, so landed = valid + rejected holds by construction
 * on the bronze side and is checked against what the jobs kept aside.
 */
export function evaluateRejected(row: Readonly<Record<string, TypedValue>>): CheckResult {
  const expected = 'every landed row that breaks a rule is in rejected_events with that rule (landed = valid + rejected)';
  const missing = REJECTED_RESULT_COLUMNS.find((name) => row[name] === undefined || row[name] === null);
  if (missing) {
    return { table: REJECTED_EVENTS_TABLE, check: 'rejected-complete', severity: 'error', passed: false, observed: `the result column "${missing}" is missing or NULL`, expected };
  }
  const [landed, valid, invalid, rejected, differing] = REJECTED_RESULT_COLUMNS.map((name) => Number(row[name]));
  const passed = differing === 0 && invalid === rejected;
  const observed = `${landed} landed rows: ${valid} valid + ${invalid} breaking a rule; ${rejected} in rejected_events` +
    (passed ? '' : ` (${String(row.differences)})`);
  return { table: REJECTED_EVENTS_TABLE, check: 'rejected-complete', severity: 'error', passed, observed, expected };
}
