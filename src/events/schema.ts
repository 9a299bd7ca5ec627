import { z } from 'zod';

/**
 * The sensor event: the one definition every representation derives from (the Glue raw
 * table that Firehose converts through, the landing's Parquet schema, the Spark read schema).
 */

export type PrimitiveType = 'int' | 'bigint' | 'double' | 'string';

export interface StructType {
  readonly struct: readonly EventField[];
}

export interface EventField {
  readonly name: string;
  readonly type: PrimitiveType | StructType;
  readonly description: string;
}

export const EVENT_FIELDS: readonly EventField[] = [
  { name: 'sensor_id', type: 'int', description: 'Sensor identifier; the Kinesis partition key' },
  { name: 'temperature', type: 'double', description: 'Degrees Celsius' },
  { name: 'humidity', type: 'double', description: 'Relative humidity, percent' },
  {
    name: 'location',
    type: {
      struct: [
        { name: 'latitude', type: 'double', description: 'WGS84 latitude, degrees' },
        { name: 'longitude', type: 'double', description: 'WGS84 longitude, degrees' },
      ],
    },
    description: 'Where the sensor is installed',
  },
  { name: 'status', type: 'string', description: 'Sensor status; `faulty` marks a faulty reading' },
  { name: 'event_type', type: 'string', description: 'Kind of event, e.g. `sensor_reading`' },
  { name: 'timestamp', type: 'bigint', description: 'Event time, epoch seconds (UTC)' },
  { name: 'uuid', type: 'string', description: 'Unique event id; duplicates are re-deliveries' },
];

/**
 * Inclusive bounds of the numbers of a valid event. The timestamp's upper bound is the last second
 * of year 9999, the largest a SQL date holds.
 */
export const VALID_RANGES = {
  sensorId: { min: 1, max: 2_147_483_647 },
  temperature: { min: -60, max: 85 },
  humidity: { min: 0, max: 100 },
  latitude: { min: -90, max: 90 },
  longitude: { min: -180, max: 180 },
  timestamp: { min: 0, max: 253_402_300_799 },
} as const;

/** How one rule checks its column: present, present and non-empty, or present and within bounds (NaN is outside). */
export type ValidityCheck =
  | { readonly kind: 'present' }
  | { readonly kind: 'non-empty' }
  | { readonly kind: 'range'; readonly min: number; readonly max: number };

/** One rule of a valid event, over one column of the bronze row (`location.latitude` for nested ones). */
export type ValidityRule = { readonly name: string; readonly column: string } & ValidityCheck;

/**
 * The rules a valid event satisfies, in the order a rejected row is blamed: the one definition
 * the reference computation, the validation SQL and the Spark jobs' cleaning render (the Spark
 * copy is checked by test/kpis/contracts.test.ts). A row breaks a rule when its column is missing
 * (`<name>-missing`), an empty string (`<name>-empty`) or outside its bounds (`<name>-out-of-range`).
 */
export const VALIDITY_RULES: readonly ValidityRule[] = [
  { name: 'sensor_id', column: 'sensor_id', kind: 'range', ...VALID_RANGES.sensorId },
  { name: 'temperature', column: 'temperature', kind: 'range', ...VALID_RANGES.temperature },
  { name: 'humidity', column: 'humidity', kind: 'range', ...VALID_RANGES.humidity },
  { name: 'location', column: 'location', kind: 'present' },
  { name: 'latitude', column: 'location.latitude', kind: 'range', ...VALID_RANGES.latitude },
  { name: 'longitude', column: 'location.longitude', kind: 'range', ...VALID_RANGES.longitude },
  { name: 'status', column: 'status', kind: 'non-empty' },
  { name: 'event_type', column: 'event_type', kind: 'non-empty' },
  { name: 'timestamp', column: 'timestamp', kind: 'range', ...VALID_RANGES.timestamp },
  { name: 'uuid', column: 'uuid', kind: 'non-empty' },
];

/** The status value that marks a faulty reading (KPI semantics). */
export const FAULTY_STATUS = 'faulty';

const boundedNumber = (range: { readonly min: number; readonly max: number }) => z.number().finite().min(range.min).max(range.max);

/** Runtime validator of one event, in the JSON form sent to Kinesis. */
export const sensorEventSchema = z.object({
  sensor_id: z.number().int().min(VALID_RANGES.sensorId.min).max(VALID_RANGES.sensorId.max),
  temperature: boundedNumber(VALID_RANGES.temperature),
  humidity: boundedNumber(VALID_RANGES.humidity),
  location: z.object({
    latitude: boundedNumber(VALID_RANGES.latitude),
    longitude: boundedNumber(VALID_RANGES.longitude),
  }).strict(),
  status: z.string().min(1),
  event_type: z.string().min(1),
  timestamp: z.number().int().min(VALID_RANGES.timestamp.min).max(VALID_RANGES.timestamp.max),
  uuid: z.string().min(1),
}).strict();

export type SensorEvent = z.infer<typeof sensorEventSchema>;

/** Column types as Glue/Hive spell them (the raw table Firehose converts through). */
export function hiveType(type: EventField['type']): string {
  if (typeof type === 'string') return type;
  return `struct<${type.struct.map((f) => `${f.name}:${hiveType(f.type)}`).join(',')}>`;
}

/** The raw table's columns for Glue, in schema order. */
export function glueColumns(): Array<{ Name: string; Type: string; Comment: string }> {
  return EVENT_FIELDS.map((f) => ({ Name: f.name, Type: hiveType(f.type), Comment: f.description }));
}

const DUCKDB_TYPES: Record<PrimitiveType, string> = { int: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE', string: 'VARCHAR' };

/** Column type as DuckDB spells it (the landing writes Parquet through DuckDB). */
export function duckdbType(type: EventField['type']): string {
  if (typeof type === 'string') return DUCKDB_TYPES[type];
  return `STRUCT(${type.struct.map((f) => `${f.name} ${duckdbType(f.type)}`).join(', ')})`;
}

const SPARK_TYPES: Record<PrimitiveType, string> = { int: 'INT', bigint: 'BIGINT', double: 'DOUBLE', string: 'STRING' };

/** Column type in Spark SQL DDL. */
export function sparkType(type: EventField['type']): string {
  if (typeof type === 'string') return SPARK_TYPES[type];
  return `STRUCT<${type.struct.map((f) => `${f.name}: ${sparkType(f.type)}`).join(', ')}>`;
}

/** The Spark read schema as a DDL string (`StructType.fromDDL` accepts it). */
export function sparkSchemaDdl(): string {
  return EVENT_FIELDS.map((f) => `${f.name} ${sparkType(f.type)}`).join(', ');
}
