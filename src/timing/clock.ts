import { setTimeout as delay } from 'node:timers/promises';

/**
 * The one module that reads the wall clock and sets timers: everything else takes a Clock and a
 * Sleep (injected wherever code waits or measures, so tests control time exactly) or asks this
 * module for them. Durations are differences of two readings.
 */

/** Milliseconds since the epoch. */
export type Clock = () => number;

/**
 * Waits `ms`, resolving early (without throwing) when `signal` aborts, so the caller decides what
 * an abort means (cancel the query, the steps, ...). Injected so tests never sleep.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const systemClock: Clock = () => Date.now();

export const sleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch (e) {
    if (!signal?.aborted) throw e;
  }
};

/** Calls `tick` every `ms` until the returned function is called; the timer never keeps the process alive. */
export function every(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** Seconds since `started` (a Clock reading), to a tenth: what summaries print. */
export function secondsSince(started: number, clock: Clock = systemClock): number {
  return Math.round((clock() - started) / 100) / 10;
}
