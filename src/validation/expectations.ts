import * as fs from 'node:fs';
import { z } from 'zod';
import { CheckedTableName, KPI_TABLES, KpiColumn, KpiTableName } from '../kpis/catalog';
import { DayWindow, parseDay } from '../kpis/day-window';

/** A value of an expected KPI row: numbers for numeric columns, `YYYY-MM-DD` for `day`, text for strings. */
export type ExpectedValue = string | number | null;
export type ExpectedRow = Readonly<Record<string, ExpectedValue>>;

const count = z.number().int().nonnegative();
const dayKey = z.string().refine((value) => {
  try {
    parseDay('day', value);
    return true;
  } catch {
    return false;
  }
}, 'must be a UTC day as YYYY-MM-DD');

const dayExpectationSchema = z.object({
  distinctEvents: count,
  distinctByEventType: z.record(z.string().min(1), count).optional(),
});

const rowSchema = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
const tableNames = Object.keys(KPI_TABLES) as [KpiTableName, ...KpiTableName[]];

/**
 * What validation is told to expect, typically written by the replayer for the events it sent.
 * Every field is optional and unknown fields are ignored, so a replay manifest whose `days`
 * has this shape can be passed as it is.
 *
 * ```json
 * {
 *   "days": {
 *     "2026-11-01": { "distinctEvents": 1200, "distinctByEventType": { "sensor_reading": 1150, "alert": 50 } }
 *   },
 *   "latestDay": "2026-11-01",
 *   "tables": {
 *     "sensor_health": [{ "sensor_id": 7, "faulty_count": 2, "total_count": 40, "faulty_pct": 5 }],
 *     "status_health": [{ "status": "active", "sensor_count": 9, "event_count": 400 }, { "status": "faulty", "sensor_count": 1, "event_count": 40 }]
 *   }
 * }
 * ```
 *
 * - `days`: per UTC event day, the distinct (by uuid) valid events delivered, in total and per
 *   event type. Checked against `event_geo_kpis_events` (per-day `sum(event_count)`, and each
 *   `(day, event_type)` row when `distinctByEventType` is given). Their range is the default window.
 * - `latestDay`: the newest day the daily tables must reach (freshness); defaults to the newest
 *   day with valid events in bronze.
 * - `tables`: exact rows per KPI table: every grain column plus any value columns to compare
 *   (doubles within a small tolerance). For a daily table only the days listed are compared; an
 *   all-time table must hold exactly these rows.
 * - `environmentHeldEvents`: the replay's manifest says the environment's bronze held landed events
 *   before it (a pull request's second push, a replay into a standing environment): the tables count
 *   those too, so `days` and `tables` are not compared (the days still set the window, and the checks
 *   against bronze still run); the report says so.
 */
export const kpiExpectationsSchema = z.object({
  days: z.record(dayKey, dayExpectationSchema).optional(),
  latestDay: dayKey.optional(),
  tables: z.partialRecord(z.enum(tableNames), z.array(rowSchema)).optional(),
  environmentHeldEvents: z.boolean().optional(),
});

export type KpiExpectations = z.infer<typeof kpiExpectationsSchema>;

/** Rows one check compares a table (or its per-day totals) against. */
export interface ExpectedRowSet {
  /** The check's name in the report. */
  readonly check: 'expected-values' | 'expected-day-totals';
  /** `rows`: the table's rows; `day-totals`: `day` and `sum(<column>)` per day. */
  readonly view: 'rows' | 'day-totals';
  readonly columns: readonly KpiColumn[];
  readonly grain: readonly string[];
  readonly rows: readonly ExpectedRow[];
}

/**
 * Athena takes each value as one execution parameter; beyond this many rows per table the
 * statement gets unwieldy, and exact values are meant for small replays anyway.
 */
export const MAX_EXPECTED_ROWS = 500;

/** Reads and checks an expectations (or replay manifest) file, naming what to fix. */
export function loadExpectations(file: string): KpiExpectations {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read the manifest ${file}: ${(e as Error).message}`);
  }
  return parseExpectations(json, file);
}

export function parseExpectations(json: unknown, source = 'the manifest'): KpiExpectations {
  const parsed = kpiExpectationsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new Error(`${source} is not a valid KPI expectations file: ${issues}.`);
  }
  for (const [table, rows] of Object.entries(parsed.data.tables ?? {})) checkRows(table as KpiTableName, rows ?? [], source);
  return parsed.data;
}

function checkRows(table: KpiTableName, rows: readonly ExpectedRow[], source: string): void {
  const { columns, grain } = KPI_TABLES[table];
  if (rows.length > MAX_EXPECTED_ROWS) throw new Error(`${source}: tables.${table} has ${rows.length} rows; at most ${MAX_EXPECTED_ROWS} can be checked exactly.`);
  const shape = Object.keys(rows[0] ?? {}).sort().join(', ');
  rows.forEach((row, i) => {
    const where = `${source}: tables.${table}[${i}]`;
    // A column left out of one row would read as an expected NULL there.
    if (Object.keys(row).sort().join(', ') !== shape) throw new Error(`${where} has columns ${Object.keys(row).sort().join(', ')}; give every row the same columns (${shape}).`);
    for (const [name, value] of Object.entries(row)) {
      const column = columns.find((c) => c.name === name);
      if (!column) throw new Error(`${where} has column "${name}", which ${table} does not have (columns: ${columns.map((c) => c.name).join(', ')}).`);
      if (value !== null && !valueFits(column, value)) throw new Error(`${where}.${name} must be ${describeType(column)}, got ${JSON.stringify(value)}.`);
    }
    const missing = grain.filter((g) => row[g] === undefined || row[g] === null);
    if (missing.length > 0) throw new Error(`${where} lacks grain column(s) ${missing.join(', ')}; every row needs ${grain.join(', ')}.`);
  });
}

function valueFits(column: KpiColumn, value: string | number): boolean {
  switch (column.type) {
    case 'string': return typeof value === 'string';
    case 'date': return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
    case 'int':
    case 'bigint': return typeof value === 'number' && Number.isSafeInteger(value);
    case 'double': return typeof value === 'number' && Number.isFinite(value);
  }
}

function describeType(column: KpiColumn): string {
  return { string: 'a string', date: 'a day as YYYY-MM-DD', int: 'a whole number', bigint: 'a whole number', double: 'a finite number' }[column.type];
}

/** The window the expectations describe: their first to last day, if they list days. */
export function expectationsWindow(expectations: KpiExpectations): DayWindow | undefined {
  const days = Object.keys(expectations.days ?? {}).sort();
  return days.length > 0 ? { fromDate: days[0], toDate: days[days.length - 1] } : undefined;
}

const inWindow = (day: string, window: DayWindow) => day >= window.fromDate && day <= window.toDate;

/** The expected rows each table's checks compare against, limited to the window's days. */
export function expectedRowSets(expectations: KpiExpectations | undefined, table: CheckedTableName, window: DayWindow): ExpectedRowSet[] {
  if (!expectations || expectations.environmentHeldEvents || !(table in KPI_TABLES)) return [];
  const catalog = KPI_TABLES[table as KpiTableName];
  const sets: ExpectedRowSet[] = [];
  const keep = (row: ExpectedRow) => catalog.allTime || inWindow(String(row.day), window);
  const days = Object.entries(expectations.days ?? {}).filter(([day]) => inWindow(day, window));
  const explicit = expectations.tables?.[table as KpiTableName];
  if (explicit) {
    sets.push({ check: 'expected-values', view: 'rows', columns: catalog.columns, grain: catalog.grain, rows: explicit.filter(keep) });
  } else if (table === 'event_geo_kpis_events' && days.some(([, d]) => d.distinctByEventType)) {
    const rows = days.flatMap(([day, d]) => Object.entries(d.distinctByEventType ?? {})
      .map(([eventType, n]) => ({ day, event_type: eventType, event_count: n })));
    sets.push({ check: 'expected-values', view: 'rows', columns: catalog.columns, grain: catalog.grain, rows });
  }
  if (table === 'event_geo_kpis_events' && days.length > 0) {
    sets.push({
      check: 'expected-day-totals',
      view: 'day-totals',
      columns: [{ name: 'day', type: 'date' }, { name: 'event_count', type: 'bigint' }],
      grain: ['day'],
      rows: days.map(([day, d]) => ({ day, event_count: d.distinctEvents })),
    });
  }
  for (const set of sets) {
    if (set.rows.length > MAX_EXPECTED_ROWS) throw new Error(`${table}: ${set.rows.length} expected rows; at most ${MAX_EXPECTED_ROWS} can be checked exactly. Narrow the window.`);
  }
  return sets.filter((set) => set.rows.length > 0);
}
