import { formatValue } from './numbers';

/**
 * A table's cells for people: a column that holds any fraction shows every number in it with two
 * decimals (`30.00` beside `-33.90`), other columns as {@link formatValue}.
 */
export function formatRows(columns: readonly string[], rows: ReadonlyArray<Readonly<Record<string, unknown>>>): string[][] {
  const fractional = new Set(columns.filter((c) => rows.some((r) => typeof r[c] === 'number' && Number.isFinite(r[c]) && !Number.isInteger(r[c]))));
  return rows.map((row) => columns.map((c) => {
    const value = row[c];
    return fractional.has(c) && typeof value === 'number' && Number.isFinite(value)
      ? value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      : formatValue(value);
  }));
}

/** A fixed-width text table for terminal summaries. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
