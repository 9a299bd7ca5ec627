import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalPaths } from './paths';
import { PeakMemorySampler } from './process-memory';
import { EMULATOR_CREDENTIALS, LOCAL_REGION } from '../config/config';
import { ResourceNames } from '../config/names';
import { sparkCatalogConf, toSparkSubmitConfArgs } from '../kpis/spark-conf';
import { SPARK_JARS, fileName } from './setup/artifacts';

/** What every local run of one of our Spark jobs (KPIs, publish, maintenance) takes. */
export interface LocalSparkJobOptions {
  readonly paths: LocalPaths;
  /** The emulator endpoint serving Glue and S3. */
  readonly awsEndpoint: string;
  /** Bucket and database names. @default the local target's names */
  readonly names?: ResourceNames;
  /** JAVA_HOME of a JDK 17. @default discovered (CLICKSTREAM_JAVA17_HOME or the usual JDK folders) */
  readonly java17Home?: string;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** Aborting stops the running spark-submit (JVM and Python workers) and fails the run. */
  readonly signal?: AbortSignal;
  /**
   * The warm Spark that runs the job (`tcp://127.0.0.1:PORT`, src/local/spark-server.ts).
   * @default the stack's, recorded in `paths.stateFile`; without one the job is a spark-submit of its own
   */
  readonly sparkServer?: string;
}

/** How a local Spark job's spark-submit is started and watched; tests replace them. */
export interface SparkSubmitHooks {
  /** Starts a spark-submit and resolves with its exit code; output goes to the log file, the job's stdout lines to `onLine`. @default spawns it */
  readonly submit?: (command: SparkSubmitCommand, logFile: string, onLine: (line: string) => void, signal?: AbortSignal) => Promise<number>;
  /** Records the peak memory of each spark-submit's process tree under `spark`. */
  readonly memory?: PeakMemorySampler;
}

export interface LocalSparkSubmitOptions {
  readonly paths: LocalPaths;
  readonly java17Home: string;
  /** The emulator endpoint (Glue and S3). */
  readonly awsEndpoint: string;
  /** The Iceberg warehouse, `s3://bucket/warehouse`. */
  readonly warehouse: string;
  /** The PySpark script to run (absolute path). */
  readonly script: string;
  /** The script's arguments, from the shared job-argument builder. */
  readonly args: readonly string[];
  /** Python files shipped with the job (`--py-files`). */
  readonly pyFiles?: readonly string[];
  /** Local cores Spark may use. @default 2 */
  readonly cores?: number;
  /** Driver heap (local mode runs everything in the driver). @default '2g' */
  readonly driverMemory?: string;
  /** Options of the driver's JVM (src/local/jvm-options.ts). @default - none */
  readonly jvmOptions?: readonly string[];
}

/** A command ready to spawn, and the job it runs (what the stack's warm Spark runs instead, src/local/spark-server.ts). */
export interface SparkSubmitCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** The PySpark script (absolute path) and its own arguments. */
  readonly job: { readonly script: string; readonly args: readonly string[]; readonly conf: Readonly<Record<string, string>> };
}

/**
 * Where local Spark applications write their event logs: Spark's own record of what each query
 * read, from which the run reports the bytes it read from bronze (see src/cost/spark-event-log.ts).
 */
export function sparkEventLogDir(paths: LocalPaths): string {
  return path.join(paths.logs, 'spark-events');
}

/** The configuration of every local Spark application: the catalog `glue` on the emulator, local mode, event logs. */
function localSparkConf(paths: LocalPaths, awsEndpoint: string, warehouse: string): Record<string, string> {
  // Spark refuses to start when its event log folder is missing.
  fs.mkdirSync(sparkEventLogDir(paths), { recursive: true });
  return {
    ...sparkCatalogConf({
      warehouse,
      region: LOCAL_REGION,
      endpoints: { glue: awsEndpoint, s3: awsEndpoint },
    }),
    'spark.ui.enabled': 'false',
    'spark.sql.shuffle.partitions': '4',
    'spark.driver.bindAddress': '127.0.0.1',
    'spark.driver.host': '127.0.0.1',
    'spark.eventLog.enabled': 'true',
    'spark.eventLog.dir': `file://${sparkEventLogDir(paths)}`,
    // Plain JSON lines, readable without a zstd codec.
    'spark.eventLog.compress': 'false',
  };
}

/**
 * The `spark-submit` invocation for the local target: Java 17, local mode, the cached jars as
 * absolute paths, and the same catalog configuration EMR gets, pointed at the emulator.
 */
export function localSparkSubmit(options: LocalSparkSubmitOptions): SparkSubmitCommand {
  const conf = {
    ...localSparkConf(options.paths, options.awsEndpoint, options.warehouse),
    ...(options.jvmOptions?.length ? { 'spark.driver.extraJavaOptions': options.jvmOptions.join(' ') } : {}),
  };
  const jars = SPARK_JARS.map((a) => path.join(options.paths.jars, fileName(a))).join(',');
  return {
    command: path.join(options.paths.venv, 'bin', 'spark-submit'),
    args: [
      '--master', `local[${options.cores ?? 2}]`,
      '--driver-memory', options.driverMemory ?? '2g',
      '--jars', jars,
      ...toSparkSubmitConfArgs(conf),
      ...(options.pyFiles && options.pyFiles.length > 0 ? ['--py-files', options.pyFiles.join(',')] : []),
      options.script,
      ...options.args,
    ],
    env: {
      ...process.env,
      JAVA_HOME: options.java17Home,
      PYSPARK_PYTHON: options.paths.python,
      PYSPARK_DRIVER_PYTHON: options.paths.python,
      SPARK_LOCAL_IP: '127.0.0.1',
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
      // The Iceberg AWS bundle and S3A read these; without them they probe EC2 metadata.
      AWS_EC2_METADATA_DISABLED: 'true',
      // The driver imports the jobs' package from spark/; its bytecode cache would land there, in the source tree.
      PYTHONDONTWRITEBYTECODE: '1',
    },
    job: { script: options.script, args: options.args, conf: sessionConf(conf) },
  };
}

/**
 * What a job's own session may set on an application that is already running: the SQL settings
 * (the catalog's warehouse among them), not the static ones fixed when it started.
 */
function sessionConf(conf: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(conf).filter(([key]) => key.startsWith('spark.sql.') && key !== 'spark.sql.extensions'));
}

/** How a spark-submit ended. */
export interface SparkSubmitExit {
  /** Exit code; 128 when a signal ended it, 1 when neither is known. */
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
  /** The last 40 lines spark-submit wrote to stderr (Spark's own log). */
  readonly stderrTail: readonly string[];
}
