import { z } from 'zod';
import { MALFORMED_KINDS, MalformedKind, malformedLine } from './anomalies';
import { Sensor, buildFleet } from './fleet';
import { Random, seededRandom } from './random';
import { FAULTY_STATUS, SensorEvent } from './schema';

/** Event types and their shares of readings: the seed's `sensor_reading` and `alert`, and a heartbeat. */
export const EVENT_TYPES = [
  { type: 'sensor_reading', share: 0.9 },
  { type: 'alert', share: 0.06 },
  { type: 'heartbeat', share: 0.04 },
] as const;

/** The seed's status values: `faulty` marks a faulty reading (FAULTY_STATUS). */
export const STATUSES = { active: 'active', inactive: 'inactive', faulty: FAULTY_STATUS } as const;

export interface GeneratorOptions {
  /** Records to produce, anomalies included. */
  readonly count: number;
  /** @default 1 */
  readonly seed?: number;
  /** Sensors in the fleet. @default 100 */
  readonly sensors?: number;
  /** Days the timestamps spread over. @default 3 */
  readonly days?: number;
  /** First event time (UTC). @default 2026-11-01T00:00:00Z */
  readonly start?: Date | string;
  /** Share of sensors that report `faulty` on part of their readings. @default 0.1 */
  readonly faultySensorShare?: number;
  /** Share of records that re-deliver an earlier event (same uuid, same bytes). @default 0 */
  readonly duplicateRate?: number;
  /** Share of records that are malformed (invalid JSON, missing field, wrong type, out of range). @default 0 */
  readonly malformedRate?: number;
}

const rate = (what: string) => z.number().min(0, `${what} must be between 0 and 1`).max(1, `${what} must be between 0 and 1`);

const optionsSchema = z.object({
  count: z.number().int('count must be a whole number').min(0, 'count must not be negative').max(50_000_000, 'count must be at most 50,000,000'),
  seed: z.number().int('seed must be a whole number').default(1),
  sensors: z.number().int().min(1, 'sensors must be at least 1').max(1_000_000, 'sensors must be at most 1,000,000').default(100),
  days: z.number().positive('days must be positive').max(3660, 'days must be at most 3660').default(3),
  start: z.union([z.date(), z.string()]).default('2026-11-01T00:00:00Z').transform((v, ctx) => {
    const date = new Date(v);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: `start must be an ISO date/time, got ${String(v)}` });
      return z.NEVER;
    }
    return date;
  }),
  faultySensorShare: rate('faultySensorShare').default(0.1),
  duplicateRate: rate('duplicateRate').default(0),
  malformedRate: rate('malformedRate').default(0),
}).refine((o) => o.duplicateRate + o.malformedRate <= 1, 'duplicateRate + malformedRate must be at most 1');

export type ResolvedGeneratorOptions = z.output<typeof optionsSchema>;

/** Validates generator options with messages that name the option to change. */
export function resolveGeneratorOptions(options: GeneratorOptions): ResolvedGeneratorOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(`Invalid generator options: ${parsed.error.issues.map((i) => i.message).join('; ')}.`);
  }
  return parsed.data;
}

export type RecordKind = 'event' | 'duplicate' | MalformedKind;

/** One generated record: the line to send and what it is, so tests know what to expect. */
export interface GeneratedRecord {
  readonly kind: RecordKind;
  readonly line: string;
  /** The event as generated (for malformed records: before it was broken). */
  readonly event: SensorEvent;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function reading(sensor: Sensor, timestamp: number, random: Random): SensorEvent {
  // Local solar hour from longitude: the cycle peaks mid-afternoon wherever the sensor is.
  const hour = (((timestamp / 3600) + sensor.site.longitude / 15) % 24 + 24) % 24;
  const cycle = Math.sin((2 * Math.PI * (hour - 9)) / 24);
  const temperature = clamp(sensor.site.meanTemperature + sensor.offset + 5 * cycle + random.normal() * 0.8, -40, 60);
  const humidity = clamp(sensor.site.meanHumidity - 12 * cycle + random.normal() * 3, 5, 99);
  let status: string = STATUSES.active;
  const s = random.next();
  if (sensor.flaky && s < 0.4) status = STATUSES.faulty;
  else if (s > 0.97) status = STATUSES.inactive;
  let u = random.next();
  let eventType: string = EVENT_TYPES[0].type;
  for (const t of EVENT_TYPES) {
    if (u < t.share) {
      eventType = t.type;
      break;
    }
    u -= t.share;
  }
  return {
    sensor_id: sensor.id,
    temperature: round2(temperature),
    humidity: round2(humidity),
    location: { latitude: sensor.site.latitude, longitude: sensor.site.longitude },
    status,
    event_type: eventType,
    timestamp,
    uuid: random.uuid(),
  };
}

/** How many recent events a duplicate may repeat: re-deliveries happen close to the original. */
const DUPLICATE_WINDOW = 256;

/**
 * Generates records deterministically: the same options give the same records, byte for byte.
 * Timestamps rise evenly over the window; anomalies are mixed in at the configured rates.
 */
export function* generateRecords(options: GeneratorOptions): Generator<GeneratedRecord> {
  const o = resolveGeneratorOptions(options);
  const random = seededRandom(o.seed);
  const fleet = buildFleet(o.sensors, o.faultySensorShare, random);
  const startSeconds = Math.floor(o.start.getTime() / 1000);
  const windowSeconds = Math.max(1, Math.round(o.days * 86_400));
  const recent: GeneratedRecord[] = [];
  for (let i = 0; i < o.count; i++) {
    const timestamp = startSeconds + Math.min(windowSeconds - 1, Math.floor(((i + random.next()) * windowSeconds) / o.count));
    const roll = random.next();
    const event = reading(random.pick(fleet), timestamp, random);
    if (roll < o.malformedRate) {
      const kind = random.pick(MALFORMED_KINDS);
      yield { kind, line: malformedLine(event, kind, random), event };
      continue;
    }
    if (roll < o.malformedRate + o.duplicateRate && recent.length > 0) {
      const original = random.pick(recent);
      yield { kind: 'duplicate', line: original.line, event: original.event };
      continue;
    }
    const record: GeneratedRecord = { kind: 'event', line: JSON.stringify(event), event };
    if (recent.length === DUPLICATE_WINDOW) recent.shift();
    recent.push(record);
    yield record;
  }
}

/** All generated records as JSON Lines text (one record a line, trailing newline). */
export function generateJsonl(options: GeneratorOptions): string {
  let text = '';
  for (const record of generateRecords(options)) text += `${record.line}\n`;
  return text;
}
