import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_CONVERSION_FAILED, renderBronzeErrorPrefix, renderBronzePrefix } from '../../src/config/names';
import { bronzeHoldsEvents } from '../../src/replay/earlier-events';
import { expectedRowSets } from '../../src/validation/expectations';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

describe('whether an environment already holds landed events, asked before a replay', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  }, 120_000);
  afterAll(async () => fixture?.stop());

  const put = (bucket: string, key: string) => fixture.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));

  it('is no for an empty bucket, a bucket holding only errors/ and checkpoints, and a bucket that does not exist; yes once an events/ object landed', async () => {
    const bucket = 'clickstream-earlier-events-test';
    await fixture.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(await bronzeHoldsEvents(fixture.clients.s3, bucket)).toBe(false);
    await put(bucket, `${renderBronzeErrorPrefix(FORMAT_CONVERSION_FAILED, new Date('2026-12-07T10:00:00Z'))}a.gz`);
    await put(bucket, '_landing/checkpoints/stream.json');
    expect(await bronzeHoldsEvents(fixture.clients.s3, bucket)).toBe(false);
    expect(await bronzeHoldsEvents(fixture.clients.s3, 'clickstream-no-such-bucket')).toBe(false);
    await put(bucket, `${renderBronzePrefix(new Date('2026-12-07T10:00:00Z'))}b.parquet`);
    expect(await bronzeHoldsEvents(fixture.clients.s3, bucket)).toBe(true);
  }, 60_000);
});

describe('a replay manifest of an environment that held events', () => {
  it('sets the window but compares no exact totals or rows', () => {
    const days = { '2026-12-05': { distinctEvents: 3, distinctByEventType: { alert: 3 } } };
    const window = { fromDate: '2026-12-05', toDate: '2026-12-05' };
    expect(expectedRowSets({ days }, 'event_geo_kpis_events', window).map((s) => s.check)).toEqual(['expected-values', 'expected-day-totals']);
    expect(expectedRowSets({ days, environmentHeldEvents: true }, 'event_geo_kpis_events', window)).toEqual([]);
  });
});
