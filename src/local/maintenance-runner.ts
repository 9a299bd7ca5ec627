import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageSparkJobs } from './kpi-runner';
import { tailFile } from './processes';
import { runSparkCommand, sparkServerFor } from './spark-job';
import { LocalSparkJobOptions, SparkSubmitCommand, SparkSubmitHooks, localSparkSubmit } from './spark-submit';
import { findJavaHome } from './toolchain';
import { loadConfig } from '../config/config';
import { MaintenanceResult, describeMaintainedTable, maintenanceResult, parseMaintenanceLine } from '../maintenance/maintenance-report';
import { MAINTENANCE_SCRIPT, MaintenanceOptions, buildMaintenanceArguments } from '../maintenance/options';
import { systemClock, secondsSince } from '../timing/clock';

export interface RunMaintenanceLocallyOptions extends LocalSparkJobOptions, SparkSubmitHooks {
  /** Retention, compaction window, the pipeline's now, tables. @default the job's defaults, now, every table */
  readonly maintenance?: MaintenanceOptions;
}

export interface LocalMaintenanceResult extends MaintenanceResult {
  readonly args: readonly string[];
  readonly seconds: number;
  /** The Spark output of the run. */
  readonly logFile: string;
}

/**
 * Runs the maintenance job on the local target: one spark-submit of spark/maintain_tables.py with
 * the same catalog configuration and packaging as the KPI jobs. A table that fails is in the
 * result's `failed` (the job maintains the others); a job that stops before reporting fails with
 * the Spark log's path and its last lines.
 */
export async function runMaintenanceLocally(options: RunMaintenanceLocallyOptions): Promise<LocalMaintenanceResult> {
  const log = options.log ?? (() => undefined);
  const started = systemClock();
  const names = options.names ?? loadConfig({ target: 'local' }).names;
  const args = buildMaintenanceArguments(names.glueDatabase, options.maintenance);
  const java17Home = options.java17Home ?? findJavaHome(17, true);
  if (!java17Home) throw new Error('Spark 3.5 needs a JDK 17: install one or set CLICKSTREAM_JAVA17_HOME.');

  fs.mkdirSync(options.paths.logs, { recursive: true });
  const logFile = path.join(options.paths.logs, `maintain-${new Date(started).toISOString().replace(/[:.]/g, '-')}.log`);
  const command = localSparkSubmit({
    paths: options.paths,
    java17Home,
    awsEndpoint: options.awsEndpoint,
    warehouse: names.warehouseUri,
    script: path.join(options.paths.spark, MAINTENANCE_SCRIPT),
    args,
    pyFiles: [packageSparkJobs(options.paths, path.join(options.paths.state, 'spark'))],
  });
  const submit = options.submit ?? (async (c: SparkSubmitCommand, file: string, onLine: (line: string) => void, signal?: AbortSignal) =>
    (await runSparkCommand(c, { logFile: file, onStdoutLine: onLine, signal, memory: options.memory, server: sparkServerFor(options) })).exitCode);

  log(`maintain: spark-submit ${MAINTENANCE_SCRIPT} ${args.join(' ')}; Spark log: ${logFile}`);
  const lines: string[] = [];
  let done = false;
  const exitCode = await submit(command, logFile, (line) => {
    const parsed = parseMaintenanceLine(line);
    if (!parsed) return;
    lines.push(line);
    if (parsed.kind === 'table') log(`maintain: ${describeMaintainedTable(parsed.table)}`);
    if (parsed.kind === 'done') done = true;
  }, options.signal);
  if (options.signal?.aborted) {
    throw new Error(`Table maintenance was stopped (${String(options.signal.reason ?? 'aborted')}); its Spark processes were stopped. Spark log: ${logFile}`);
  }
  if (!done) {
    throw new Error(`Table maintenance failed (exit ${exitCode}) before it reported every table. Spark log: ${logFile}\nLast lines:\n${tailFile(logFile, 30)}`);
  }
  return { ...maintenanceResult(lines), args, seconds: secondsSince(started), logFile };
}
