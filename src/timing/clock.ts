import { setTimeout as delay } from 'node:timers/promises';

/**
 * Milliseconds since the epoch. Injected wherever code waits or measures, so tests control time
 * exactly; durations are differences of two readings.
 */
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
