import { describe, expect, it } from 'vitest';
import { PriceTable, loadPriceTable } from '../../src/cost/prices';
import { estimateAwsRunCost } from '../../src/cost/run-cost';
import { priceBilledUsage } from '../../src/cost/serverless-usage';
import { billedCost } from '../../src/emr-serverless/serverless-run-report';

const shipped = loadPriceTable();
const usEast = shipped.regions['us-east-1'].emrServerless!;
const T0 = new Date('2026-11-27T10:00:00Z');
const billed = { vCpuHours: 0.6, memoryGbHours: 2.4, storageGbHours: 0 };

/** The shipped table with us-east-1's EMR Serverless prices replaced. */
function withServerlessPrices(emrServerless: { perVcpuHour: number; perGbHour: number; perStorageGbHour?: number }): PriceTable {
  return { ...shipped, regions: { ...shipped.regions, 'us-east-1': { ...shipped.regions['us-east-1'], emrServerless } } };
}

describe('pricing what EMR Serverless billed', () => {
  it('prices vCPU-hours and GB-hours of memory at the region\'s prices, as the serverless run report does', () => {
    const expected = 0.6 * usEast.perVcpuHour + 2.4 * usEast.perGbHour;
    expect(priceBilledUsage(billed, shipped, 'us-east-1')).toEqual({ usd: expected });
    expect(billedCost(billed, shipped, 'us-east-1')).toEqual({ dollars: expected, pricesAsOf: shipped.pricesAsOf });
  });

  it('refuses to price storage that was billed when the table has no storage price, and prices it when it has one', () => {
    const withStorage = { ...billed, storageGbHours: 5 };
    expect(usEast.perStorageGbHour).toBeUndefined();
    expect(priceBilledUsage(withStorage, shipped, 'us-east-1')).toEqual({ unpriced: '5 GB-hours of storage were billed and the price table has no storage price for us-east-1' });
    const priced = priceBilledUsage(withStorage, withServerlessPrices({ perVcpuHour: 0.05, perGbHour: 0.005, perStorageGbHour: 0.0001 }), 'us-east-1');
    expect('usd' in priced && priced.usd).toBeCloseTo(0.6 * 0.05 + 2.4 * 0.005 + 5 * 0.0001, 15);
  });

  it('refuses a region the table has no EMR Serverless prices for', () => {
    expect(priceBilledUsage(billed, shipped, 'eu-west-1')).toEqual({ unpriced: `the price table (${shipped.file}) has no EMR Serverless prices for eu-west-1` });
  });
});

describe('the run\'s cost with EMR Serverless job runs', () => {
  it('adds a line of what AWS metered for the job runs, priced from the table, and says it is no estimate', () => {
    const cost = estimateAwsRunCost({ prices: shipped, region: 'us-east-1', serverless: { billed, jobRuns: 3 }, queries: [], now: T0 });
    const line = cost.lines.find((l) => l.service === 'EMR Serverless')!;
    expect(line.usage).toBe("3 job runs billed 0.600 vCPU-hours, 2.400 GB-hours of memory, 0.000 GB-hours of storage (GetJobRun's billedResourceUtilization)");
    expect(line.usd).toBeCloseTo(0.6 * usEast.perVcpuHour + 2.4 * usEast.perGbHour, 15);
    expect(cost.totalUsd).toBeCloseTo(line.usd! + cost.lines.find((l) => l.service === 'Athena')!.usd!, 15);
    expect(cost.notes).toContain('EMR Serverless: the vCPU, memory and storage hours are what AWS metered and billed for the job runs, not an estimate; only their prices come from the table.');
  });

  it('leaves it unpriced in a region the table lacks, and says why', () => {
    const cost = estimateAwsRunCost({ prices: shipped, region: 'eu-west-1', serverless: { billed, jobRuns: 1 }, queries: [], now: T0 });
    const line = cost.lines.find((l) => l.service === 'EMR Serverless')!;
    expect(line.usage).toMatch(/^1 job run billed 0\.600 vCPU-hours/);
    expect(line.usd).toBeNull();
    expect(cost.notes).toContain(`EMR Serverless: not priced: the price table (${shipped.file}) has no EMR Serverless prices for eu-west-1; add it there or pass --price-table.`);
  });
});
