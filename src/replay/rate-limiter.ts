import { Sleep } from '../timing/clock';

/** Records and bytes per second; `undefined` leaves a dimension unlimited. */
export interface Rate {
  readonly recordsPerSecond?: number;
  readonly bytesPerSecond?: number;
}

/**
 * Paces puts to a rate with "pay after" reservations: a put waits until earlier puts have
 * been paid for, then books its own cost. So a batch larger than one second's budget still
 * goes (no deadlock), and concurrent senders share the budget because reserving is synchronous.
 */
export class RateLimiter {
  private paidUntilMs = 0;

  constructor(private readonly rate: Rate, private readonly clock: () => number, private readonly sleep: Sleep) {}

  async acquire(records: number, bytes: number): Promise<void> {
    const now = this.clock();
    const start = Math.max(now, this.paidUntilMs);
    const costMs = Math.max(
      this.rate.recordsPerSecond ? (records / this.rate.recordsPerSecond) * 1000 : 0,
      this.rate.bytesPerSecond ? (bytes / this.rate.bytesPerSecond) * 1000 : 0,
    );
    this.paidUntilMs = start + costMs;
    if (start > now) await this.sleep(start - now);
  }
}
