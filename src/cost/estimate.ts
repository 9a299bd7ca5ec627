import type { InstancePrice } from './prices';

// The pricing pages say GB and TB; these estimates take them as binary units (2^30, 2^40 bytes).
// With decimal units the per-byte prices would be 7% (GB) to 10% (TB) higher.
export const KIB = 1024;
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;
export const TIB = 1024 ** 4;

/**
 * Athena pricing page (https://aws.amazon.com/athena/pricing/): SQL queries are charged per TB
 * scanned, rounded up to the nearest megabyte, with a 10 MB minimum per query.
 */
export const ATHENA_MINIMUM_BYTES = 10 * MIB;

/** The bytes Athena bills for a query that scanned `scanned` bytes (its DataScannedInBytes). */
export function athenaBilledBytes(scanned: number): number {
  return Math.max(ATHENA_MINIMUM_BYTES, Math.ceil(scanned / MIB) * MIB);
}

/** What one query costs on Athena at `perTbScanned` dollars per TB. */
export function athenaQueryUsd(scanned: number, perTbScanned: number): number {
  return (athenaBilledBytes(scanned) / TIB) * perTbScanned;
}

/**
 * EMR pricing page (https://aws.amazon.com/emr/pricing/): Amazon EMR on EC2 is billed per second
 * with a one-minute minimum, per instance, on top of the EC2 price (also per second, one-minute
 * minimum for Linux).
 */
export const EMR_MINIMUM_SECONDS = 60;

/** One EC2 instance of a cluster as ListInstances reports it. */
export interface EmrInstanceUsage {
  readonly id: string;
  readonly instanceType: string;
  readonly market: 'ON_DEMAND' | 'SPOT';
  /** InstanceTimeline.CreationDateTime. */
  readonly createdAt: Date;
  /** InstanceTimeline.EndDateTime; absent while it runs. */
  readonly endedAt?: Date;
}

/** An instance's share of the run, priced. */
export interface PricedInstance {
  readonly id: string;
  readonly instanceType: string;
  readonly market: 'ON_DEMAND' | 'SPOT';
  /** Seconds of this instance the run accounts for. */
  readonly seconds: number;
  /** Seconds billed (the one-minute minimum applied to whole instance lifetimes). */
  readonly billedSeconds: number;
  /** EC2 + EMR per hour; null when the price table has no price for the type. */
  readonly usdPerHour: number | null;
  readonly usd: number | null;
  /** True when a spot instance was priced at the on-demand rate (the table has no spot price). */
  readonly spotPricedOnDemand: boolean;
}

/** A time span the run is charged for, e.g. its steps on a cluster it shares with other work. */
export interface TimeSpan {
  readonly from: Date;
  readonly to: Date;
}

/**
 * Prices a cluster's instances. Without `share`, each instance from creation to termination (or
 * `now`), at least a minute: the cluster was the run's own. With `share`, only the part of each
 * instance's life inside it: the run's steps on a cluster that existed before and goes on after.
 */
export function priceEmrInstances(
  instances: readonly EmrInstanceUsage[],
  prices: Readonly<Record<string, InstancePrice>> | undefined,
  now: Date,
  share?: TimeSpan,
): PricedInstance[] {
  return instances.map((instance) => {
    const end = instance.endedAt ?? now;
    const from = share ? Math.max(share.from.getTime(), instance.createdAt.getTime()) : instance.createdAt.getTime();
    const to = share ? Math.min(share.to.getTime(), end.getTime()) : end.getTime();
    const seconds = Math.max(0, Math.round((to - from) / 1000));
    const billedSeconds = share ? seconds : Math.max(EMR_MINIMUM_SECONDS, seconds);
    const price = prices?.[instance.instanceType];
    const spotPricedOnDemand = instance.market === 'SPOT' && price !== undefined && price.spotPerHour === undefined;
    const ec2 = price ? (instance.market === 'SPOT' ? price.spotPerHour ?? price.ec2PerHour : price.ec2PerHour) : undefined;
    const usdPerHour = price && ec2 !== undefined ? ec2 + price.emrPerHour : null;
    return {
      id: instance.id,
      instanceType: instance.instanceType,
      market: instance.market,
      seconds,
      billedSeconds,
      usdPerHour,
      usd: usdPerHour === null ? null : (billedSeconds / 3600) * usdPerHour,
      spotPricedOnDemand,
    };
  });
}

/** Records and their average size, what Kinesis and Firehose meter. */
export interface RecordVolume {
  readonly records: number;
  /** Bytes of all records together. */
  readonly bytes: number;
}

/** Bytes once each record is rounded up to `increment` (records are taken to be of average size). */
export function roundedUpBytes(volume: RecordVolume, increment: number): number {
  if (volume.records === 0) return 0;
  return volume.records * Math.ceil(volume.bytes / volume.records / increment) * increment;
}

/**
 * Kinesis Data Streams pricing page (https://aws.amazon.com/kinesis/data-streams/pricing/):
 * provisioned streams charge PUT payload units, one per 25 KB chunk of a record; on-demand streams
 * charge data in per GB, each record rounded up to 1 KB.
 */
export const KINESIS_PUT_PAYLOAD_UNIT_BYTES = 25 * KIB;
export const KINESIS_ON_DEMAND_INCREMENT_BYTES = KIB;

/**
 * Firehose pricing page (https://aws.amazon.com/firehose/pricing/): ingestion from Direct PUT or a
 * Kinesis stream is charged per GB in 5 KB increments per record; format conversion per GB on the
 * same rounded volume.
 */
export const FIREHOSE_INCREMENT_BYTES = 5 * KIB;
