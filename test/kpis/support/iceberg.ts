import { GetTableCommand } from '@aws-sdk/client-glue';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { EmulatorClients } from '../../../src/local/bootstrap';

/** The Iceberg snapshot a Glue table points at now, read from its metadata file. */
export async function currentSnapshotId(clients: EmulatorClients, database: string, table: string): Promise<string> {
  const { Table } = await clients.glue.send(new GetTableCommand({ DatabaseName: database, Name: table }));
  const location = Table?.Parameters?.metadata_location;
  if (!location) throw new Error(`Glue table ${database}.${table} has no Iceberg metadata_location.`);
  const match = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!match) throw new Error(`Unexpected metadata location ${location}.`);
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  // Snapshot ids are 64-bit, beyond a JS number: take the digits from the text, not JSON.parse.
  const raw = /"current-snapshot-id"\s*:\s*(-?\d+)/.exec(await object.Body!.transformToString());
  if (!raw) throw new Error(`Table ${database}.${table} has no current snapshot.`);
  return raw[1];
}
