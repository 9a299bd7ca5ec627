import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EMRClient, ListInstancesCommand, ListStepsCommand } from '@aws-sdk/client-emr';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listClusterInstances, stepsSpan, streamMode } from '../../src/cost/aws-usage';
import { MIB, TIB } from '../../src/cost/estimate';
import { MeteredEngine, querySubject } from '../../src/cost/metered-engine';
import { SHIPPED_PRICE_TABLE, loadPriceTable, priceTableFor } from '../../src/cost/prices';
import { estimateAwsRunCost, localRunScan } from '../../src/cost/run-cost';
import { QueryEngine } from '../../src/engines/query-engine';

const shipped = loadPriceTable();
const usEast = shipped.regions['us-east-1'];
const emr = new EMRClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const emrMock = mockClient(emr);
const kinesis = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const kinesisMock = mockClient(kinesis);

const T0 = new Date('2026-11-27T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

beforeEach(() => {
  emrMock.reset();
  kinesisMock.reset();
});

describe('the shipped price table', () => {
  it('has a date, its sources and the default region priced for everything a run uses', () => {
    expect(shipped.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(shipped.sources).sort()).toEqual(['athena', 'ec2', 'emr', 'emrServerless', 'firehose', 'kinesis']);
    expect(usEast.emr?.['m5.xlarge']).toBeDefined();
    expect(usEast.emrServerless?.perVcpuHour).toBeGreaterThan(0);
    expect(usEast.athena && usEast.kinesis && usEast.firehose).toBeTruthy();
  });

  it('is replaced by the file CLICKSTREAM_PRICE_TABLE names, and a broken file names the fields to fix', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prices-'));
    const file = path.join(dir, 'prices.json');
    fs.writeFileSync(file, JSON.stringify({ pricesAsOf: '2027-01-01', currency: 'USD', sources: {}, regions: { 'eu-central-1': { athena: { perTbScanned: 6 } } } }));
    expect(priceTableFor(undefined, { CLICKSTREAM_PRICE_TABLE: file }).regions['eu-central-1'].athena?.perTbScanned).toBe(6);
    expect(priceTableFor(undefined, {}).file).toBe(SHIPPED_PRICE_TABLE);
    fs.writeFileSync(file, JSON.stringify({ pricesAsOf: 'soon', currency: 'USD', sources: {}, regions: { 'us-east-1': { athena: { perTbScanned: -5 } } } }));
    expect(() => loadPriceTable(file)).toThrow(/pricesAsOf: must be a date YYYY-MM-DD[\s\S]*regions\.us-east-1\.athena\.perTbScanned/);
    expect(() => loadPriceTable(path.join(dir, 'missing.json'))).toThrow(/Cannot read the price table .*missing\.json/);
  });
});

describe('EMR cost from the cluster\'s instances', () => {
  it('prices every instance per second at EC2 + EMR from the shipped table, a minute at least', async () => {
    // ListInstances pages (EMR API reference: Marker continues the listing).
    emrMock.on(ListInstancesCommand, { ClusterId: 'j-RUN', Marker: undefined }).resolves({
      Instances: [
        { Id: 'ci-1', Ec2InstanceId: 'i-primary', InstanceType: 'm5.xlarge', Market: 'ON_DEMAND', Status: { State: 'TERMINATED', Timeline: { CreationDateTime: T0, EndDateTime: at(630) } } },
        { Id: 'ci-2', Ec2InstanceId: 'i-core1', InstanceType: 'm5.xlarge', Market: 'ON_DEMAND', Status: { State: 'TERMINATED', Timeline: { CreationDateTime: at(30), EndDateTime: at(630) } } },
      ],
      Marker: 'page-2',
    });
    emrMock.on(ListInstancesCommand, { ClusterId: 'j-RUN', Marker: 'page-2' }).resolves({
      Instances: [
        { Id: 'ci-3', Ec2InstanceId: 'i-core2', InstanceType: 'r5.xlarge', Market: 'SPOT', Status: { State: 'TERMINATED', Timeline: { CreationDateTime: at(30), EndDateTime: at(50) } } },
        { Id: 'ci-4', InstanceType: 'm5.xlarge', Market: 'ON_DEMAND', Status: { State: 'AWAITING_FULFILLMENT', Timeline: {} } },
      ],
    });
    const instances = await listClusterInstances(emr, 'j-RUN');
    expect(instances.map((i) => i.id)).toEqual(['i-primary', 'i-core1', 'i-core2']);

    const cost = estimateAwsRunCost({ prices: shipped, region: 'us-east-1', instances, queries: [], now: at(900) });
    const m5 = usEast.emr!['m5.xlarge'];
    const r5 = usEast.emr!['r5.xlarge'];
    expect(cost.emrInstances!.map((i) => [i.seconds, i.billedSeconds])).toEqual([[630, 630], [600, 600], [20, 60]]);
    const expected = ((630 + 600) / 3600) * (m5.ec2PerHour + m5.emrPerHour) + (60 / 3600) * (r5.ec2PerHour + r5.emrPerHour);
    const emrLine = cost.lines.find((l) => l.service === 'EMR')!;
    expect(emrLine.usd).toBeCloseTo(expected, 12);
    expect(emrLine.usd).toBeCloseTo(0.08725, 5); // 1,230 s of m5.xlarge and a minute of r5.xlarge at the us-east-1 list prices
    expect(cost.notes.join(' ')).toContain('Spot instances are priced at the on-demand EC2 rate');
  });

  it('counts only the run\'s steps on a cluster it shares, from ListSteps\' timelines', async () => {
    emrMock.on(ListStepsCommand).resolves({
      Steps: [
        { Id: 's-1', Status: { State: 'COMPLETED', Timeline: { StartDateTime: at(3600), EndDateTime: at(3900) } } },
        { Id: 's-2', Status: { State: 'COMPLETED', Timeline: { StartDateTime: at(3900), EndDateTime: at(4200) } } },
        { Id: 's-3', Status: { State: 'CANCELLED', Timeline: {} } },
      ],
    });
    const span = await stepsSpan(emr, 'j-SHARED', ['s-1', 's-2', 's-3'], at(5000));
    expect(span).toEqual({ from: at(3600), to: at(4200) });
    expect(emrMock.commandCalls(ListStepsCommand)[0].args[0].input).toEqual({ ClusterId: 'j-SHARED', StepIds: ['s-1', 's-2', 's-3'] });
    const cost = estimateAwsRunCost({
      prices: shipped,
      region: 'us-east-1',
      instances: [
        { id: 'i-1', instanceType: 'm5.xlarge', market: 'ON_DEMAND', createdAt: T0 },
        { id: 'i-2', instanceType: 'm5.xlarge', market: 'ON_DEMAND', createdAt: at(4000) },
      ],
      sharedClusterSpan: span,
      queries: [],
      now: at(5000),
    });
    expect(cost.emrInstances!.map((i) => i.billedSeconds)).toEqual([600, 200]);
    const m5 = usEast.emr!['m5.xlarge'];
    expect(cost.lines[0].usd).toBeCloseTo((800 / 3600) * (m5.ec2PerHour + m5.emrPerHour), 12);
  });

  it('says which instance types the table cannot price instead of pricing them at nothing', () => {
    const cost = estimateAwsRunCost({
      prices: shipped,
      region: 'us-east-1',
      instances: [{ id: 'i-1', instanceType: 'x9.huge', market: 'ON_DEMAND', createdAt: T0, endedAt: at(120) }],
      queries: [],
      now: at(120),
    });
    expect(cost.lines[0].usd).toBeNull();
    expect(cost.notes[0]).toMatch(/EMR instance type x9\.huge: no price for us-east-1 in .*price-table\.json; add it there or pass --price-table/);
  });
});

describe('Athena cost from each query\'s DataScannedInBytes', () => {
  it('rounds each query up to a megabyte with a 10 MB minimum, at the table\'s price per TB', () => {
    const queries = [0, 5 * MIB, 10 * MIB + 1, 1024 * MIB].map((bytesScanned, i) => ({ subject: `t${i}`, queryId: `q${i}`, durationMs: 1, bytesScanned }));
    const cost = estimateAwsRunCost({ prices: shipped, region: 'us-east-1', queries, now: T0 });
    expect(cost.queries.map((q) => q.billedBytes / MIB)).toEqual([10, 10, 11, 1024]);
    const perTb = usEast.athena!.perTbScanned;
    expect(cost.lines.find((l) => l.service === 'Athena')!.usd).toBeCloseTo(((10 + 10 + 11 + 1024) * MIB / TIB) * perTb, 15);
    expect(cost.totalUsd).toBeCloseTo(0.00503, 5); // 1,055 MB at $5 per TB
  });

  it('prices Kinesis and Firehose by the replayed records in their increments and the stream\'s mode', async () => {
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { StreamName: 's', StreamARN: 'arn', StreamStatus: 'ACTIVE', StreamModeDetails: { StreamMode: 'ON_DEMAND' }, RetentionPeriodHours: 24, StreamCreationTimestamp: T0, EnhancedMonitoring: [], OpenShardCount: 4 },
    });
    const mode = await streamMode(kinesis, 's');
    const replayed = { records: 20_000, bytes: 20_000 * 300 };
    const onDemand = estimateAwsRunCost({ prices: shipped, region: 'us-east-1', queries: [], replayed, streamMode: mode, now: T0 });
    const gib = 1024 ** 3;
    expect(onDemand.lines.find((l) => l.service === 'Kinesis')!.usd).toBeCloseTo((20_000 * 1024 / gib) * usEast.kinesis!.onDemandPerGbIngested, 15);
    expect(onDemand.lines.find((l) => l.service === 'Firehose')!.usd)
      .toBeCloseTo((20_000 * 5 * 1024 / gib) * (usEast.firehose!.perGbIngested + usEast.firehose!.formatConversionPerGb), 15);
    const provisioned = estimateAwsRunCost({ prices: shipped, region: 'us-east-1', queries: [], replayed, streamMode: 'PROVISIONED', now: T0 });
    expect(provisioned.lines.find((l) => l.service === 'Kinesis')!.usd).toBeCloseTo((20_000 / 1e6) * usEast.kinesis!.perMillionPutPayloadUnits, 15);
  });

  it('leaves a region the table lacks unpriced and says so', () => {
    const cost = estimateAwsRunCost({ prices: shipped, region: 'ap-south-1', queries: [{ subject: 't', queryId: 'q', durationMs: 1, bytesScanned: 1 }], replayed: { records: 1, bytes: 100 }, now: T0 });
    expect(cost.lines.every((l) => l.usd === null)).toBe(true);
    expect(cost.totalUsd).toBe(0);
    expect(cost.notes.filter((n) => n.includes('no price for ap-south-1'))).toHaveLength(3);
  });
});

describe('the local run\'s scan', () => {
  it('records every query an engine ran with its bytes, and prices it as Athena would bill it', async () => {
    const inner: QueryEngine = {
      name: 'trino',
      query: async (sql) => ({ queryId: `q-${sql.length}`, columns: [], rows: [], durationMs: 5, bytesScanned: sql.includes('raw') ? 20 * MIB : 1000 }),
    };
    const engine = new MeteredEngine(inner);
    await engine.query('SELECT count(*) FROM awsdatacatalog.analytics.clickstream_raw');
    await engine.query('SELECT * FROM "analytics"."sensor_health" ORDER BY sensor_id');
    expect(engine.queries.map((q) => q.subject)).toEqual(['analytics.clickstream_raw', 'analytics.sensor_health']);
    const scan = localRunScan({ prices: shipped, queries: engine.queries, sparkBronze: { bytes: 155_541, files: 1, applications: ['local-1'] } });
    expect(scan.kind).toBe('local-scan');
    expect(scan.queries.map((q) => q.billedBytes / MIB)).toEqual([20, 10]);
    expect(scan.totalUsd).toBeCloseTo((30 * MIB / TIB) * usEast.athena!.perTbScanned, 15);
    expect(scan.notes.join(' ')).toContain('Spark read 155,541 bytes in 1 file from bronze');
    expect(querySubject('SHOW TABLES')).toBe('SHOW TABLES');
  });
});
