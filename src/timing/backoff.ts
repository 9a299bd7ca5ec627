/**
 * The one backoff of the code base: exponential delays from `initialMs`, times `factor` per
 * attempt, capped at `maxMs`; polls wait the delay itself, concurrent senders a uniform share of it
 * (full jitter), which spreads their retries instead of having them collide again.
 */
export interface BackoffOptions {
  /** The first delay (attempt 0). @default 100 */
  readonly initialMs?: number;
  /** Upper bound of any delay. @default 5000 */
  readonly maxMs?: number;
  /** @default 2 */
  readonly factor?: number;
}

/** The delay before retry `attempt` (0 for the first). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 100;
  return Math.min(options.maxMs ?? 5000, initial * (options.factor ?? 2) ** Math.max(0, attempt));
}

/** The same pause every time. */
export function fixedInterval(ms: number): BackoffOptions {
  return { initialMs: ms, maxMs: ms, factor: 1 };
}

/** Successive delays of a poll loop, one per call. */
export function backoffDelays(options: BackoffOptions = {}): () => number {
  let attempt = 0;
  return () => backoffDelay(attempt++, options);
}

/** Full jitter: a uniform delay up to the backoff of `attempt`. */
export function jitteredDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  return Math.floor(random() * backoffDelay(attempt, options));
}

/** Throws when an option that must be a positive number is not, naming the option. */
export function requirePositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${value}.`);
  return value;
}
