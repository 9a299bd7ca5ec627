/**
 * The one SQL quoting of the code base, for every dialect it writes (Trino/Athena, DuckDB, Spark
 * SQL through its Python copy): a string literal doubles its quotes; an identifier is a Glue-style
 * lowercase name in double quotes, checked so nothing can escape them.
 */

/** A varchar literal: the one escape in these dialects is doubling the quote. */
export function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A quoted identifier; names come from the KPI catalog or validated configuration. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a valid table, column or database name; use lowercase letters, digits and underscores.`);
  return `"${name}"`;
}
