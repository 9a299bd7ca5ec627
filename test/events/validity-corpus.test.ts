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
    expect(checkEventLine(JSON.stringify(c.event)).ok).toBe(c.rule === null);
  });

  it('counts a line as the pipeline will: valid when Firehose\'s OpenX SerDe lands it as a row that breaks no rule', () => {
    const event = corpus[0].event as Record<string, unknown>;
    // The OpenX SerDe reads these into a valid row, so the replay counts them valid, as the KPIs will.
    const coerced = JSON.stringify({ ...event, SENSOR_ID: String(event.sensor_id), sensor_id: undefined, humidity: ` ${String(event.humidity)}`, extra: 1 });
    expect(checkEventLine(coerced)).toEqual({ ok: true, event });
    // A missing key lands as NULL and rejected_events keeps the row; a fraction in an int column goes to errors/.
    expect(checkEventLine(JSON.stringify({ ...event, uuid: undefined }))).toEqual({ ok: false, reason: 'breaks the rule uuid-missing' });
    expect(checkEventLine(JSON.stringify({ ...event, sensor_id: 1.5 }))).toMatchObject({ ok: false, reason: expect.stringMatching(/^field sensor_id: expected int/) as unknown });
    expect(checkEventLine('{"sensor_id": 1')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not valid JSON/) as unknown });
  });

  it('reads a record with the producer\'s trailing newline as the same event, in the replay check and the landing', () => {
    const line = JSON.stringify(corpus[0].event);
    const check = checkEventLine(`${line}\n`);
    expect(check.ok && check.event).toEqual(corpus[0].event);
    const landed = convertRecord(Buffer.from(`${line}\n`));
    expect(landed.ok && landed.row).toEqual(corpus[0].event);
  });
});
