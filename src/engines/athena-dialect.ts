import { QueryParameter } from './query-engine';

/**
 * Athena's documented SQL limits that Trino does not have, checked on every statement before any
 * engine sends it: locally Trino would accept what Athena refuses, so both engines refuse it here
 * and the local suite proves that the SQL it runs is SQL Athena runs. Limits Trino enforces itself
 * (127 function arguments, `FOR SYSTEM_VERSION`, zero-length quoted identifiers) need no copy here.
 */

/** A documented rule: the page it is on and its words there. */
interface AthenaRule {
  readonly page: string;
  readonly words: string;
  readonly fix: string;
}

const PARAMETERIZED = 'Athena User Guide, "Use parameterized queries"';

export const ATHENA_RULES = {
  whereOnly: {
    page: PARAMETERIZED,
    words: 'Currently, ? parameters can be placed only in the WHERE clause. Syntax like SELECT ? FROM table is not supported.',
    fix: 'write the value as a literal (sqlLiteral in src/engines/sql-literals.ts) or move the condition into WHERE',
  },
  statementKinds: {
    page: PARAMETERIZED,
    words: 'Currently, parameterized queries are supported only for SELECT, INSERT INTO, CTAS, and UNLOAD statements.',
    fix: 'write the values as literals (sqlLiteral in src/engines/sql-literals.ts) and send the statement without parameters',
  },
  positional: {
    page: PARAMETERIZED,
    words: 'In parameterized queries, parameters are positional and are denoted by ?. Parameters are assigned values by their order in the query.',
    fix: 'pass exactly one value per ? outside string literals, quoted identifiers and comments',
  },
  versionTravel: {
    page: 'Athena User Guide, "Perform time travel and version travel queries"',
    words: 'The version parameter is the bigint snapshot ID associated with an Iceberg table version.',
    fix: 'read a branch or tag by the snapshot id its head has (the table\'s "$refs" metadata table); Trino reads them by name, Athena does not',
  },
  metadataTables: {
    page: 'Athena User Guide, "Query Iceberg table metadata"',
    words: 'In a SELECT query, you can use the following properties after table_name to query Iceberg table metadata',
    fix: `read one of the properties the page lists (${['files', 'manifests', 'history', 'partitions', 'snapshots', 'refs'].map((k) => `$${k}`).join(', ')}); Trino has more ($properties, $entries, ...), Athena does not`,
  },
  queryLength: {
    page: 'Athena API Reference, "StartQueryExecution"',
    words: 'QueryString ... Length Constraints: Minimum length of 1. Maximum length of 262144.',
    fix: 'split the statement, or filter with a join instead of long lists',
  },
} as const satisfies Record<string, AthenaRule>;

/** StartQueryExecution's limit on QueryString, counted in UTF-8 bytes (Athena's knowledge center says bytes). */
export const MAX_QUERY_BYTES = 262_144;

/** One way a statement breaks a rule of {@link ATHENA_RULES}. */
export interface AthenaViolation {
  readonly rule: keyof typeof ATHENA_RULES;
  /** Where in the statement, and what is wrong there. */
  readonly detail: string;
}

/** A statement Athena documents that it refuses; thrown before the statement is sent to any engine. */
export class AthenaDialectError extends Error {
  constructor(readonly violations: readonly AthenaViolation[], sql: string) {
    const rules = [...new Set(violations.map((v) => v.rule))];
    const lines = rules.map((rule) => describe(rule, violations.filter((v) => v.rule === rule).map((v) => v.detail)));
    super(`Athena would refuse this statement, so no engine runs it:\n${lines.join('\n')}\nStatement: ${excerpt(sql, 0, 300)}`);
    this.name = 'AthenaDialectError';
  }
}

/** How many places of one rule a message names; the error's `violations` has them all. */
const NAMED_PLACES = 3;

/** One line per rule broken: where (the first few places), Athena's page and words, and the fix. */
function describe(name: keyof typeof ATHENA_RULES, details: readonly string[]): string {
  const rule = ATHENA_RULES[name];
  const more = details.length > NAMED_PLACES ? `; and ${details.length - NAMED_PLACES} more` : '';
  return `- ${details.slice(0, NAMED_PLACES).join('; ')}${more}. ${rule.page}: "${rule.words}" To fix: ${rule.fix}.`;
}

/** Refuses, with Athena's words and page, a statement and parameters Athena documents that it refuses. */
export function checkAthenaDialect(sql: string, params: readonly QueryParameter[] = []): void {
  const violations = athenaViolations(sql, params);
  if (violations.length > 0) throw new AthenaDialectError(violations, sql);
}

/** Every rule of {@link ATHENA_RULES} the statement breaks, in the order they appear. */
export function athenaViolations(sql: string, params: readonly QueryParameter[] = []): AthenaViolation[] {
  const violations: AthenaViolation[] = [];
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes > MAX_QUERY_BYTES) violations.push({ rule: 'queryLength', detail: `the statement is ${bytes} bytes long` });

  const tokens = tokenize(sql);
  const placeholders = tokens.filter((t) => t.kind === 'param');
  if (placeholders.length !== params.length) {
    violations.push({ rule: 'positional', detail: `the statement has ${placeholders.length} ? placeholder(s) and ${params.length} parameter(s) were given` });
  }
  if (placeholders.length > 0 || params.length > 0) {
    const kind = statementKind(tokens);
    if (!PARAMETERIZABLE.includes(kind)) violations.push({ rule: 'statementKinds', detail: `a ${kind} statement has parameters` });
  }
  for (const { token, clause } of placedParameters(tokens)) {
    if (clause !== 'WHERE') violations.push({ rule: 'whereOnly', detail: `the ? at ${position(sql, token.offset)} (${excerpt(sql, token.offset - 30, 60)}) is in ${clause}` });
  }
  for (const token of unknownMetadataTables(tokens)) {
    violations.push({ rule: 'metadataTables', detail: `${token.text} at ${position(sql, token.offset)} is not a metadata table Athena has` });
  }
  for (const token of versionsByName(tokens)) {
    violations.push({ rule: 'versionTravel', detail: `FOR VERSION AS OF ${token.text} at ${position(sql, token.offset)} names a branch or tag` });
  }
  return violations;
}

type TokenKind = 'word' | 'string' | 'quoted' | 'number' | 'param' | 'symbol';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
}

/**
 * Trino's lexical structure, as far as placing `?` needs it: string literals (`''` escapes a
 * quote), quoted identifiers (`""`), `--` and `/* *\/` comments (skipped), words, numbers, `?`
 * and single-character symbols.
 */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const until = (close: string, from: number) => {
    let j = from;
    for (;;) {
      const found = sql.indexOf(close, j);
      if (found < 0) return sql.length;
      if (sql[found + 1] !== close) return found + 1;
      j = found + 2;
    }
  };
  while (i < sql.length) {
    const c = sql[i];
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '\'' || c === '"') {
      i = until(c, i + 1);
      tokens.push({ kind: c === '\'' ? 'string' : 'quoted', text: sql.slice(start, i), offset: start });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_]/.test(sql[i])) i++;
      tokens.push({ kind: 'word', text: sql.slice(start, i).toUpperCase(), offset: start });
    } else if (/[0-9]/.test(c)) {
      while (i < sql.length && /[0-9.eE]/.test(sql[i])) i++;
      tokens.push({ kind: 'number', text: sql.slice(start, i), offset: start });
    } else {
      i++;
      tokens.push({ kind: c === '?' ? 'param' : 'symbol', text: c, offset: start });
    }
  }
  return tokens;
}

const PARAMETERIZABLE = ['SELECT', 'INSERT INTO', 'CTAS', 'UNLOAD'];
const QUERY_START = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);

/** The statement's kind in the vocabulary of Athena's list: SELECT, INSERT INTO, CTAS, UNLOAD, or its first words. */
function statementKind(tokens: readonly Token[]): string {
  const first = tokens.findIndex((t) => t.text !== '(');
  const words = tokens.slice(first, first + 2).map((t) => t.text);
  if (words[0] === 'SELECT' || words[0] === 'WITH') return 'SELECT';
  if (words[0] === 'INSERT' && words[1] === 'INTO') return 'INSERT INTO';
  if (words[0] === 'UNLOAD') return 'UNLOAD';
  if (words[0] === 'CREATE' && words[1] === 'TABLE' && topLevelAsQuery(tokens)) return 'CTAS';
  return words.join(' ') || 'empty';
}

/** A top-level `AS` followed by a query: CREATE TABLE ... AS SELECT (CTAS) rather than a plain CREATE TABLE. */
function topLevelAsQuery(tokens: readonly Token[]): boolean {
  let depth = 0;
  return tokens.some((t, i) => {
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    const next = tokens[i + 1];
    return depth === 0 && t.kind === 'word' && t.text === 'AS' && next !== undefined && (QUERY_START.has(next.text) || next.text === '(');
  });
}

/** The clause keywords that change where a `?` of their query is, and the clause each starts. */
const CLAUSES: Readonly<Record<string, string>> = {
  SELECT: 'the SELECT list',
  FROM: 'the FROM clause',
  JOIN: 'the FROM clause',
  ON: 'a JOIN condition (ON)',
  USING: 'a JOIN condition (USING)',
  WHERE: 'WHERE',
  GROUP: 'the GROUP BY clause',
  HAVING: 'the HAVING clause',
  WINDOW: 'the WINDOW clause',
  ORDER: 'the ORDER BY clause',
  LIMIT: 'the LIMIT clause',
  OFFSET: 'the OFFSET clause',
  FETCH: 'the FETCH clause',
  VALUES: 'a VALUES list',
  UNION: 'a set operation',
  INTERSECT: 'a set operation',
  EXCEPT: 'a set operation',
  WITH: 'the WITH clause',
  INSERT: 'the INSERT target',
};

/** Keywords that start a clause only in company: not `IS DISTINCT FROM`, `WITHIN GROUP`. */
function startsClause(tokens: readonly Token[], i: number): boolean {
  const word = tokens[i].text;
  if (word === 'FROM') return tokens[i - 1]?.text !== 'DISTINCT';
  if (word === 'GROUP' || word === 'ORDER') return tokens[i + 1]?.text === 'BY';
  return true;
}

interface Frame {
  /** A query (the statement or a parenthesized subquery): its clause keywords move its `?`s. */
  readonly query: boolean;
  clause: string;
}

/**
 * Each `?` with the clause of the query it belongs to. A parenthesis opening a query (SELECT, WITH,
 * VALUES, TABLE) starts a query of its own, so a `?` in a subquery's WHERE is in a WHERE clause;
 * any other parenthesis or bracket (a function's arguments, an IN list, FILTER (WHERE ...), OVER
 * (...)) is part of the clause it appears in, whatever keywords it holds.
 */
function placedParameters(tokens: readonly Token[]): Array<{ token: Token; clause: string }> {
  const frames: Frame[] = [{ query: true, clause: 'the start of the statement' }];
  const placed: Array<{ token: Token; clause: string }> = [];
  tokens.forEach((token, i) => {
    const top = frames[frames.length - 1];
    if (token.text === '(' || token.text === '[') {
      const opensQuery = token.text === '(' && QUERY_START.has(tokens[i + 1]?.text ?? '');
      frames.push({ query: opensQuery, clause: opensQuery ? 'the start of a subquery' : top.clause });
    } else if ((token.text === ')' || token.text === ']') && frames.length > 1) {
      frames.pop();
    } else if (token.kind === 'word' && top.query && token.text in CLAUSES && startsClause(tokens, i)) {
      top.clause = CLAUSES[token.text];
    } else if (token.kind === 'param') {
      placed.push({ token, clause: top.clause });
    }
  });
  return placed;
}

/** The metadata tables Athena documents, by the suffix after the table's name. */
const ATHENA_METADATA_TABLES = new Set(['files', 'manifests', 'history', 'partitions', 'snapshots', 'refs']);

/** Quoted `"table$kind"` names whose kind Athena does not have (a leading `"$path"` is a column, not a table). */
function unknownMetadataTables(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => {
    const kind = t.kind === 'quoted' ? /^"[^"$]+\$([^"]*)"$/.exec(t.text)?.[1] : undefined;
    return kind !== undefined && !ATHENA_METADATA_TABLES.has(kind.toLowerCase());
  });
}

/** `FOR VERSION AS OF '<name>'`: Trino's branch and tag reads, which Athena does not have. */
function versionsByName(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((t, i) => {
    const words = tokens.slice(i, i + 4).map((w) => w.text).join(' ');
    const version = tokens[i + 4];
    return words === 'FOR VERSION AS OF' && t.kind === 'word' && version?.kind === 'string' ? [version] : [];
  });
}

/** `line L, column C` of an offset, 1-based. */
function position(sql: string, offset: number): string {
  const before = sql.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** A one-line excerpt of the statement, quoted. */
function excerpt(sql: string, from: number, length: number): string {
  const start = Math.max(0, from);
  const text = sql.slice(start, start + length).replace(/\s+/g, ' ').trim();
  return `"${start > 0 ? '...' : ''}${text}${start + length < sql.length ? '...' : ''}"`;
}
