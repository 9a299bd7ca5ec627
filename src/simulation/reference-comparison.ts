import { QueryEngine } from '../engines/query-engine';
import { KPI_TABLES, KpiTableName } from '../kpis/catalog';
import { KpiRow, RawEvent, comparableRows, referenceKpis, rejectedEvents } from '../kpis/reference';

/** Every KPI table against the reference computation over the same landed rows. */
export interface ReferenceComparison {
  readonly landedRows: number;
  readonly rejectedRows: number;
  readonly tables: Readonly<Record<string, { readonly rows: number; readonly equal: boolean; readonly firstDifference?: string }>>;
}

/**
 * Reads every KPI table in `qualifiedDatabase` (catalog.database) and compares it, row for row in
 * grain order, with the independent reference computed over `landedRows`.
 */
export async function compareWithReference(
  engine: QueryEngine, qualifiedDatabase: string, landedRows: readonly RawEvent[], signal?: AbortSignal,
): Promise<ReferenceComparison> {
  const reference = referenceKpis(landedRows);
  const tables: Record<string, { rows: number; equal: boolean; firstDifference?: string }> = {};
  for (const table of Object.keys(KPI_TABLES) as KpiTableName[]) {
    const result = await engine.query(`SELECT * FROM ${qualifiedDatabase}.${table}`, [], { signal });
    const actual = comparableRows(table, result.rows as KpiRow[]).map((row) => JSON.stringify(row));
    const wanted = comparableRows(table, reference[table]).map((row) => JSON.stringify(row));
    const index = actual.findIndex((row, i) => row !== wanted[i]);
    const equal = actual.length === wanted.length && index === -1;
    tables[table] = {
      rows: actual.length,
      equal,
      firstDifference: equal ? undefined : `table ${actual[index] ?? '(no row)'} vs reference ${wanted[index] ?? wanted[actual.length] ?? '(no row)'}`,
    };
  }
  return { landedRows: landedRows.length, rejectedRows: rejectedEvents(landedRows).length, tables };
}
