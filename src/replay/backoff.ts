export interface BackoffOptions {
  /** Delay cap of the first retry. @default 100 */
  readonly baseDelayMs?: number;
  /** Upper bound of any delay. @default 5000 */
  readonly maxDelayMs?: number;
}

/**
 * Exponential backoff with full jitter (a uniform delay up to the exponential cap), which
 * spreads retries of concurrent senders instead of having them collide again.
 */
export function fullJitterDelay(retry: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? 100;
  const cap = Math.min(options.maxDelayMs ?? 5000, base * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}
