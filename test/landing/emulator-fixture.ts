import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, _Record } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/config/config';
import { ResourceNames } from '../../src/config/names';
import { EmulatorClients, bootstrapLocalResources, emulatorClients } from '../../src/local/bootstrap';
import { EmulatorProcess, startEmulator } from '../../src/local/emulator';
import { localPaths } from '../../src/local/paths';
import { stopProcessGroup } from '../../src/local/processes';

/** An emulator of our own for one suite, with the pipeline's resources created in it. */
export interface EmulatorFixture {
  readonly emulator: EmulatorProcess;
  readonly clients: EmulatorClients;
  readonly names: ResourceNames;
  stop(): Promise<void>;
}

export async function startEmulatorFixture(): Promise<EmulatorFixture> {
  const emulator = await startEmulator({ paths: localPaths() });
  try {
    const clients = emulatorClients(emulator.endpoint);
    const names = loadConfig({ target: 'local' }).names;
    await bootstrapLocalResources(clients, names);
    return { emulator, clients, names, stop: () => stopProcessGroup(emulator.pid) };
  } catch (e) {
    await stopProcessGroup(emulator.pid);
    throw e;
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  }
  return keys;
}

/** Downloads objects into a folder; returns the local file paths. */
export async function download(s3: S3Client, bucket: string, keys: readonly string[], dir: string): Promise<string[]> {
  return Promise.all(keys.map(async (key, i) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const file = path.join(dir, `${i}-${path.basename(key)}`);
    fs.writeFileSync(file, await object.Body!.transformToByteArray());
    return file;
  }));
}

/** Every record of a stream, read shard by shard from the oldest record, with the shard it is in. */
export async function readStreamRecords(kinesis: KinesisClient, streamName: string): Promise<Array<_Record & { readonly shardId: string }>> {
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const records: Array<_Record & { shardId: string }> = [];
  for (const shard of shards.Shards ?? []) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      records.push(...(page.Records ?? []).map((r) => ({ ...r, shardId: shard.ShardId! })));
      if ((page.Records?.length ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

/** Records in a stream, counted by reading every shard from its oldest record. */
export async function countStreamRecords(kinesis: KinesisClient, streamName: string): Promise<number> {
  return (await readStreamRecords(kinesis, streamName)).length;
}

/** A row as JSON with the schema's field order, the form generated lines have; a missing value is null, as it lands. */
export const canonical = (row: Record<string, unknown>) => {
  const location = row.location as Record<string, unknown> | null | undefined;
  return JSON.stringify({
    sensor_id: row.sensor_id ?? null,
    temperature: row.temperature ?? null,
    humidity: row.humidity ?? null,
    location: location == null ? null : { latitude: location.latitude ?? null, longitude: location.longitude ?? null },
    status: row.status ?? null,
    event_type: row.event_type ?? null,
    timestamp: row.timestamp == null ? null : Number(row.timestamp),
    uuid: row.uuid ?? null,
  });
};

/** A generated JSON line as the row it lands as. */
export const landedLine = (line: string) => canonical(JSON.parse(line) as Record<string, unknown>);

/** What `expected` has that `actual` lacks and the reverse, counting repeats; small to print when it fails. */
export function multisetDifference(actual: readonly string[], expected: readonly string[]) {
  const counts = new Map<string, number>();
  for (const e of expected) counts.set(e, (counts.get(e) ?? 0) + 1);
  const unexpected: string[] = [];
  for (const a of actual) {
    const n = counts.get(a) ?? 0;
    if (n === 0) unexpected.push(a);
    else counts.set(a, n - 1);
  }
  const missing = [...counts.entries()].flatMap(([line, n]) => Array<string>(n).fill(line));
  return { missing: missing.slice(0, 5), unexpected: unexpected.slice(0, 5) };
}
