import * as path from 'node:path';
import {
  ATHENA_MINIMUM_BYTES, EmrInstanceUsage, FIREHOSE_INCREMENT_BYTES, GIB, KINESIS_ON_DEMAND_INCREMENT_BYTES, KINESIS_PUT_PAYLOAD_UNIT_BYTES,
  PricedInstance, RecordVolume, TimeSpan, athenaBilledBytes, athenaQueryUsd, priceEmrInstances, roundedUpBytes,
} from './estimate';
import type { MeteredQuery } from './metered-engine';
import type { PriceTable } from './prices';
import { BilledUsage, describeBilledUsage, priceBilledUsage } from './serverless-usage';
import type { SparkBronzeRead } from './spark-event-log';

/** One priced part of a run. */
export interface CostLine {
  readonly service: 'EMR' | 'EMR Serverless' | 'Athena' | 'Kinesis' | 'Firehose';
  /** What was metered, in words and numbers (`3 instances, 41 min 20 s`). */
  readonly usage: string;
  /** Null when the price table has no price for it in the region. */
  readonly usd: number | null;
}

/** A query the run sent, what it scanned and what Athena bills (or would bill) for it. */
export interface ScannedQuery extends MeteredQuery {
  readonly billedBytes: number;
  readonly usd: number | null;
}

/**
 * What a run cost (aws target: an estimate from list prices) or what it would scan and cost on
 * Athena (local target: Trino's and Spark's own byte counts).
 */
export interface RunCost {
  readonly kind: 'aws-estimate' | 'local-scan';
  readonly region: string;
  readonly pricesAsOf: string;
  readonly priceTable: string;
  readonly lines: readonly CostLine[];
  /** Sum of the priced lines. */
  readonly totalUsd: number;
  readonly queries: readonly ScannedQuery[];
  readonly emrInstances?: readonly PricedInstance[];
  /** Local target: what Spark read from bronze. */
  readonly sparkBronze?: SparkBronzeRead;
  /** What the figures leave out or assume. */
  readonly notes: readonly string[];
}

function scannedQueries(queries: readonly MeteredQuery[], perTb: number | undefined): ScannedQuery[] {
  return queries.map((q) => ({
    ...q,
    billedBytes: athenaBilledBytes(q.bytesScanned ?? 0),
    usd: perTb === undefined ? null : athenaQueryUsd(q.bytesScanned ?? 0, perTb),
  }));
}

/** The price table's file as the report shows it: relative to the working folder when inside it. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function sum(values: ReadonlyArray<number | null>): number {
  return values.reduce<number>((n, v) => n + (v ?? 0), 0);
}

function athenaLine(queries: readonly ScannedQuery[], priced: boolean): CostLine {
  const scanned = sum(queries.map((q) => q.bytesScanned ?? 0));
  const billed = sum(queries.map((q) => q.billedBytes));
  return {
    service: 'Athena',
    usage: `${queries.length} queries scanned ${scanned.toLocaleString('en-US')} bytes; billed ${(billed / 2 ** 20).toLocaleString('en-US')} MB ` +
      `(each rounded up to a MB, at least ${ATHENA_MINIMUM_BYTES / 2 ** 20} MB)`,
    usd: priced ? sum(queries.map((q) => q.usd)) : null,
  };
}

function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m} min ${String(seconds % 60).padStart(2, '0')} s` : `${seconds} s`;
}

export interface AwsCostInput {
  readonly prices: PriceTable;
  readonly region: string;
  /** The cluster's instances (ListInstances). */
  readonly instances?: readonly EmrInstanceUsage[];
  /** The run's steps on a cluster it did not create; without it the cluster is the run's own. */
  readonly sharedClusterSpan?: TimeSpan;
  /** What EMR Serverless billed for the run's job runs (GetJobRun's billedResourceUtilization), added up over `jobRuns` of them. */
  readonly serverless?: { readonly billed: BilledUsage; readonly jobRuns: number };
  /** Every query the run sent to Athena, with its DataScannedInBytes. */
  readonly queries: readonly MeteredQuery[];
  /** What the replay put into the stream. */
  readonly replayed?: RecordVolume;
  /** The stream's capacity mode (DescribeStreamSummary's StreamModeDetails). */
  readonly streamMode?: 'PROVISIONED' | 'ON_DEMAND';
  readonly now: Date;
}

/** The aws run's cost estimate from the run's own usage and the price table's list prices. */
export function estimateAwsRunCost(input: AwsCostInput): RunCost {
  const regional = input.prices.regions[input.region];
  const lines: CostLine[] = [];
  const notes: string[] = [];
  const missing = (what: string) => notes.push(`${what}: no price for ${input.region} in ${input.prices.file}; add it there or pass --price-table.`);

  let emrInstances: PricedInstance[] | undefined;
  if (input.instances) {
    emrInstances = priceEmrInstances(input.instances, regional?.emr, input.now, input.sharedClusterSpan);
    const unpriced = [...new Set(emrInstances.filter((i) => i.usd === null).map((i) => i.instanceType))];
    if (unpriced.length > 0) missing(`EMR instance type ${unpriced.join(', ')}`);
    if (emrInstances.some((i) => i.spotPricedOnDemand)) notes.push('Spot instances are priced at the on-demand EC2 rate (an upper bound): the table has no spot price for them.');
    if (input.instances.some((i) => !i.endedAt)) notes.push('Instances still running when the report was written are counted up to then.');
    if (input.sharedClusterSpan) notes.push('The cluster was not created by this run: its instances are counted only while the run\'s steps ran.');
    lines.push({
      service: 'EMR',
      usage: `${emrInstances.length} instances (${[...new Set(emrInstances.map((i) => `${i.instanceType} ${i.market === 'SPOT' ? 'spot' : 'on-demand'}`))].join(', ')}), ` +
        `${minutes(sum(emrInstances.map((i) => i.billedSeconds)))} of instance time billed per second, at least a minute each; EC2 + EMR price`,
      usd: unpriced.length > 0 ? null : sum(emrInstances.map((i) => i.usd)),
    });
  }

  if (input.serverless) {
    const { billed, jobRuns } = input.serverless;
    const priced = priceBilledUsage(billed, input.prices, input.region);
    if ('unpriced' in priced) notes.push(`EMR Serverless: not priced: ${priced.unpriced}; add it there or pass --price-table.`);
    notes.push('EMR Serverless: the vCPU, memory and storage hours are what AWS metered and billed for the job runs, not an estimate; only their prices come from the table.');
    lines.push({
      service: 'EMR Serverless',
      usage: `${jobRuns} job run${jobRuns === 1 ? '' : 's'} billed ${describeBilledUsage(billed)} (GetJobRun's billedResourceUtilization)`,
      usd: 'usd' in priced ? priced.usd : null,
    });
  }

  const perTb = regional?.athena?.perTbScanned;
  if (perTb === undefined) missing('Athena');
  const queries = scannedQueries(input.queries, perTb);
  lines.push(athenaLine(queries, perTb !== undefined));

  if (input.replayed) {
    const kinesis = regional?.kinesis;
    if (!kinesis) missing('Kinesis');
    if (input.streamMode === 'ON_DEMAND') {
      const bytes = roundedUpBytes(input.replayed, KINESIS_ON_DEMAND_INCREMENT_BYTES);
      lines.push({
        service: 'Kinesis',
        usage: `on-demand stream: ${(bytes / GIB).toFixed(6)} GB in (records rounded up to 1 KB)`,
        usd: kinesis ? (bytes / GIB) * kinesis.onDemandPerGbIngested : null,
      });
      notes.push('Kinesis: the on-demand stream\'s hourly charge runs whether or not the pipeline does and is not part of a run.');
    } else {
      const units = roundedUpBytes(input.replayed, KINESIS_PUT_PAYLOAD_UNIT_BYTES) / KINESIS_PUT_PAYLOAD_UNIT_BYTES;
      lines.push({
        service: 'Kinesis',
        usage: `provisioned stream: ${units.toLocaleString('en-US')} PUT payload units (25 KB each)`,
        usd: kinesis ? (units / 1e6) * kinesis.perMillionPutPayloadUnits : null,
      });
      notes.push('Kinesis: shard hours are charged whether or not the pipeline runs and are not part of a run.');
    }
    const firehose = regional?.firehose;
    if (!firehose) missing('Firehose');
    const bytes = roundedUpBytes(input.replayed, FIREHOSE_INCREMENT_BYTES);
    lines.push({
      service: 'Firehose',
      usage: `${(bytes / GIB).toFixed(6)} GB ingested and converted to Parquet (records rounded up to 5 KB)`,
      usd: firehose ? (bytes / GIB) * (firehose.perGbIngested + firehose.formatConversionPerGb) : null,
    });
    notes.push('Kinesis and Firehose: records are taken to be of the replay\'s average size.');
  }
  notes.push('Not included: S3 requests and storage, Glue, CloudWatch, data transfer, EBS volumes, discounts and taxes.');
  return {
    kind: 'aws-estimate',
    region: input.region,
    pricesAsOf: input.prices.pricesAsOf,
    priceTable: shownPath(input.prices.file),
    lines,
    totalUsd: sum(lines.map((l) => l.usd)),
    queries,
    emrInstances,
    notes,
  };
}

/** The region whose Athena price the local report quotes. */
export const LOCAL_QUOTE_REGION = 'us-east-1';

export interface LocalScanInput {
  readonly prices: PriceTable;
  /** Every query the run sent to Trino, with Trino's physical input bytes. */
  readonly queries: readonly MeteredQuery[];
  readonly sparkBronze?: SparkBronzeRead;
}

/** What the local run's queries would scan and cost on Athena, and what Spark read from bronze. */
export function localRunScan(input: LocalScanInput): RunCost {
  const perTb = input.prices.regions[LOCAL_QUOTE_REGION]?.athena?.perTbScanned;
  const queries = scannedQueries(input.queries, perTb);
  const notes = [
    `Trino's physical input bytes per query, priced as Athena would bill them in ${LOCAL_QUOTE_REGION}; Athena reads the same Parquet and Iceberg files, so its DataScannedInBytes should be close, not equal.`,
  ];
  if (input.sparkBronze) {
    const files = `${input.sparkBronze.files} file${input.sparkBronze.files === 1 ? '' : 's'}`;
    notes.push(`Spark read ${input.sparkBronze.bytes.toLocaleString('en-US')} bytes in ${files} from bronze (its "size of files read" metric); on EMR that costs instance time, not bytes.`);
  }
  return {
    kind: 'local-scan',
    region: LOCAL_QUOTE_REGION,
    pricesAsOf: input.prices.pricesAsOf,
    priceTable: shownPath(input.prices.file),
    lines: [athenaLine(queries, perTb !== undefined)],
    totalUsd: sum(queries.map((q) => q.usd)),
    queries,
    sparkBronze: input.sparkBronze,
    notes,
  };
}
