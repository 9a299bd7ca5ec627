import { quoteIdentifier } from './quote';
import { QueryParameter } from '../engines/query-engine';
import { sqlLiteral } from '../engines/sql-literals';

/**
 * A piece of SQL text with the values of its `?` placeholders, in order. Text only ever comes
 * from template literals in this code, from {@link identifier} and from {@link literal}; a value
 * travels as a parameter or as a checked literal, so nothing a user typed is spliced into a
 * statement unquoted.
 */
export class Sql {
  constructor(readonly text: string, readonly params: readonly QueryParameter[]) {}
}

/**
 * Builds {@link Sql}: interpolated {@link Sql} fragments are inlined (with their parameters),
 * any other interpolated value becomes a `?` parameter.
 */
export function sql(strings: TemplateStringsArray, ...values: ReadonlyArray<Sql | QueryParameter>): Sql {
  let text = strings[0];
  const params: QueryParameter[] = [];
  values.forEach((value, i) => {
    if (value instanceof Sql) {
      text += value.text;
      params.push(...value.params);
    } else {
      text += '?';
      params.push(value);
    }
    text += strings[i + 1];
  });
  return new Sql(text, params);
}

/**
 * A value written into the text as a checked literal (`'faulty'`, `DATE '2026-11-01'`, `1.0E-6`):
 * Athena takes `?` parameters only in WHERE clauses (Athena User Guide, "Use parameterized
 * queries"), so a value anywhere else (a SELECT list, VALUES, FROM, JOIN ... ON) is a literal.
 */
export function literal(value: QueryParameter): Sql {
  return new Sql(sqlLiteral(value), []);
}

/** Joins fragments with a separator written in code (`, `, ` AND `). */
export function joinSql(fragments: readonly Sql[], separator: string): Sql {
  return new Sql(fragments.map((f) => f.text).join(separator), fragments.flatMap((f) => f.params));
}

/**
 * A quoted identifier. Names come from the KPI catalog or from validated configuration; the
 * pattern (Glue's lowercase names) leaves no room for a quote to escape.
 */
export function identifier(name: string): Sql {
  return new Sql(quoteIdentifier(name), []);
}

/** `"catalog"."database"."table"`. */
export function qualifiedName(...parts: readonly string[]): Sql {
  return joinSql(parts.map(identifier), '.');
}

/** An Iceberg metadata table, `"catalog"."database"."table$refs"` (Trino's and Athena's spelling). */
export function metadataTable(catalog: string, database: string, table: string, kind: 'refs' | 'snapshots' | 'files'): Sql {
  identifier(table);
  return new Sql(`${identifier(catalog).text}.${identifier(database).text}."${table}$${kind}"`, []);
}

/**
 * A table read at one snapshot: `... FOR VERSION AS OF <id>`, which takes a literal on Trino and
 * Athena; the id is checked to be an integer before it is written into the text.
 */
export function tableAtVersion(catalog: string, database: string, table: string, snapshot: string | undefined): Sql {
  const name = qualifiedName(catalog, database, table);
  if (snapshot === undefined) return name;
  if (!/^-?\d{1,20}$/.test(snapshot)) throw new Error(`Not an Iceberg snapshot id: "${snapshot}".`);
  return new Sql(`${name.text} FOR VERSION AS OF ${BigInt(snapshot).toString()}`, []);
}
