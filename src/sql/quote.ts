/**
 * The SQL quoting of the TypeScript side, for the dialects it writes (Trino/Athena, DuckDB): a string
 * literal doubles its quotes; an identifier is a Glue-style lowercase name in double quotes, checked
 * so nothing can escape them. Spark SQL's copy is spark/clickstream_jobs/sql_identifiers.py: the same
 * identifier rule in backticks (test/fixtures/identifier-corpus.json holds both to it), but literals
 * escaped with a backslash, since Spark reads 'it''s' as the adjacent literals 'it' 's'.
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
