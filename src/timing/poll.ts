import { BackoffOptions, backoffDelays } from './backoff';
import { Clock, Sleep, sleep as realSleep, systemClock } from './clock';

export interface PollOptions {
  /** How long to keep polling. */
  readonly timeoutMs: number;
  /** The pauses between polls (timing/backoff.ts): from `initialMs`, times `factor` each time, up to `maxMs`; factor 1 for a fixed interval. */
  readonly backoff: BackoffOptions;
  /** Aborting ends the wait after the poll in progress. */
  readonly signal?: AbortSignal;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default the clock module's sleep */
  readonly sleep?: Sleep;
}

/** What one poll found: the wait's result, or what is still pending (for the message when the wait ends without one). */
export type Poll<T, P> = { readonly done: true; readonly value: T } | { readonly done: false; readonly pending: P };

/** How a wait ended, after how many polls and how long. */
export type PollOutcome<T, P> = { readonly polls: number; readonly waitedMs: number } & (
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'timed-out' | 'aborted'; readonly pending: P }
);

/**
 * The one wait-until loop of the code base: polls until `poll` is done, the timeout passes or the
 * signal aborts, pausing between polls with the backoff but never past the deadline. A pause ends
 * early on abort; the wait then ends with what the last poll found.
 */
export async function pollUntil<T, P>(poll: (attempt: number) => Promise<Poll<T, P>>, options: PollOptions): Promise<PollOutcome<T, P>> {
  const clock = options.clock ?? systemClock;
  const pause = options.sleep ?? realSleep;
  const started = clock();
  const deadline = started + options.timeoutMs;
  const delays = backoffDelays(options.backoff);
  for (let attempt = 0; ; attempt++) {
    const result = await poll(attempt);
    const ended = { polls: attempt + 1, waitedMs: clock() - started };
    if (result.done) return { kind: 'done', value: result.value, ...ended };
    if (options.signal?.aborted) return { kind: 'aborted', pending: result.pending, ...ended };
    const left = deadline - clock();
    if (left <= 0) return { kind: 'timed-out', pending: result.pending, ...ended };
    await pause(Math.min(delays(), left), options.signal);
  }
}
