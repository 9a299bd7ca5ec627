import { Random } from './random';
import { SensorEvent } from './schema';

/**
 * How a record can be broken. `invalid_json` and `wrong_type` cannot be converted to the schema
 * (Firehose sends them to its errors prefix); `missing_field` lands with a NULL (the OpenX JSON
 * SerDe reads a missing key as NULL) and `out_of_range` with its value, and the Spark jobs keep
 * both in `rejected_events` (src/landing/convert.ts has the whole matrix).
 */
export const MALFORMED_KINDS = ['invalid_json', 'missing_field', 'wrong_type', 'out_of_range'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** The kinds a conversion to the schema rejects. */
export const UNCONVERTIBLE_KINDS: readonly MalformedKind[] = ['invalid_json', 'wrong_type'];

type Mutable = Record<string, unknown> & { location: Record<string, unknown> };

/** Values the OpenX JSON SerDe cannot read into their column (a number in a text column it reads as text). */
const WRONG_TYPES: ReadonlyArray<(e: Mutable) => void> = [
  (e) => { e.sensor_id = `sensor-${String(e.sensor_id)}`; },
  (e) => { e.temperature = `${String(e.temperature)}C`; },
  (e) => { e.humidity = true; },
  (e) => { (e as Record<string, unknown>).location = `${String(e.location.latitude)},${String(e.location.longitude)}`; },
  (e) => { e.timestamp = new Date(Number(e.timestamp) * 1000).toISOString(); },
  (e) => { e.sensor_id = Number(e.sensor_id) + 0.5; },
];

const OUT_OF_RANGE: ReadonlyArray<(e: Mutable) => void> = [
  (e) => { e.temperature = 151.5; },
  (e) => { e.temperature = -88.25; },
  (e) => { e.humidity = 130.5; },
  (e) => { e.humidity = -4.5; },
  (e) => { e.location.latitude = 95.5; },
];

const MISSING: readonly string[] = ['sensor_id', 'temperature', 'humidity', 'location', 'status', 'event_type', 'timestamp', 'uuid', 'location.latitude'];

/** The JSON line of `event` broken in the way `kind` names. */
export function malformedLine(event: SensorEvent, kind: MalformedKind, random: Random): string {
  const copy = JSON.parse(JSON.stringify(event)) as Mutable;
  switch (kind) {
    case 'invalid_json': {
      const line = JSON.stringify(event);
      // A cut anywhere before the closing brace leaves an unterminated object.
      return line.slice(0, random.int(1, line.length - 2));
    }
    case 'missing_field': {
      const field = random.pick(MISSING);
      if (field === 'location.latitude') delete copy.location.latitude;
      else delete copy[field];
      return JSON.stringify(copy);
    }
    case 'wrong_type':
      random.pick(WRONG_TYPES)(copy);
      return JSON.stringify(copy);
    case 'out_of_range':
      random.pick(OUT_OF_RANGE)(copy);
      return JSON.stringify(copy);
  }
}
