import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fakeActionIo } from './action-io';
import { INPUT_DEFAULTS, LandingClients, run } from '../../actions/replay-sensor-data/run';
import { EMULATOR_CREDENTIALS, LOCAL_REGION } from '../../src/config/config';
import { BRONZE_ERROR_PREFIX, BRONZE_PREFIX } from '../../src/config/names';
import { LandingResult, land } from '../../src/landing/worker';
import { countStreamRecords, EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

const ACTION_DIR = path.join(__dirname, '..', '..', 'actions', 'replay-sensor-data');

const cfMock = mockClient(CloudFormationClient);

/** Clients that must never be used: a refused run creates none. */
const landingClients = (): LandingClients => ({
  cloudFormation: new CloudFormationClient({}), firehose: new FirehoseClient({}), s3: new S3Client({}),
});

/** The runner as this action sees it. */
const fakeRunner = (inputs: Record<string, string>) => fakeActionIo('replay-sensor-data', inputs);

/** Real time plus the time the code under test slept, so the wait for Firehose takes no real time. */
function fakeTime() {
  const time = {
    offset: 0,
    onNextSleep: undefined as (() => Promise<void>) | undefined,
    clock: () => Date.now() + time.offset,
    sleep: async (ms: number) => {
      time.offset += ms;
      const hook = time.onNextSleep;
      time.onNextSleep = undefined;
      await hook?.();
    },
  };
  return time;
}

describe('replay-sensor-data action', () => {
  let fixture: EmulatorFixture;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'action-'));
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    cfMock.reset();
  });

  it('replays generated events into the emulator and reports outputs and a job summary', async () => {
    const { io, record } = fakeRunner({
      'stream-name': fixture.names.streamName,
      'endpoint': fixture.emulator.endpoint,
      'records': '3000',
      'seed': '8',
      'duplicate-rate': '0.02',
      'manifest-path': path.join(dir, 'manifest.json'),
    });
    const before = await countStreamRecords(fixture.clients.kinesis, fixture.names.streamName);
    const result = await run(io);
    expect(record.failures).toEqual([]);
    const outputs = record.outputs;
    expect(outputs).toMatchObject({ 'records-sent': '3000', 'records-failed': '0', 'manifest-path': path.join(dir, 'manifest.json') });
    expect(outputs['first-event-time']).toMatch(/^2026-11-01T00:0/);
    expect(outputs['last-event-time']).toMatch(/^2026-11-03T23:/);
    expect(Number(outputs['duration-seconds'])).toBeGreaterThan(0);
    expect(await countStreamRecords(fixture.clients.kinesis, fixture.names.streamName)).toBe(before + 3000);
    // Paced by the emulator stream's two shards.
    expect(result?.rate).toMatchObject({ basis: 'shards', shards: 2 });
    const manifest = JSON.parse(fs.readFileSync(outputs['manifest-path'], 'utf8'));
    expect(manifest.counts).toMatchObject({ delivered: 3000, undelivered: 0 });
    expect(manifest.counts.duplicatesDelivered).toBeGreaterThan(0);
    expect(Object.keys(manifest.days)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    const summary = record.summary;
    expect(summary).toContain('<h2>Replay sensor data</h2>');
    expect(summary).toMatch(/<tr><td>sent<\/td><td>3000<\/td><\/tr>/);
    expect(summary).toMatch(/<tr><td>failed \(undelivered\)<\/td><td>0<\/td><\/tr>/);
  });

  it('fails on invalid inputs before any AWS call, naming each', async () => {
    const { io, record } = fakeRunner({ 'records': '-5', 'rate': 'fast', 'shift-to-now': 'yes', 'file': '/nonexistent.jsonl' });
    let called = false;
    const result = await run(io, { kinesis: () => { called = true; return new KinesisClient({}); } });
    expect(result).toBeUndefined();
    expect(called).toBe(false);
    expect(record.failures).toHaveLength(1);
    expect(record.failures[0]).toMatch(/^Invalid inputs: /);
    expect(record.failures[0]).toContain('input records must be a whole number (got "-5")');
    expect(record.failures[0]).toContain('input rate must be records per second (a positive number) or "max" (got "fast")');
    expect(record.failures[0]).toContain('input shift-to-now');
    expect(record.outputs).toEqual({});
  });

  it('fails naming the undelivered records when a fault never clears', async () => {
    const { io, record } = fakeRunner({ 'stream-name': 'any', 'records': '20', 'rate': 'max', 'max-attempts': '2', 'manifest-path': path.join(dir, 'm.json') });
    const refusing = {
      send: async (command: { input: PutRecordsCommandInput }) => ({
        FailedRecordCount: command.input.Records!.length,
        Records: command.input.Records!.map(() => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected' })),
      }),
    } as unknown as KinesisClient;
    const result = await run(io, { kinesis: () => refusing });
    expect(record.failures).toHaveLength(1);
    expect(record.outputs).toMatchObject({ 'records-sent': '0', 'records-failed': '20' });
    expect(record.summary).toContain(`20 record(s) were not delivered (20 ProvisionedThroughputExceededException); first: ${result!.undelivered.first[0]}`);
  });

  it('refuses generated events into prod before any AWS call, naming the override', async () => {
    const { io, record } = fakeRunner({ 'environment': 'prod', 'records': '10', 'wait-for-landing': 'true' });
    let called = 0;
    const result = await run(io, {
      kinesis: () => { called++; return new KinesisClient({}); },
      landing: () => { called++; return landingClients(); },
    });
    expect(result).toBeUndefined();
    expect(called).toBe(0);
    expect(cfMock.calls()).toHaveLength(0);
    expect(record.failures).toHaveLength(1);
    expect(record.failures[0]).toContain('Refusing to replay generated events into prod: they would land in its bronze and be counted in the KPI tables people read. ' +
      'Replay into dev or staging (input environment), or, if prod really should get synthetic events, set input allow-prod-replay to true');
  });

  it('replays into prod with allow-prod-replay', async () => {
    const { io, record } = fakeRunner({
      'environment': 'prod', 'allow-prod-replay': 'true', 'stream-name': fixture.names.streamName, 'records': '50', 'endpoint': fixture.emulator.endpoint,
    });
    const result = await run(io);
    expect(record.failures).toEqual([]);
    expect(result?.sent).toBe(50);
  });

  describe('wait-for-landing', () => {
    const deliveryStream = 'clickstream-staging-bronze-delivery';
    /** A second delivery stream into a bucket nothing lands in. */
    const idle = { deliveryStream: 'clickstream-staging-idle-delivery', bucket: 'clickstream-staging-idle-bronze' };
    let stacks: Record<string, Record<string, string>>;
    const cloudFormation = new CloudFormationClient({ region: LOCAL_REGION, credentials: EMULATOR_CREDENTIALS });
    let firehose: FirehoseClient;

    beforeAll(async () => {
      firehose = new FirehoseClient({ region: LOCAL_REGION, credentials: EMULATOR_CREDENTIALS, endpoint: fixture.emulator.endpoint });
      const role = 'arn:aws:iam::123456789012:role/firehose';
      await fixture.clients.s3.send(new CreateBucketCommand({ Bucket: idle.bucket }));
      for (const [name, bucket] of [[deliveryStream, fixture.names.bronzeBucket], [idle.deliveryStream, idle.bucket]]) {
        await firehose.send(new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: `arn:aws:kinesis:${LOCAL_REGION}:123456789012:stream/${fixture.names.streamName}`, RoleARN: role },
          ExtendedS3DestinationConfiguration: {
            BucketARN: `arn:aws:s3:::${bucket}`,
            RoleARN: role,
            Prefix: BRONZE_PREFIX,
            ErrorOutputPrefix: BRONZE_ERROR_PREFIX,
            BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
          },
        }));
      }
    });

    /** The staging stacks' outputs name the emulator's stream, delivery stream and buckets. */
    beforeEach(() => {
      stacks = {
        'clickstream-staging-storage': {
          BronzeBucket: fixture.names.bronzeBucket,
          WarehouseBucket: fixture.names.warehouseBucket,
          ScriptsBucket: fixture.names.scriptsBucket,
          LogsBucket: fixture.names.logsBucket,
          AthenaResultsBucket: fixture.names.athenaResultsBucket,
        },
        'clickstream-staging-ingestion': { StreamName: fixture.names.streamName, DeliveryStreamName: deliveryStream },
      };
      cfMock.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
        const stack = stacks[input.StackName];
        if (!stack) throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { name: 'ValidationError' });
        return { Stacks: [{ StackName: input.StackName, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(stack).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
      });
    });

    const emulatorDeps = (time: ReturnType<typeof fakeTime>) => ({
      kinesis: () => fixture.clients.kinesis,
      landing: () => ({ cloudFormation, firehose, s3: fixture.clients.s3 }),
      clock: time.clock,
      sleep: time.sleep,
    });

    const waitRunner = (more: Record<string, string> = {}) => fakeRunner({
      'environment': 'staging',
      'region': LOCAL_REGION,
      'records': '400',
      'malformed-rate': '0.05',
      'wait-for-landing': 'true',
      'manifest-path': path.join(dir, 'wait.json'),
      ...more,
    });

    it("waits for the environment's Firehose to land the replay in bronze and reports what landed", async () => {
      const { io, record } = waitRunner();
      const time = fakeTime();
      let landed: LandingResult | undefined;
      // The project's landing worker plays Firehose once the wait starts pausing between listings.
      time.onNextSleep = async () => {
        landed = await land({
          kinesis: fixture.clients.kinesis,
          s3: fixture.clients.s3,
          streamName: fixture.names.streamName,
          bucket: fixture.names.bronzeBucket,
          deliveryStreamName: deliveryStream,
          tempDir: dir,
        });
      };
      const result = await run(io, emulatorDeps(time));
      expect(record.failures).toEqual([]);
      expect(result?.sent).toBe(400);
      const parquet = landed!.objects.filter((o) => o.kind === 'parquet');
      const outputs = record.outputs;
      expect(Number(outputs['landed-objects'])).toBe(parquet.length);
      expect(Number(outputs['landed-bytes'])).toBe(parquet.reduce((n, o) => n + o.bytes, 0));
      expect(Number(outputs['error-objects'])).toBe(landed!.objects.filter((o) => o.kind === 'errors').length);
      expect(Number(outputs['error-objects'])).toBeGreaterThan(0);
      // Firehose's buffer interval (60 s) plus the 30 s grace passed before the wait ended.
      expect(Number(outputs['landing-seconds'])).toBeGreaterThanOrEqual(90);
      expect(cfMock.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toContain('clickstream-staging-ingestion');
      expect(record.summary).toMatch(/Firehose landed \d+ Parquet objects/);
    });

    it('says in its manifest when bronze already held landed events (a second replay into the environment), so validation does not expect its exact totals', async () => {
      for (const replayNumber of [1, 2]) {
        const { io, record } = waitRunner();
        const time = fakeTime();
        time.onNextSleep = async () => {
          const { clients: { kinesis, s3 }, names: { streamName, bronzeBucket } } = fixture;
          await land({ kinesis, s3, streamName, bucket: bronzeBucket, deliveryStreamName: deliveryStream, tempDir: dir });
        };
        await run(io, emulatorDeps(time));
        expect(record.failures, `replay ${replayNumber}`).toEqual([]);
      }
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'wait.json'), 'utf8')).environmentHeldEvents).toBe(true);
    });

    it('fails naming the bucket, the prefixes and what to check when nothing lands in time', async () => {
      const { io, record } = waitRunner({ 'landing-timeout-minutes': '3' });
      stacks['clickstream-staging-storage'].BronzeBucket = idle.bucket;
      stacks['clickstream-staging-ingestion'].DeliveryStreamName = idle.deliveryStream;
      const time = fakeTime();
      await run(io, emulatorDeps(time));
      expect(record.failures).toHaveLength(1);
      expect(record.failures[0]).toMatch(new RegExp(`^Nothing landed in s3://${idle.bucket}/ under events/year=\\d{4}/`));
      expect(record.failures[0]).toContain(`within 3 min of the replay; delivery stream ${idle.deliveryStream} buffers 60 s`);
      expect(record.failures[0]).toContain(`Open delivery stream ${idle.deliveryStream} in the Firehose console`);
      expect(record.outputs['landed-objects']).toBeUndefined();
    });

    it('refuses with an emulator endpoint before any call', async () => {
      const { io, record } = waitRunner({ endpoint: fixture.emulator.endpoint });
      let called = 0;
      await run(io, { kinesis: () => { called++; return fixture.clients.kinesis; }, landing: () => { called++; return landingClients(); } });
      expect(called).toBe(0);
      expect(record.failures).toEqual([expect.stringContaining('input wait-for-landing: waits for Firehose in a deployed environment (dev, staging, prod, pr-<number>)')]);
    });
  });

  it('declares node24, the bundle, and the defaults run() assumes', () => {
    const action = parse(fs.readFileSync(path.join(ACTION_DIR, 'action.yml'), 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.js' });
    const inputs = action.inputs as Record<string, { default: string }>;
    const defaults = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.default]));
    expect(defaults).toEqual(INPUT_DEFAULTS);
    expect(Object.keys(action.outputs)).toEqual([
      'records-sent', 'records-failed', 'duration-seconds', 'first-event-time', 'last-event-time', 'manifest-path',
      'landed-objects', 'landed-bytes', 'error-objects', 'landing-seconds',
    ]);
  });
});
