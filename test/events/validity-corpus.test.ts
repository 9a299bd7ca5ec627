import { describe, expect, it } from 'vitest';
import { validityCorpus } from './validity-corpus';
import { checkEventLine } from '../../src/events/jsonl';
import { sensorEventSchema } from '../../src/events/schema';
import { brokenRule } from '../../src/kpis/reference';
import { convertRecord } from '../../src/landing/convert';

/**
 * The shared corpus of edge cases, classified by the TypeScript side: the reference computation
 * blames the same rule as the Spark jobs (spark/tests/test_validity_corpus.py) and the validation
 * SQL (test/validation/validation.test.ts), and the replayer's schema check agrees on validity.
 */
describe('the validity corpus in TypeScript', () => {
  const corpus = validityCorpus();

  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(brokenRule(c.event)).toBe(c.rule ?? undefined);
    expect(sensorEventSchema.safeParse(c.event).success).toBe(c.rule === null);
  });

  it('reads a record with the producer\'s trailing newline as the same event, in the replay check and the landing', () => {
    const line = JSON.stringify(corpus[0].event);
    const check = checkEventLine(`${line}\n`);
    expect(check.ok && check.event).toEqual(corpus[0].event);
    const landed = convertRecord(Buffer.from(`${line}\n`));
    expect(landed.ok && landed.row).toEqual(corpus[0].event);
  });
});
