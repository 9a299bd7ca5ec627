/**
 * Replays 200,000 events into the emulator three ways and prints records/s, checking each way
 * lost nothing: our replayer, the seed's one-record-per-PutRecord producer (on a smaller
 * sample, extrapolated), and raw max-rate PutRecords calls with no checks (the emulator's
 * ceiling). Then lands our replay and prints the landing's events/s; and replays and lands again
 * side by side (the landing following the stream, as a local run does) and prints how much later
 * than the replay the landing finished.
 *
 *   CLICKSTREAM_CACHE_DIR=... npx tsx test/bench/replay.bench.ts [events] [single-record sample] [shards] [calls in flight]
 *
 * Each way gets a fresh emulator and a stream of `shards` shards (default 8); ours and the raw
 * calls keep `calls in flight` PutRecords calls in flight (default: the replayer's).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateStreamCommand, PutRecordCommand, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { FIGURES_PAGES, machine, writeFigures } from './markers';
import { generateRecords } from '../../src/events/generator';
import { formatCount } from '../../src/format/numbers';
import { land } from '../../src/landing/worker';
import { toReplayRecord } from '../../src/replay/records';
import { DEFAULT_CONCURRENCY, replay } from '../../src/replay/replayer';
import { ReplaySource } from '../../src/replay/sources';
import { countStreamRecords, EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';
import { REPO_ROOT } from '../support/cli';

const EVENTS = Number(process.argv[2] ?? 200_000);
const SINGLE_SAMPLE = Number(process.argv[3] ?? 5_000);
const SHARDS = Number(process.argv[4] ?? 8);
const CONCURRENCY = Number(process.argv[5] ?? DEFAULT_CONCURRENCY);
const STREAM = 'clickstream-bench-events';
const GENERATOR = { count: EVENTS, seed: 2026, duplicateRate: 0.01 };

interface Way {
  readonly name: string;
  readonly records: number;
  readonly seconds: number;
  readonly lossless: boolean;
  readonly extrapolated?: boolean;
}

async function withEmulator<T>(work: (fixture: EmulatorFixture) => Promise<T>): Promise<T> {
  const fixture = await startEmulatorFixture();
  try {
    await fixture.clients.kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: SHARDS }));
    await waitUntilStreamExists({ client: fixture.clients.kinesis, maxWaitTime: 30 }, { StreamName: STREAM });
    return await work(fixture);
  } finally {
    await fixture.stop();
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const perSecond = (way: Way) => Math.round(way.records / way.seconds);

/** Lands the bench stream into the fixture's bronze; following a producer until `producerDone` settles, if given. */
async function landStream(f: EmulatorFixture, producerDone?: Promise<unknown>) {
  const landed = await land({
    kinesis: f.clients.kinesis,
    s3: f.clients.s3,
    streamName: STREAM,
    bucket: f.names.bronzeBucket,
    deliveryStreamName: f.names.deliveryStreamName,
    tempDir: os.tmpdir(),
    producerDone,
  });
  if (landed.read !== EVENTS || landed.landed + landed.errors !== landed.read) {
    throw new Error(`landing read ${landed.read}, landed ${landed.landed}, errors ${landed.errors}`);
  }
  return landed;
}

async function main() {
  const lines = [...generateRecords(GENERATOR)].map((r) => ({ data: Buffer.from(r.line), key: String(r.event.sensor_id) }));
  const ways: Way[] = [];
  // Every way starts from the same JSON lines, generated before the clock starts; ours still checks each against the schema.
  const source: ReplaySource = {
    description: { kind: 'bench', events: EVENTS },
    async *records() {
      for (const line of lines) yield toReplayRecord(line.data.toString());
    },
  };
  let sequential = { replaySeconds: 0, landSeconds: 0, landingRate: 0 };
  let sideBySide = { replaySeconds: 0, totalSeconds: 0, drainSeconds: 0, lossless: false };

  await withEmulator(async (f) => {
    log(`ours: replaying ${EVENTS} events (no pacing, ${CONCURRENCY} calls in flight)`);
    const result = await replay({ kinesis: f.clients.kinesis, streamName: STREAM, source, rate: 'unlimited', concurrency: CONCURRENCY });
    const inStream = await countStreamRecords(f.clients.kinesis, STREAM);
    ways.push({ name: 'ours (replayer)', records: result.sent, seconds: result.durationSeconds, lossless: result.failed === 0 && inStream === EVENTS });
    log(`ours: ${result.sent} sent in ${result.durationSeconds} s, ${inStream} in the stream; landing them`);
    const landed = await landStream(f);
    sequential = { replaySeconds: result.durationSeconds, landSeconds: landed.durationSeconds, landingRate: landed.eventsPerSecond };
    log(`landing: ${landed.read} events in ${landed.durationSeconds} s`);
  });

  await withEmulator(async (f) => {
    log(`side by side: replaying ${EVENTS} events while the landing follows the stream`);
    const started = Date.now();
    const replaying = replay({ kinesis: f.clients.kinesis, streamName: STREAM, source, rate: 'unlimited', concurrency: CONCURRENCY });
    const replayEnded = replaying.then(() => Date.now(), () => Date.now());
    const [result, landed] = await Promise.all([replaying, landStream(f, replayEnded)]);
    const ended = Date.now();
    sideBySide = {
      replaySeconds: result.durationSeconds,
      totalSeconds: (ended - started) / 1000,
      drainSeconds: (ended - await replayEnded) / 1000,
      lossless: result.failed === 0 && result.sent === EVENTS && landed.read === EVENTS,
    };
    log(`side by side: ${result.sent} sent in ${result.durationSeconds} s, ${landed.read} landed ${sideBySide.drainSeconds} s after the replay ended`);
  });

  await withEmulator(async (f) => {
    const sample = lines.slice(0, SINGLE_SAMPLE);
    log(`single: ${sample.length} records, one PutRecord each`);
    const started = Date.now();
    for (const line of sample) {
      await f.clients.kinesis.send(new PutRecordCommand({ StreamName: STREAM, Data: line.data, PartitionKey: line.key }));
    }
    const seconds = (Date.now() - started) / 1000;
    const inStream = await countStreamRecords(f.clients.kinesis, STREAM);
    ways.push({ name: 'one PutRecord per record', records: sample.length, seconds, lossless: inStream === sample.length, extrapolated: sample.length < EVENTS });
  });

  await withEmulator(async (f) => {
    log(`raw: ${EVENTS} records, PutRecords of 500, ${CONCURRENCY} calls in flight, no checks`);
    const started = Date.now();
    let next = 0;
    const caller = async () => {
      for (let i = next; i < lines.length; i = next) {
        next += 500;
        const batch = lines.slice(i, i + 500).map((l) => ({ Data: l.data, PartitionKey: l.key }));
        await f.clients.kinesis.send(new PutRecordsCommand({ StreamName: STREAM, Records: batch }));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, caller));
    const seconds = (Date.now() - started) / 1000;
    const inStream = await countStreamRecords(f.clients.kinesis, STREAM);
    ways.push({ name: 'raw PutRecords (emulator ceiling)', records: EVENTS, seconds, lossless: inStream === EVENTS });
  });

  const [ours, single, raw] = ways;
  const rows = ways.map((w) => [
    w.name, String(w.records), w.seconds.toFixed(1), String(perSecond(w)),
    w.extrapolated ? `${(EVENTS / perSecond(w)).toFixed(0)} s for ${EVENTS} (extrapolated)` : '', w.lossless ? 'yes' : 'NO',
  ]);
  const header = ['way', 'records', 'seconds', 'records/s', 'note', 'lossless'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write([
    fmt(header), ...rows.map(fmt), '',
    `ours / one-record-per-call: ${(perSecond(ours) / perSecond(single)).toFixed(1)}x`,
    `ours / raw ceiling:         ${(perSecond(ours) / perSecond(raw)).toFixed(2)}`,
    `landing:                    ${sequential.landingRate} events/s`,
    `one after the other:        replay ${sequential.replaySeconds.toFixed(1)} s + land ${sequential.landSeconds.toFixed(1)} s = ${(sequential.replaySeconds + sequential.landSeconds).toFixed(1)} s`,
    `side by side:               replay ${sideBySide.replaySeconds.toFixed(1)} s, landed ${sideBySide.drainSeconds.toFixed(1)} s after it: ${sideBySide.totalSeconds.toFixed(1)} s` +
      ` (lossless: ${sideBySide.lossless ? 'yes' : 'NO'})`,
    `stream: ${SHARDS} shards, ${CONCURRENCY} PutRecords calls in flight; machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  ].join('\n') + '\n');
  if (!ways.every((w) => w.lossless) || !sideBySide.lossless) {
    process.exitCode = 1;
    return;
  }
  // Figures of the default run only, and only when every way was lossless.
  if (process.argv.length > 2) return;
  writeFigures(path.join(REPO_ROOT, FIGURES_PAGES['replay-bench']), 'replay-bench', [
    `${formatCount(EVENTS)} events into the emulator, ${SHARDS}-shard stream, ${CONCURRENCY} \`PutRecords\` calls in flight, each way checked lossless by`,
    `counting the stream (measured ${new Date().toISOString().slice(0, 10)} by \`npx projen bench:replay\` on ${machine()};`,
    `load average ${os.loadavg()[0].toFixed(1)} at the end):`,
    '',
    '| producer | records/s |',
    '|---|---:|',
    `| ours (batched PutRecords, paced, retries) | ${formatCount(perSecond(ours))} |`,
    `| one \`PutRecord\` per record (the seed's style; ${formatCount(single.records)}-event sample, extrapolated) | ${formatCount(perSecond(single))} |`,
    `| raw max-rate \`PutRecords\`, ${CONCURRENCY} in flight, no checks (the emulator's ceiling) | ${formatCount(perSecond(raw))} |`,
    '',
    `Ours is ${(perSecond(ours) / perSecond(single)).toFixed(0)}x the one-record-per-call producer and ${(perSecond(ours) / perSecond(raw)).toFixed(2)} of the emulator's ceiling: the rest is its`,
    `schema check, accounting and manifest. The landing alone read and wrote ${formatCount(sequential.landingRate)} events/s; replay and landing side by side`,
    `took ${sideBySide.totalSeconds.toFixed(1)} s, the landing done ${sideBySide.drainSeconds.toFixed(1)} s after the replay.`,
  ].join('\n'));
}

main().catch((e: Error) => {
  process.stderr.write(`bench failed: ${e.message}\n`);
  process.exitCode = 1;
});
