import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeTime, gzipObject } from './fakes';
import { fetchStepLogTail } from '../../src/emr/step-logs';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });
const missing = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });

const stderr = Array.from({ length: 120 }, (_, i) => `line ${i + 1}`).concat(
  'Exception in thread "main" org.apache.spark.SparkException: Application application_1_0001 finished with failed status',
).join('\n') + '\n';

beforeEach(() => s3Mock.reset());

describe('fetchStepLogTail', () => {
  const options = { logUri: 's3n://logs-bucket/emr/', clusterId: 'j-CLUSTER1', stepId: 's-1', tailLines: 5 };

  it('returns the last lines of the gzipped stderr and stdout', async () => {
    s3Mock.on(GetObjectCommand, { Key: 'emr/j-CLUSTER1/steps/s-1/stderr.gz' }).resolves(gzipObject(stderr));
    s3Mock.on(GetObjectCommand, { Key: 'emr/j-CLUSTER1/steps/s-1/stdout.gz' }).resolves(gzipObject('started\n'));
    const time = fakeTime();

    const result = await fetchStepLogTail(options, { s3, ...time });

    expect(result).toEqual({
      found: true,
      tails: [
        {
          uri: 's3://logs-bucket/emr/j-CLUSTER1/steps/s-1/stderr.gz',
          lines: ['line 117', 'line 118', 'line 119', 'line 120', expect.stringContaining('finished with failed status')],
        },
        { uri: 's3://logs-bucket/emr/j-CLUSTER1/steps/s-1/stdout.gz', lines: ['started'] },
      ],
    });
    expect(s3Mock.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({ Bucket: 'logs-bucket', Key: 'emr/j-CLUSTER1/steps/s-1/stderr.gz' });
    expect(time.sleeps).toEqual([]);
  });

  it('waits for a log that EMR uploads minutes after the step failed', async () => {
    s3Mock.on(GetObjectCommand, { Key: 'emr/j-CLUSTER1/steps/s-1/stderr.gz' })
      .rejectsOnce(missing())
      .rejectsOnce(missing())
      .resolves(gzipObject(stderr));
    s3Mock.on(GetObjectCommand, { Key: 'emr/j-CLUSTER1/steps/s-1/stdout.gz' }).rejects(missing());
    const time = fakeTime();

    const result = await fetchStepLogTail(options, { s3, ...time });

    expect(result.found && result.tails.map((t) => t.uri)).toEqual(['s3://logs-bucket/emr/j-CLUSTER1/steps/s-1/stderr.gz']);
    expect(result.found && result.tails[0].lines.at(-1)).toContain('finished with failed status');
    expect(time.sleeps).toEqual([30_000, 30_000]);
  });

  it('reads the log file named by EMR\'s failure details first', async () => {
    s3Mock.on(GetObjectCommand).rejects(missing());
    s3Mock.on(GetObjectCommand, { Key: 'emr/j-CLUSTER1/steps/s-1/syslog.gz' }).resolves(gzipObject('syslog tail\n'));

    const result = await fetchStepLogTail({ ...options, failureLogFile: 's3://logs-bucket/emr/j-CLUSTER1/steps/s-1/syslog.gz' }, { s3, ...fakeTime() });

    expect(result).toEqual({ found: true, tails: [{ uri: 's3://logs-bucket/emr/j-CLUSTER1/steps/s-1/syslog.gz', lines: ['syslog tail'] }] });
  });

  it('gives up after the bounded wait and says where to look later', async () => {
    s3Mock.on(GetObjectCommand).rejects(missing());
    const time = fakeTime();

    const result = await fetchStepLogTail({ ...options, maxWaitMs: 100_000 }, { s3, ...time });

    expect(result).toEqual({
      found: false,
      message: 'No log at s3://logs-bucket/emr/j-CLUSTER1/steps/s-1/stderr.gz after waiting 100 s; EMR may still upload it, look there later.',
    });
    expect(time.sleeps).toEqual([30_000, 30_000, 30_000, 10_000]);
  });

  it('does not wait when the log cannot be read at all', async () => {
    s3Mock.on(GetObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }));
    const time = fakeTime();

    const result = await fetchStepLogTail(options, { s3, ...time });

    expect(result).toEqual({ found: false, message: 'Could not read s3://logs-bucket/emr/j-CLUSTER1/steps/s-1/stderr.gz: AccessDenied: Access Denied' });
    expect(time.sleeps).toEqual([]);
  });
});
