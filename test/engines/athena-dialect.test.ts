import { afterEach, describe, expect, it } from 'vitest';
import { FakeTrino, running, startFakeTrino } from './fake-trino';
import { ATHENA_RULES, AthenaDialectError, athenaViolations, checkAthenaDialect, MAX_QUERY_BYTES } from '../../src/engines/athena-dialect';
import { QueryParameter, sqlDate } from '../../src/engines/query-engine';
import { TrinoEngine } from '../../src/engines/trino';

const rules = (sql: string, params: readonly QueryParameter[] = []) => athenaViolations(sql, params).map((v) => v.rule);

describe("Athena's documented dialect, checked before any engine sends a statement", () => {
  it('refuses SELECT ? with Athena\'s words, the page they are on, where the ? is and what to do', () => {
    let error: unknown;
    try {
      checkAthenaDialect('SELECT ? AS table_name', ['sensor_health']);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(AthenaDialectError);
    const message = (error as Error).message;
    expect(message).toContain('Athena User Guide, "Use parameterized queries"');
    expect(message).toContain('"Currently, ? parameters can be placed only in the WHERE clause. Syntax like SELECT ? FROM table is not supported."');
    expect(message).toContain('the ? at line 1, column 8');
    expect(message).toContain('is in the SELECT list');
    expect(message).toContain('sqlLiteral in src/engines/sql-literals.ts');
    expect((error as AthenaDialectError).violations.map((v) => v.rule)).toEqual(['whereOnly']);
  });

  it('names a rule broken in many places once, with its first places and how many more', () => {
    const sql = `INSERT INTO t VALUES ${Array.from({ length: 4 }, () => '(?, ?)').join(', ')}`;
    const error = (() => {
      try {
        checkAthenaDialect(sql, [1, 2, 3, 4, 5, 6, 7, 8]);
      } catch (e) {
        return e as AthenaDialectError;
      }
      throw new Error('expected a refusal');
    })();

    expect(error.violations).toHaveLength(8);
    expect(error.message.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(1);
    expect(error.message).toContain('is in a VALUES list; and 5 more. Athena User Guide, "Use parameterized queries"');
  });

  it('accepts ? in WHERE clauses, whatever the expressions and subqueries around it', () => {
    expect(rules('SELECT * FROM t WHERE day BETWEEN ? AND ? AND status IN (?, ?) AND coalesce(x, ?) > 0', [sqlDate('2026-11-01'), sqlDate('2026-11-02'), 'a', 'b', 1])).toEqual([]);
    // A subquery's own WHERE, in a CTE, in FROM, in an IN list and in a select list.
    expect(rules(`WITH scoped AS (SELECT a FROM t WHERE b = ?)
SELECT (SELECT max(c) FROM u WHERE d = ?) AS m
FROM (SELECT * FROM scoped WHERE a > ?) s
WHERE s.a IN (SELECT a FROM v WHERE e = ?)`, ['x', 'y', 1, 'z'])).toEqual([]);
    expect(rules('SELECT * FROM t WHERE a = ? UNION ALL SELECT * FROM u WHERE b = ?', [1, 2])).toEqual([]);
  });

  it('refuses ? in every other place: select lists, CASE, function arguments, FROM, JOIN ... ON, VALUES, LIMIT, aggregate FILTER', () => {
    const placed = (sql: string, params: readonly QueryParameter[]) => athenaViolations(sql, params).map((v) => `${v.rule}: ${v.detail.replace(/^.*\) is in /, '')}`);
    expect(placed('SELECT CASE tag WHEN ? THEN 1 END FROM t', ['a'])).toEqual(['whereOnly: the SELECT list']);
    expect(placed("SELECT * FROM UNNEST(sequence(?, ?, INTERVAL '1' DAY)) AS w (day)", [sqlDate('2026-11-01'), sqlDate('2026-11-02')]))
      .toEqual(['whereOnly: the FROM clause', 'whereOnly: the FROM clause']);
    expect(placed('SELECT * FROM (SELECT a FROM t WHERE b = ?) s JOIN u ON u.a = ?', [1, 2])).toEqual(['whereOnly: a JOIN condition (ON)']);
    expect(placed('SELECT * FROM t WHERE a = 1 ORDER BY a LIMIT ?', [5])).toEqual(['whereOnly: the LIMIT clause']);
    expect(placed('SELECT count(*) FILTER (WHERE status = ?) FROM t', ['OK'])).toEqual(['whereOnly: the SELECT list']);
    expect(placed('SELECT a FROM t GROUP BY a HAVING count(*) > ?', [1])).toEqual(['whereOnly: the HAVING clause']);
    // Athena lists INSERT INTO among the parameterized statements, but its VALUES is not a WHERE clause.
    expect(placed('INSERT INTO t (run_id, passed) VALUES (?, ?)', ['r1', true])).toEqual(['whereOnly: a VALUES list', 'whereOnly: a VALUES list']);
    expect(placed('INSERT INTO t (a) SELECT a FROM u WHERE b = ?', [1])).toEqual([]);
  });

  it('does not count a ? in a string literal, a quoted identifier or a comment as a parameter', () => {
    const sql = `SELECT 'why?' AS "what?", 'it''s ?' AS q -- is this a ?
FROM t /* ? and ? */
WHERE a = ?`;
    expect(rules(sql, [1])).toEqual([]);
    expect(rules(sql, [])).toEqual(['positional']);
  });

  it('refuses a count of parameters other than the ?s, both ways', () => {
    expect(athenaViolations('SELECT * FROM t WHERE a = ? AND b = ?', [1]).map((v) => v.detail))
      .toEqual(['the statement has 2 ? placeholder(s) and 1 parameter(s) were given']);
    expect(rules('SELECT * FROM t WHERE a = 1', ['extra'])).toEqual(['positional']);
  });

  it('takes parameters only in the statements Athena lists: SELECT, INSERT INTO, CTAS and UNLOAD', () => {
    expect(rules('DELETE FROM t WHERE a = ?', [1])).toEqual(['statementKinds']);
    expect(rules('CREATE TABLE x AS SELECT * FROM t WHERE a = ?', [1])).toEqual([]);
    expect(rules("UNLOAD (SELECT * FROM t WHERE a = ?) TO 's3://b/p/' WITH (format = 'PARQUET')", [1])).toEqual([]);
    expect(rules('DELETE FROM t WHERE a = 1')).toEqual([]);
  });

  it('reads Iceberg versions by snapshot id and only the metadata tables Athena has', () => {
    expect(rules('SELECT * FROM "c"."d"."t" FOR VERSION AS OF 949530903748831860')).toEqual([]);
    expect(rules('SELECT * FROM "c"."d"."t" FOR VERSION AS OF \'audit_r1\'')).toEqual(['versionTravel']);
    expect(rules('SELECT name FROM "c"."d"."t$refs" r JOIN "c"."d"."t$snapshots" s ON s.snapshot_id = r.snapshot_id')).toEqual([]);
    expect(rules('SELECT count(*) FROM "c"."d"."t$files" WHERE "$path" IS NOT NULL')).toEqual([]);
    expect(rules('SELECT * FROM "c"."d"."t$properties"')).toEqual(['metadataTables']);
  });

  it('counts the statement\'s length in UTF-8 bytes, as StartQueryExecution does', () => {
    const padded = (bytes: number) => `SELECT 1 -- ${'x'.repeat(bytes - 'SELECT 1 -- '.length)}`;
    expect(rules(padded(MAX_QUERY_BYTES))).toEqual([]);
    expect(rules(padded(MAX_QUERY_BYTES + 1))).toEqual(['queryLength']);
    // 'é' is one character and two bytes.
    expect(rules(`${padded(MAX_QUERY_BYTES - 2)}é`)).toEqual([]);
    expect(rules(`${padded(MAX_QUERY_BYTES - 1)}é`)).toEqual(['queryLength']);
  });

  it('has a statement that breaks each rule, and only that rule', () => {
    const breaking: Record<keyof typeof ATHENA_RULES, [string, QueryParameter[]]> = {
      whereOnly: ['SELECT ? FROM t', [1]],
      statementKinds: ['DELETE FROM t WHERE a = ?', [1]],
      positional: ['SELECT * FROM t WHERE a = ?', []],
      versionTravel: ["SELECT * FROM t FOR VERSION AS OF 'main'", []],
      metadataTables: ['SELECT * FROM "t$entries"', []],
      queryLength: [`SELECT '${'x'.repeat(MAX_QUERY_BYTES)}'`, []],
    };
    for (const [rule, [sql, params]] of Object.entries(breaking)) {
      expect(rules(sql, params), rule).toEqual([rule]);
      expect(() => checkAthenaDialect(sql, params), rule).toThrow(ATHENA_RULES[rule as keyof typeof ATHENA_RULES].words);
    }
  });
});

describe('the local stand-in refuses what Athena refuses', () => {
  let trino: FakeTrino | undefined;
  afterEach(async () => {
    await trino?.close();
    trino = undefined;
  });

  it('TrinoEngine refuses SELECT ? before sending anything, though Trino itself would run it', async () => {
    trino = await startFakeTrino((_request, endpoint) => running(endpoint, 'q1', 0));
    const engine = new TrinoEngine({ endpoint: trino.endpoint, clock: () => 0 });

    await expect(engine.query('SELECT ? AS tag', ['bronze'])).rejects.toThrow(AthenaDialectError);
    await expect(engine.query('SELECT ? AS tag', ['bronze'])).rejects.toThrow('Syntax like SELECT ? FROM table is not supported.');
    expect(trino.requests).toEqual([]);
  });
});
