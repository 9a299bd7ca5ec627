import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { AWS_REGION_PATTERN } from '../config/config';

/** The price table shipped with the repository: list prices for the regions the project deploys to by default. */
export const SHIPPED_PRICE_TABLE = path.join(__dirname, 'price-table.json');

/** Where the shipped table is in a checkout of the repository (bundled actions find it there, not beside their code). */
export const SHIPPED_PRICE_TABLE_IN_REPOSITORY = path.join('src', 'cost', 'price-table.json');

/** Variable naming a price table that replaces the shipped one. */
export const PRICE_TABLE_VARIABLE = 'CLICKSTREAM_PRICE_TABLE';

const price = z.number().finite().nonnegative();

const instancePrice = z.object({
  /** EC2 Linux on-demand price per hour. */
  ec2PerHour: price,
  /** The Amazon EMR price per hour, charged on top of EC2's. */
  emrPerHour: price,
  /** EC2 spot price per hour to assume for spot instances; without it they are priced on demand (an upper bound). */
  spotPerHour: price.optional(),
}).strict();

const regionPrices = z.object({
  emr: z.record(z.string().min(1), instancePrice).optional(),
  athena: z.object({ perTbScanned: price }).strict().optional(),
  kinesis: z.object({ perMillionPutPayloadUnits: price, onDemandPerGbIngested: price }).strict().optional(),
  firehose: z.object({ perGbIngested: price, formatConversionPerGb: price }).strict().optional(),
  /** EMR Serverless workers: per vCPU-hour and GB-hour of memory, and of storage beyond the free allowance when known. */
  emrServerless: z.object({ perVcpuHour: price, perGbHour: price, perStorageGbHour: price.optional() }).strict().optional(),
}).strict();

const priceTableSchema = z.object({
  description: z.string().optional(),
  /** The day the prices were read off the sources: an estimate says how old its prices are. */
  pricesAsOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  currency: z.literal('USD'),
  sources: z.record(z.string(), z.string()),
  /** How far the figures were checked against a second source. */
  verification: z.string().optional(),
  regions: z.record(z.string().regex(AWS_REGION_PATTERN, 'must be a region name such as us-east-1'), regionPrices),
}).strict();

export type InstancePrice = z.infer<typeof instancePrice>;
export type RegionPrices = z.infer<typeof regionPrices>;

/** A price table and where it came from. */
export interface PriceTable extends z.infer<typeof priceTableSchema> {
  /** The file it was read from. */
  readonly file: string;
}

/**
 * Reads and checks a price table; a malformed file fails naming the file and every field to fix.
 * @param file - @default the shipped table
 */
export function loadPriceTable(file: string = SHIPPED_PRICE_TABLE): PriceTable {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read the price table ${file}: ${(e as Error).message}. Give a JSON file shaped like ${SHIPPED_PRICE_TABLE}.`);
  }
  const parsed = priceTableSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `- ${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n');
    throw new Error(`The price table ${file} is not valid; fix these fields (the shipped ${path.basename(SHIPPED_PRICE_TABLE)} shows the shape):\n${problems}`);
  }
  return { ...parsed.data, file };
}

/** The price table a run uses: the named file, else the one CLICKSTREAM_PRICE_TABLE names, else the shipped one. */
export function priceTableFor(file?: string, env: NodeJS.ProcessEnv = process.env): PriceTable {
  return loadPriceTable(file ?? (env[PRICE_TABLE_VARIABLE] || undefined));
}
