import * as fs from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { LandedEvent } from './events';
import { renderBronzePrefix } from '../../../src/config/names';
import { EVENT_FIELDS, duckdbType } from '../../../src/events/schema';

/**
 * Writes events into bronze as the landing does: one Parquet file per arrival hour, with the
 * event schema, under the arrival-time prefix, named `<name>-<n>.parquet`. Returns the keys written.
 */
export async function writeBronze(s3: S3Client, bucket: string, landed: readonly LandedEvent[], workDir: string, name = 'part'): Promise<string[]> {
  const byPrefix = new Map<string, LandedEvent[]>();
  for (const item of landed) {
    const prefix = renderBronzePrefix(item.arrival);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), item]);
  }
  fs.mkdirSync(workDir, { recursive: true });
  const columns = `{${EVENT_FIELDS.map((f) => `${f.name}: '${duckdbType(f.type)}'`).join(', ')}}`;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const keys: string[] = [];
  try {
    let n = 0;
    for (const [prefix, items] of byPrefix) {
      const json = path.join(workDir, `batch-${n}.json`);
      const parquet = path.join(workDir, `batch-${n++}.parquet`);
      fs.writeFileSync(json, items.map((i) => JSON.stringify(i.event)).join('\n'));
      await connection.run(`COPY (SELECT * FROM read_json('${json}', format = 'newline_delimited', columns = ${columns})) TO '${parquet}' (FORMAT parquet)`);
      const key = `${prefix}${name}-${n}.parquet`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fs.readFileSync(parquet) }));
      keys.push(key);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return keys;
}
