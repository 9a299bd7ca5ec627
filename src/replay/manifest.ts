import { createHash } from 'node:crypto';
import { ReplayRecord } from './records';
import { FAULTY_STATUS } from '../events/schema';
import { utcDay } from '../kpis/day-window';

/** What was delivered on one event day (UTC), counted over distinct valid uuids. */
export interface DayExpectation {
  /** Distinct valid events: what a de-duplicating KPI job counts. */
  readonly distinctEvents: number;
  /** Valid deliveries including re-deliveries of the same uuid. */
  readonly deliveries: number;
  readonly distinctByEventType: Readonly<Record<string, number>>;
  readonly distinctFaulty: number;
  /** sha256 of the day's sorted distinct uuids, one per line. */
  readonly uuidDigest: string;
}

/** A JSON record of what a replay delivered, for validation to compare against later. */
export interface ReplayManifest {
  readonly version: 1;
  readonly streamName: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly source: Readonly<Record<string, unknown>>;
  readonly counts: {
    /** Records delivered to the stream. */
    readonly delivered: number;
    readonly undelivered: number;
    /** Delivered records that pass the schema check, re-deliveries included. */
    readonly validDelivered: number;
    readonly distinctValidUuids: number;
    /** Valid records whose uuid was delivered before. */
    readonly duplicatesDelivered: number;
    /** Delivered records that fail the schema check (the landing sends some to errors; Spark excludes the rest). */
    readonly invalidDelivered: number;
  };
  /** Event time of the valid delivered events, ISO 8601. */
  readonly eventTime: { readonly first?: string; readonly last?: string };
  readonly days: Readonly<Record<string, DayExpectation>>;
  /** sha256 of all sorted distinct valid uuids, one per line. */
  readonly uuidDigest: string;
  /** Every distinct valid uuid, when asked for. */
  readonly uuids?: readonly string[];
  readonly undeliveredUuids: readonly string[];
  /**
   * The environment's bronze already held landed events before this replay (an earlier replay, a
   * scheduled night's data): the tables then count more than this manifest lists, so validation does
   * not hold them to its exact per-day totals. Absent: not asked.
   */
  readonly environmentHeldEvents?: boolean;
}

const digest = (uuids: string[]) => createHash('sha256').update(uuids.sort().join('\n')).digest('hex');

interface DayState {
  deliveries: number;
  uuids: Set<string>;
  byType: Map<string, number>;
  faulty: number;
}

/** Collects what was delivered, record by record, into a {@link ReplayManifest}. */
export class ManifestBuilder {
  private readonly uuids = new Set<string>();
  private readonly days = new Map<string, DayState>();
  private delivered = 0;
  private valid = 0;
  private invalid = 0;
  private duplicates = 0;
  private first?: number;
  private last?: number;

  recordDelivered(record: ReplayRecord): void {
    this.delivered++;
    const event = record.event;
    if (!event) {
      this.invalid++;
      return;
    }
    this.valid++;
    this.first = this.first === undefined ? event.timestamp : Math.min(this.first, event.timestamp);
    this.last = this.last === undefined ? event.timestamp : Math.max(this.last, event.timestamp);
    const dayKey = utcDay(event.timestamp);
    let day = this.days.get(dayKey);
    if (!day) {
      day = { deliveries: 0, uuids: new Set(), byType: new Map(), faulty: 0 };
      this.days.set(dayKey, day);
    }
    day.deliveries++;
    if (this.uuids.has(event.uuid)) {
      this.duplicates++;
      return;
    }
    this.uuids.add(event.uuid);
    day.uuids.add(event.uuid);
    day.byType.set(event.event_type, (day.byType.get(event.event_type) ?? 0) + 1);
    if (event.status === FAULTY_STATUS) day.faulty++;
  }

  get firstEventTime(): string | undefined {
    return this.first === undefined ? undefined : new Date(this.first * 1000).toISOString();
  }

  get lastEventTime(): string | undefined {
    return this.last === undefined ? undefined : new Date(this.last * 1000).toISOString();
  }

  build(header: Pick<ReplayManifest, 'streamName' | 'startedAt' | 'finishedAt' | 'source' | 'undeliveredUuids'> & { undelivered: number; includeUuids?: boolean }): ReplayManifest {
    const days: Record<string, DayExpectation> = {};
    for (const key of [...this.days.keys()].sort()) {
      const d = this.days.get(key)!;
      days[key] = {
        distinctEvents: d.uuids.size,
        deliveries: d.deliveries,
        distinctByEventType: Object.fromEntries([...d.byType.entries()].sort()),
        distinctFaulty: d.faulty,
        uuidDigest: digest([...d.uuids]),
      };
    }
    const all = [...this.uuids].sort();
    return {
      version: 1,
      streamName: header.streamName,
      startedAt: header.startedAt,
      finishedAt: header.finishedAt,
      source: header.source,
      counts: {
        delivered: this.delivered,
        undelivered: header.undelivered,
        validDelivered: this.valid,
        distinctValidUuids: this.uuids.size,
        duplicatesDelivered: this.duplicates,
        invalidDelivered: this.invalid,
      },
      eventTime: { first: this.firstEventTime, last: this.lastEventTime },
      days,
      uuidDigest: digest(all),
      uuids: header.includeUuids ? all : undefined,
      undeliveredUuids: header.undeliveredUuids,
    };
  }
}
