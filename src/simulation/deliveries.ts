import { DeliveredBuffer } from './arrivals';
import { ResourceNames } from '../config/names';
import { RawEvent } from '../kpis/reference';
import { convertRecord } from '../landing/convert';
import { land } from '../landing/worker';
import { EmulatorClients } from '../local/bootstrap';
import { toReplayRecord } from '../replay/records';
import { replay } from '../replay/replayer';
import { ReplaySource } from '../replay/sources';

/** Where simulated deliveries go: the simulation stack's emulator and the environment's names. */
export interface DeliveryTarget {
  readonly clients: EmulatorClients;
  readonly names: ResourceNames;
  readonly signal?: AbortSignal;
}

/** A replay source over the records of one buffer, as the seed's producer sends them. */
function bufferSource(buffer: DeliveredBuffer): ReplaySource {
  return {
    description: { kind: 'simulation', openedAt: new Date(buffer.openedAt).toISOString() },
    async *records() {
      for (const record of buffer.records) yield toReplayRecord(record.line);
    },
  };
}

/**
 * Sends the buffers Firehose delivered since the last run through Kinesis and the landing (named by
 * their opening time, as Firehose names objects); counts the records for days before `dayStart`.
 */
export async function deliverBuffers(stack: DeliveryTarget, due: readonly DeliveredBuffer[], dayStart: number): Promise<{
  arrived: number; arrivedLate: number; landedRows: RawEvent[];
}> {
  const { clients, names } = stack;
  const landedRows: RawEvent[] = [];
  let arrived = 0;
  let arrivedLate = 0;
  for (const buffer of due) {
    if (stack.signal?.aborted) throw new Error('The simulation was stopped.');
    await replay({ kinesis: clients.kinesis, streamName: names.streamName, source: bufferSource(buffer), rate: 'unlimited' });
    await land({
      kinesis: clients.kinesis,
      s3: clients.s3,
      streamName: names.streamName,
      bucket: names.bronzeBucket,
      deliveryStreamName: names.deliveryStreamName,
      arrivalTime: () => new Date(buffer.openedAt),
      clock: () => buffer.deliveredAt,
      bufferSizeBytes: Number.MAX_SAFE_INTEGER,
    });
    for (const record of buffer.records) {
      const converted = convertRecord(Buffer.from(record.line));
      if (converted.ok) landedRows.push(converted.row as RawEvent);
      if (record.event.timestamp * 1000 < dayStart) arrivedLate++;
    }
    arrived += buffer.records.length;
  }
  return { arrived, arrivedLate, landedRows };
}
