import * as path from 'node:path';
import { LocalPaths } from './paths';
import { PeakMemorySampler } from './process-memory';
import { runSparkJob } from './spark-job';
import { localSparkSubmit } from './spark-submit';
import { StackEndpoints } from './stack';
import { readStackState } from './stack-state';
import { Toolchain } from './toolchain';
import { loadConfig } from '../config/config';
import { systemClock } from '../timing/clock';

/** The table the smoke job writes: a throw-away table in the pipeline's database. */
export const SMOKE_TABLE = 'toolchain_smoke';

export type SmokeRow = { readonly id: number; readonly name: string; readonly value: number };

export interface ToolchainSmokeOptions {
  readonly paths: LocalPaths;
  readonly toolchain: Toolchain;
  readonly endpoints: StackEndpoints;
  /** Runs SQL on Trino and returns the rows as objects keyed by column name. */
  readonly queryTrino: (sql: string) => Promise<ReadonlyArray<Record<string, unknown>>>;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ToolchainSmokeResult {
  readonly table: string;
  readonly sparkRows: readonly SmokeRow[];
  readonly trinoRows: readonly SmokeRow[];
  /** True when Trino read exactly the rows Spark wrote. */
  readonly match: boolean;
  readonly sparkSeconds: number;
  readonly trinoSeconds: number;
  /** Peak resident memory (bytes) of the Spark job's process tree and of the Trino JVM. */
  readonly peakMemoryBytes: { readonly spark: number; readonly trino: number };
}

/**
 * The toolchain smoke path: Spark (local mode) writes a small Iceberg table through the `glue`
 * catalog (GlueCatalog + S3FileIO on the emulator) and reads it back; Trino's Iceberg connector
 * reads the same table through the same catalog and object store.
 */
export async function runToolchainSmoke(options: ToolchainSmokeOptions): Promise<ToolchainSmokeResult> {
  const log = options.log ?? (() => undefined);
  // Its own stack: always the local environment's names, whatever CLICKSTREAM_ENV says.
  const names = loadConfig({ target: 'local', environment: 'local' }).names;
  const memory = new PeakMemorySampler();
  const trinoPid = readStackState(options.paths.stateFile)?.trino?.pid;
  if (trinoPid) memory.watch('trino', trinoPid);
  try {
    log(`spark: writing ${names.glueDatabase}.${SMOKE_TABLE} through the glue catalog (local mode, Java 17)`);
    const command = localSparkSubmit({
      paths: options.paths,
      java17Home: options.toolchain.java17Home,
      awsEndpoint: options.endpoints.aws,
      warehouse: names.warehouseUri,
      script: path.join(options.paths.spark, 'toolchain_smoke.py'),
      args: [names.glueDatabase, SMOKE_TABLE, names.warehouseUri],
    });
    const spark = await runSparkJob(command, {
      logFile: path.join(options.paths.logs, 'spark-toolchain-smoke.log'),
      memory,
      signal: options.signal,
    });
    const marker = spark.stdout.find((line) => line.startsWith('SMOKE_ROWS '));
    if (!marker) throw new Error(`The Spark smoke job printed no SMOKE_ROWS line; see ${path.join(options.paths.logs, 'spark-toolchain-smoke.log')}`);
    const sparkRows = JSON.parse(marker.slice('SMOKE_ROWS '.length)) as SmokeRow[];
    log(`spark: wrote and read back ${sparkRows.length} rows in ${(spark.durationMs / 1000).toFixed(1)} s`);

    log('trino: reading the same table through its Iceberg connector');
    const trinoStarted = systemClock();
    const rows = await options.queryTrino(`SELECT id, name, value FROM ${names.glueDatabase}.${SMOKE_TABLE} ORDER BY id`);
    const trinoRows = rows.map((r) => ({ id: Number(r.id), name: String(r.name), value: Number(r.value) }));
    const trinoSeconds = (systemClock() - trinoStarted) / 1000;
    log(`trino: read ${trinoRows.length} rows in ${trinoSeconds.toFixed(1)} s`);
    const peaks = memory.stop();
    return {
      table: `${names.glueDatabase}.${SMOKE_TABLE}`,
      sparkRows,
      trinoRows,
      match: JSON.stringify(sparkRows) === JSON.stringify(trinoRows),
      sparkSeconds: spark.durationMs / 1000,
      trinoSeconds,
      peakMemoryBytes: { spark: peaks.spark ?? 0, trino: peaks.trino ?? 0 },
    };
  } finally {
    memory.stop();
  }
}
