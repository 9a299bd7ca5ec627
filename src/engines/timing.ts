import { setTimeout as delay } from 'node:timers/promises';

/** Milliseconds since an arbitrary origin; only differences are used. */
export type Clock = () => number;

/**
 * Waits `ms`; returns early (without throwing) when `signal` aborts, so the caller decides what
 * an abort means, e.g. cancelling the query on the engine first.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const systemClock: Clock = () => performance.now();

export const systemSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch (e) {
    if (!signal?.aborted) throw e;
  }
};

/** Exponential backoff: `initialMs`, then times `factor` per step, capped at `maxMs`. */
export function backoffDelays(initialMs: number, factor: number, maxMs: number): () => number {
  let next = initialMs;
  return () => {
    const current = next;
    next = Math.min(next * factor, maxMs);
    return current;
  };
}

/** Throws when an option that must be a positive number is not, naming the option. */
export function requirePositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${value}.`);
  return value;
}
