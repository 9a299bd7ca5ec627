import { BRONZE_PREFIX } from './names';

/**
 * The raw Glue table: the one definition the CDK app (the table Firehose converts JSON through) and
 * the local bootstrap create. Its columns are the event schema (`glueColumns`); its partition keys are the arrival
 * hour of Firehose's key prefix, found by partition projection (Athena docs, "Use partition
 * projection with Amazon Athena"; Trino's Hive connector reads the same table properties), so no
 * partition is ever registered and a query that filters on the keys reads only those hours.
 */

/** One arrival-hour partition key, the `!{timestamp:...}` namespace of BRONZE_PREFIX it stands for, and its projection. */
export interface ArrivalKey {
  readonly name: string;
  readonly namespace: string;
  readonly digits: number;
  readonly range: readonly [number, number];
}

export const ARRIVAL_KEYS: readonly ArrivalKey[] = [
  { name: 'arrival_year', namespace: '!{timestamp:yyyy}', digits: 4, range: [2020, 2100] },
  { name: 'arrival_month', namespace: '!{timestamp:MM}', digits: 2, range: [1, 12] },
  { name: 'arrival_day', namespace: '!{timestamp:dd}', digits: 2, range: [1, 31] },
  { name: 'arrival_hour', namespace: '!{timestamp:HH}', digits: 2, range: [0, 23] },
];

/**
 * The bronze table's static key prefix (`events/`): everything in {@link BRONZE_PREFIX} before
 * its first Firehose namespace, so the table and the delivery stream cannot disagree.
 */
export function bronzeTablePrefix(): string {
  const staticPart = BRONZE_PREFIX.slice(0, BRONZE_PREFIX.indexOf('!{'));
  return staticPart.slice(0, staticPart.lastIndexOf('/') + 1);
}

/** Where projection finds an arrival hour's objects: BRONZE_PREFIX with the keys in place of Firehose's namespaces. */
export function storageLocationTemplate(bucket: string): string {
  const prefix = ARRIVAL_KEYS.reduce((template, key) => template.replace(key.namespace, `\${${key.name}}`), BRONZE_PREFIX);
  return `s3://${bucket}/${prefix}`;
}

/** The partition keys as Glue columns: strings, zero-padded as in the key prefix. */
export function rawTablePartitionKeys(): Array<{ Name: string; Type: string; Comment: string }> {
  return ARRIVAL_KEYS.map((key) => ({ Name: key.name, Type: 'string', Comment: `Arrival ${key.name.slice('arrival_'.length)} (UTC) of the object's oldest record, from its key` }));
}

/** The table's parameters: Parquet, and the projection of the arrival keys. */
export function rawTableParameters(bucket: string): Record<string, string> {
  const parameters: Record<string, string> = {
    'classification': 'parquet',
    'parquet.compression': 'SNAPPY',
    'projection.enabled': 'true',
    'storage.location.template': storageLocationTemplate(bucket),
  };
  for (const key of ARRIVAL_KEYS) {
    parameters[`projection.${key.name}.type`] = 'integer';
    parameters[`projection.${key.name}.range`] = key.range.join(',');
    parameters[`projection.${key.name}.digits`] = String(key.digits);
  }
  return parameters;
}
