import { Readable } from 'node:stream';
import { DescribeClusterCommand } from '@aws-sdk/client-emr';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEmrClients } from '../../src/emr/clients';

/** Answers like EMR's JSON API: throttled `throttled` times, then the cluster. */
function fakeEmrEndpoint(throttled: number) {
  const requests: string[] = [];
  const response = (statusCode: number, headers: Record<string, string>, body: unknown) => ({
    response: { statusCode, reason: '', headers: { 'content-type': 'application/x-amz-json-1.1', ...headers }, body: Readable.from([Buffer.from(JSON.stringify(body))]) },
  });
  return {
    requests,
    handler: {
      handle: async (request: { headers: Record<string, string> }) => {
        requests.push(request.headers['x-amz-target']);
        if (requests.length <= throttled) {
          return response(400, { 'x-amzn-errortype': 'ThrottlingException' }, { __type: 'ThrottlingException', message: 'Rate exceeded' });
        }
        return response(200, {}, { Cluster: { Id: 'j-CLUSTER1', Status: { State: 'RUNNING' } } });
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    },
  };
}

/** Moves the fake clock a second at a time until `pending` settles: the SDK's timers appear only after its own awaits. */
async function settle<T>(pending: Promise<T>): Promise<T> {
  let settled = false;
  pending.then(() => (settled = true), () => (settled = true));
  for (let second = 0; second < 600 && !settled; second++) await vi.advanceTimersByTimeAsync(1000);
  return pending;
}

describe('createEmrClients', () => {
  beforeEach(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    // The SDK's own backoff and rate limiter wait on timers; fake them so the test does not sleep.
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('configures the SDK to retry throttling itself: adaptive mode, 10 attempts', async () => {
    const { emr, s3 } = createEmrClients({ region: 'eu-west-1' });
    for (const client of [emr, s3]) {
      const strategy = await client.config.retryStrategy();
      expect(strategy).toMatchObject({ mode: 'adaptive' });
      expect(await client.config.maxAttempts()).toBe(10);
    }
  });

  it('gets through ThrottlingExceptions by the SDK\'s retries, one request per attempt', async () => {
    const { emr } = createEmrClients({ region: 'eu-west-1' });
    const endpoint = fakeEmrEndpoint(3);
    emr.config.requestHandler = endpoint.handler as never;

    const result = await settle(emr.send(new DescribeClusterCommand({ ClusterId: 'j-CLUSTER1' })));

    expect(result.Cluster?.Status?.State).toBe('RUNNING');
    expect(result.$metadata.attempts).toBe(4);
    expect(endpoint.requests).toEqual(Array(4).fill('ElasticMapReduce.DescribeCluster'));
  });

  it('gives up after maxAttempts with the throttling error', async () => {
    const { emr } = createEmrClients({ region: 'eu-west-1', maxAttempts: 2 });
    const endpoint = fakeEmrEndpoint(5);
    emr.config.requestHandler = endpoint.handler as never;

    await expect(settle(emr.send(new DescribeClusterCommand({ ClusterId: 'j-CLUSTER1' }))))
      .rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 2 } });
    expect(endpoint.requests).toHaveLength(2);
  });
});
