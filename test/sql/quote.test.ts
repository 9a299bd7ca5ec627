import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quote, quoteIdentifier } from '../../src/sql/quote';

interface IdentifierCorpus {
  readonly refusal: string;
  readonly accepted: ReadonlyArray<{ readonly name: string; readonly doubleQuoted: string }>;
  readonly refused: ReadonlyArray<{ readonly name: string; readonly why: string }>;
}

/** Shared with spark/tests/test_sql_identifiers.py: both copies of the quoting judge a name alike. */
const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'identifier-corpus.json'), 'utf8')) as IdentifierCorpus;

describe('quoteIdentifier, on the shared identifier corpus', () => {
  it.each(corpus.accepted.map((c) => [c.name, c.doubleQuoted]))('accepts %j as %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it.each(corpus.refused.map((c) => [c.name, c.why]))('refuses %j (%s), saying what to use', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(`"${name}" is not a valid table, column or database name; ${corpus.refusal}.`);
  });
});

describe('quote', () => {
  it('doubles single quotes, the one escape of Trino, Athena and DuckDB literals', () => {
    expect(quote("it's")).toBe("'it''s'");
    expect(quote('a\\b')).toBe("'a\\b'");
  });
});
