import { GeneratedRecord, generateRecords } from '../events/generator';
import { Random, seededRandom } from '../events/random';

/**
 * When simulated events arrive, and how Firehose would buffer them. Pure: the same options give
 * the same arrivals and buffers, so a simulation of many days is repeatable.
 */

/** How late records arrive after their event time; the shares are taken in this order, the rest arrive within minutes. */
export interface LatenessModel {
  /** Share arriving 1 to 6 hours late. @default 0.1 */
  readonly hoursLate?: number;
  /** Share arriving 1 to 5 days late. @default 0.04 */
  readonly daysLate?: number;
}

export interface SimulatedArrival {
  readonly record: GeneratedRecord;
  /** Epoch milliseconds. */
  readonly arrivedAt: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A lateness for one record: most within minutes, a share hours late, a share days late. */
export function lateness(random: Random, model: LatenessModel = {}): number {
  const u = random.next();
  const hours = model.hoursLate ?? 0.1;
  const days = model.daysLate ?? 0.04;
  if (u < days) return DAY + Math.floor(random.next() * 4 * DAY);
  if (u < days + hours) return HOUR + Math.floor(random.next() * 5 * HOUR);
  return 5_000 + Math.floor(random.next() * 10 * MINUTE);
}

export interface DayOfEventsOptions {
  /** The UTC day the events happen on, `YYYY-MM-DD`. */
  readonly day: string;
  readonly events: number;
  readonly seed: number;
  readonly sensors?: number;
  /** @default 0.03 */
  readonly duplicateRate?: number;
  /** @default 0.01 */
  readonly malformedRate?: number;
  readonly lateness?: LatenessModel;
}

/** One day of generated records (duplicates and malformed ones included) and when each arrives. */
export function dayOfArrivals(options: DayOfEventsOptions): SimulatedArrival[] {
  // Lateness draws from a stream of its own, so the events are the generator's own for the seed.
  const random = seededRandom(options.seed + 0x5eed);
  const records = generateRecords({
    count: options.events,
    seed: options.seed,
    sensors: options.sensors,
    days: 1,
    start: `${options.day}T00:00:00Z`,
    duplicateRate: options.duplicateRate ?? 0.03,
    malformedRate: options.malformedRate ?? 0.01,
  });
  return [...records].map((record) => ({ record, arrivedAt: record.event.timestamp * 1000 + lateness(random, options.lateness) }));
}

/** What Firehose delivers as one object: the records that arrived while its buffer was open. */
export interface DeliveredBuffer {
  /** Arrival of the oldest record: the object's key prefix (Firehose docs, "Custom Prefixes for Amazon S3 Objects"). */
  readonly openedAt: number;
  /** When the buffering interval ran out and the object was written. */
  readonly deliveredAt: number;
  readonly records: readonly GeneratedRecord[];
}

/**
 * Groups arrivals into Firehose buffers: a buffer opens with the first record that finds none open
 * and is delivered `intervalMs` later with everything that arrived meanwhile, so a buffer opened at
 * 23:58 carries records of the next day under the previous day's prefix.
 */
export function firehoseBuffers(arrivals: readonly SimulatedArrival[], intervalMs: number): DeliveredBuffer[] {
  const sorted = [...arrivals].sort((a, b) => a.arrivedAt - b.arrivedAt);
  const buffers: DeliveredBuffer[] = [];
  let open: { openedAt: number; records: GeneratedRecord[] } | undefined;
  for (const arrival of sorted) {
    if (open && arrival.arrivedAt >= open.openedAt + intervalMs) {
      buffers.push({ ...open, deliveredAt: open.openedAt + intervalMs });
      open = undefined;
    }
    open ??= { openedAt: arrival.arrivedAt, records: [] };
    open.records.push(arrival.record);
  }
  if (open) buffers.push({ ...open, deliveredAt: open.openedAt + intervalMs });
  return buffers;
}
