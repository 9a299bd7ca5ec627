import type { PriceTable } from './prices';

/** What EMR Serverless billed for job runs: the API reference's ResourceUtilization, in hours. */
export interface BilledUsage {
  readonly vCpuHours: number;
  readonly memoryGbHours: number;
  readonly storageGbHours: number;
}

export const NOTHING_BILLED: BilledUsage = { vCpuHours: 0, memoryGbHours: 0, storageGbHours: 0 };

/** GetJobRun's billedResourceUtilization (vCPUHour, memoryGBHour, storageGBHour, each optional) as BilledUsage. */
export function billedUsageOf(utilization: { vCPUHour?: number; memoryGBHour?: number; storageGBHour?: number }): BilledUsage {
  return { vCpuHours: utilization.vCPUHour ?? 0, memoryGbHours: utilization.memoryGBHour ?? 0, storageGbHours: utilization.storageGBHour ?? 0 };
}

export function addBilledUsage(a: BilledUsage, b: BilledUsage): BilledUsage {
  return {
    vCpuHours: a.vCpuHours + b.vCpuHours,
    memoryGbHours: a.memoryGbHours + b.memoryGbHours,
    storageGbHours: a.storageGbHours + b.storageGbHours,
  };
}

/** `0.600 vCPU-hours, 2.400 GB-hours of memory, 0.000 GB-hours of storage` */
export function describeBilledUsage(billed: BilledUsage): string {
  return `${billed.vCpuHours.toFixed(3)} vCPU-hours, ${billed.memoryGbHours.toFixed(3)} GB-hours of memory, ${billed.storageGbHours.toFixed(3)} GB-hours of storage`;
}

/** Billed usage priced, or why it cannot be: a missing price is never taken as zero. */
export type BilledUsagePrice = { readonly usd: number } | { readonly unpriced: string };

/**
 * Prices billed usage at the region's EMR Serverless prices (per vCPU-hour, GB-hour of memory and,
 * when the table has it, GB-hour of storage). Storage that was billed with no storage price in the
 * table leaves the whole usage unpriced rather than priced too low.
 */
export function priceBilledUsage(billed: BilledUsage, prices: PriceTable, region: string): BilledUsagePrice {
  const table = prices.regions[region]?.emrServerless;
  if (!table) return { unpriced: `the price table (${prices.file}) has no EMR Serverless prices for ${region}` };
  if (billed.storageGbHours > 0 && table.perStorageGbHour === undefined) {
    return { unpriced: `${billed.storageGbHours} GB-hours of storage were billed and the price table has no storage price for ${region}` };
  }
  return {
    usd: billed.vCpuHours * table.perVcpuHour + billed.memoryGbHours * table.perGbHour + billed.storageGbHours * (table.perStorageGbHour ?? 0),
  };
}
