import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeTime } from './fakes';
import { fetchStepLogTail } from '../../src/emr/step-logs';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

/** Step logs as EMR leaves them: gzipped objects under <log uri>/<cluster>/steps/<step>/, here in the emulator's S3. */
let fixture: EmulatorFixture;
let s3: S3Client;
let bucket: string;
let buckets = 0;

beforeAll(async () => {
  fixture = await startEmulatorFixture();
  s3 = fixture.clients.s3;
});
afterAll(async () => {
  await fixture?.stop();
});
// A bucket of its own per case, so that no case sees another's logs.
beforeEach(async () => {
  bucket = `logs-bucket-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

const upload = (key: string, text: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(Buffer.from(text)) }));

const stderr = Array.from({ length: 120 }, (_, i) => `line ${i + 1}`).concat(
  'Exception in thread "main" org.apache.spark.SparkException: Application application_1_0001 finished with failed status',
).join('\n') + '\n';

describe('fetchStepLogTail', () => {
  const options = () => ({ logUri: `s3n://${bucket}/emr/`, clusterId: 'j-CLUSTER1', stepId: 's-1', tailLines: 5 });

  it('returns the last lines of the gzipped stderr and stdout', async () => {
    await upload('emr/j-CLUSTER1/steps/s-1/stderr.gz', stderr);
    await upload('emr/j-CLUSTER1/steps/s-1/stdout.gz', 'started\n');
    const time = fakeTime();

    const result = await fetchStepLogTail(options(), { s3, ...time });

    expect(result).toEqual({
      found: true,
      tails: [
        {
          uri: `s3://${bucket}/emr/j-CLUSTER1/steps/s-1/stderr.gz`,
          lines: ['line 117', 'line 118', 'line 119', 'line 120', expect.stringContaining('finished with failed status')],
        },
        { uri: `s3://${bucket}/emr/j-CLUSTER1/steps/s-1/stdout.gz`, lines: ['started'] },
      ],
    });
    expect(time.sleeps).toEqual([]);
  });

  it('waits for a log that EMR uploads minutes after the step failed', async () => {
    const time = fakeTime();
    // EMR uploads the log during the second pause.
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      if (time.sleeps.length === 2) await upload('emr/j-CLUSTER1/steps/s-1/stderr.gz', stderr);
    };

    const result = await fetchStepLogTail(options(), { s3, clock: time.clock, sleep });

    expect(result.found && result.tails.map((t) => t.uri)).toEqual([`s3://${bucket}/emr/j-CLUSTER1/steps/s-1/stderr.gz`]);
    expect(result.found && result.tails[0].lines.at(-1)).toContain('finished with failed status');
    expect(time.sleeps).toEqual([30_000, 30_000]);
  });

  it('reads the log file named by EMR\'s failure details first', async () => {
    await upload('emr/j-CLUSTER1/steps/s-1/syslog.gz', 'syslog tail\n');

    const result = await fetchStepLogTail({ ...options(), failureLogFile: `s3://${bucket}/emr/j-CLUSTER1/steps/s-1/syslog.gz` }, { s3, ...fakeTime() });

    expect(result).toEqual({ found: true, tails: [{ uri: `s3://${bucket}/emr/j-CLUSTER1/steps/s-1/syslog.gz`, lines: ['syslog tail'] }] });
  });

  it('gives up after the bounded wait and says where to look later', async () => {
    const time = fakeTime();

    const result = await fetchStepLogTail({ ...options(), maxWaitMs: 100_000 }, { s3, ...time });

    expect(result).toEqual({
      found: false,
      message: `No log at s3://${bucket}/emr/j-CLUSTER1/steps/s-1/stderr.gz after waiting 100 s; EMR may still upload it, look there later.`,
    });
    expect(time.sleeps).toEqual([30_000, 30_000, 30_000, 10_000]);
  });

  it('does not wait when the log cannot be read at all', async () => {
    // The emulator grants everything, so a denied read is mocked, on this one client only.
    const denied = new S3Client({ region: 'eu-west-1' });
    mockClient(denied).on(GetObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }));
    const time = fakeTime();

    const result = await fetchStepLogTail(options(), { s3: denied, ...time });

    expect(result).toEqual({ found: false, message: `Could not read s3://${bucket}/emr/j-CLUSTER1/steps/s-1/stderr.gz: AccessDenied: Access Denied` });
    expect(time.sleeps).toEqual([]);
  });
});
