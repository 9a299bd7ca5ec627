import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawEvent } from '../../src/kpis/reference';

/** A case of the shared validity corpus (test/fixtures/validity-corpus.json). */
export interface CorpusCase {
  readonly name: string;
  readonly event: RawEvent;
  /** The first rule broken, or null for a valid event. */
  readonly rule: string | null;
}

const SPECIAL: Record<string, number> = { 'NaN': Number.NaN, 'Infinity': Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

function decode(value: unknown): unknown {
  if (typeof value === 'string' && value in SPECIAL) return SPECIAL[value];
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  return value;
}

export const CORPUS_FILE = path.join(__dirname, '..', 'fixtures', 'validity-corpus.json');

/** The corpus, every case's change applied to the base event, special doubles decoded. */
export function validityCorpus(): CorpusCase[] {
  const corpus = JSON.parse(fs.readFileSync(CORPUS_FILE, 'utf8')) as { base: object; cases: Array<{ name: string; change: object; rule: string | null }> };
  return corpus.cases.map((c) => ({ name: c.name, event: decode({ ...corpus.base, ...c.change }) as RawEvent, rule: c.rule }));
}
