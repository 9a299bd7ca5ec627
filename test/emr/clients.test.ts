import { describe, expect, it } from 'vitest';
import { createEmrClients } from '../../src/emr/clients';

/**
 * Our part of retrying: the clients are configured for the SDK's own retry strategy. How that
 * strategy retries (backoff, attempts, throttling) is the SDK's behaviour, not ours, and is not tested here.
 */
describe('createEmrClients', () => {
  it('configures the SDK to retry throttling itself: adaptive mode, 10 attempts', async () => {
    const { emr, s3 } = createEmrClients({ region: 'eu-west-1' });
    for (const client of [emr, s3]) {
      const strategy = await client.config.retryStrategy();
      expect(strategy).toMatchObject({ mode: 'adaptive' });
      expect(await client.config.maxAttempts()).toBe(10);
    }
  });

  it('takes another number of attempts and the standard mode when asked', async () => {
    const { emr } = createEmrClients({ region: 'eu-west-1', maxAttempts: 3, retryMode: 'standard' });
    expect(await emr.config.retryStrategy()).toMatchObject({ mode: 'standard' });
    expect(await emr.config.maxAttempts()).toBe(3);
  });
});
