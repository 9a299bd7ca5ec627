import { RawEvent } from '../../../src/kpis/reference';

/** A bronze row and when it arrived (its arrival-time folder). */
export interface LandedEvent {
  readonly event: RawEvent;
  readonly arrival: Date;
}

/** Park-Miller minimal standard generator: seeded, so every run generates the same events. */
function random(seed: number): () => number {
  const modulus = 2_147_483_647;
  let state = (seed % (modulus - 1)) + 1;
  return () => {
    state = (state * 48_271) % modulus;
    return (state - 1) / (modulus - 1);
  };
}

export interface GenerateOptions {
  /** First event day, `YYYY-MM-DD`. */
  readonly firstDay: string;
  readonly days: number;
  readonly eventsPerDay: number;
  readonly seed?: number;
}

const LOCATIONS = [
  { latitude: 48.8566, longitude: 2.3522 },
  { latitude: 40.7128, longitude: -74.006 },
  { latitude: -33.8688, longitude: 151.2093 },
  { latitude: 35.6762, longitude: 139.6503 },
  { latitude: 0.5, longitude: -0.25 },
];
const STATUSES = ['active', 'active', 'active', 'inactive', 'faulty', 'faulty', 'active'];
const EVENT_TYPES = ['sensor_reading', 'sensor_reading', 'heartbeat', 'alert'];
const HOUR = 3600;

/**
 * Valid events spread over the days, plus what bronze really holds: arrivals up to 36 h after the
 * event, re-deliveries of the same uuid landing in other hours or days, and malformed rows (null
 * keys, out-of-range values, some of them corrupted copies of a valid event's uuid).
 */
export function generateLandedEvents(options: GenerateOptions): LandedEvent[] {
  const rand = random(options.seed ?? 42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const twoDecimals = (min: number, max: number) => Math.round((min + rand() * (max - min)) * 100) / 100;
  const start = Date.parse(`${options.firstDay}T00:00:00Z`) / 1000;
  // Arrivals snap to 6-hour blocks: four bronze files a day keep the Spark reads short in tests.
  const arrivalOf = (ts: number) => {
    const arrival = ts + Math.floor(rand() * 36 * HOUR);
    return new Date((arrival - (arrival % (6 * HOUR))) * 1000);
  };
  const landed: LandedEvent[] = [];
  let n = 0;
  for (let day = 0; day < options.days; day++) {
    for (let i = 0; i < options.eventsPerDay; i++) {
      const sensor = 1 + Math.floor(rand() * 12);
      const event: RawEvent = {
        sensor_id: sensor,
        temperature: twoDecimals(-20, 45),
        humidity: twoDecimals(5, 95),
        location: LOCATIONS[sensor % LOCATIONS.length],
        status: pick(STATUSES),
        event_type: pick(EVENT_TYPES),
        timestamp: start + day * 86_400 + Math.floor(rand() * 86_400),
        uuid: `evt-${String(++n).padStart(6, '0')}`,
      };
      landed.push({ event, arrival: arrivalOf(event.timestamp!) });
      const roll = rand();
      if (roll < 0.08) landed.push({ event, arrival: arrivalOf(event.timestamp!) });
      else if (roll < 0.12) landed.push({ event: corrupt(event, rand), arrival: arrivalOf(event.timestamp!) });
      else if (roll < 0.15) landed.push({ event: corrupt({ ...event, uuid: `bad-${n}` }, rand), arrival: arrivalOf(event.timestamp!) });
    }
  }
  return landed;
}

function corrupt(event: RawEvent, rand: () => number): RawEvent {
  const corruptions: Array<(e: RawEvent) => RawEvent> = [
    (e) => ({ ...e, sensor_id: null }),
    (e) => ({ ...e, uuid: null }),
    (e) => ({ ...e, location: null }),
    (e) => ({ ...e, status: null }),
    (e) => ({ ...e, temperature: 200 }),
    (e) => ({ ...e, humidity: -3 }),
    (e) => ({ ...e, location: { latitude: 95, longitude: 10 } }),
    (e) => ({ ...e, location: { latitude: 10, longitude: -181 } }),
    (e) => ({ ...e, status: '' }),
    (e) => ({ ...e, sensor_id: 0 }),
  ];
  return corruptions[Math.floor(rand() * corruptions.length)](event);
}
