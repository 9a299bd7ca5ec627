import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayWindow, isDay, parseDay } from '../../src/kpis/day-window';
import { settleMinutesArgument } from '../../src/kpis/job-arguments';
import { parseRunId } from '../../src/kpis/run-ledger';
import { asOfArgument, parseAsOf } from '../../src/timing/as-of';

interface Values {
  readonly valid: readonly string[];
  readonly invalid: readonly string[];
}

interface ArgumentCorpus {
  readonly days: Values;
  readonly runIds: Values;
  readonly settleMinutes: Values;
  readonly asOf: {
    readonly valid: ReadonlyArray<{ readonly value: string; readonly instant: string; readonly argument: string }>;
    readonly invalid: readonly string[];
  };
}

/** Shared with spark/tests/test_argument_corpus.py: Spark's argument parser accepts exactly what TypeScript does. */
const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'argument-corpus.json'), 'utf8')) as ArgumentCorpus;

/** Whether TypeScript ever passes `text` as --settle-minutes: it renders whole numbers only, in their own digits. */
function rendersSettleMinutes(text: string): boolean {
  try {
    return settleMinutesArgument(Number(text)) === text;
  } catch {
    return false;
  }
}

describe('the jobs\' arguments, on the shared argument corpus', () => {
  it.each(corpus.days.valid)('takes %j as a day', (day) => {
    expect(isDay(day)).toBe(true);
    expect(dayWindow(day, day)).toEqual({ fromDate: day, toDate: day });
  });

  it.each(corpus.days.invalid)('refuses %j as a day', (day) => {
    expect(isDay(day)).toBe(false);
    expect(() => parseDay('--from-date', day)).toThrow(`--from-date must be a UTC day as YYYY-MM-DD, got "${day}".`);
  });

  it.each(corpus.runIds.valid)('takes %j as a run id', (runId) => {
    expect(parseRunId(runId)).toBe(runId);
  });

  it.each(corpus.runIds.invalid)('refuses %j as a run id', (runId) => {
    expect(() => parseRunId(runId)).toThrow('A run id is 1 to 64 letters, digits, _ or -');
  });

  it.each(corpus.settleMinutes.valid)('passes %j as settle minutes', (text) => {
    expect(rendersSettleMinutes(text)).toBe(true);
  });

  it.each(corpus.settleMinutes.invalid)('never passes %j as settle minutes', (text) => {
    expect(rendersSettleMinutes(text)).toBe(false);
  });

  it.each(corpus.asOf.valid.map((c) => [c.value, c.instant, c.argument]))('reads --as-of %j as %s and passes it as %s', (value, instant, argument) => {
    const at = parseAsOf(value)!;
    expect(at.toISOString()).toBe(instant);
    expect(asOfArgument(at)).toBe(argument);
  });

  it.each(corpus.asOf.invalid)('refuses --as-of %j', (value) => {
    expect(() => parseAsOf(value)).toThrow(`--as-of must be a time with its zone, e.g. 2026-11-27T03:30:00Z, got "${value}".`);
  });
});
