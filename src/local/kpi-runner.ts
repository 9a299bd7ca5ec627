import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalPaths } from './paths';
import { tailFile } from './processes';
import { runSparkCommand, sparkServerFor } from './spark-job';
import { LocalSparkJobOptions, SparkSubmitCommand, SparkSubmitHooks, localSparkSubmit } from './spark-submit';
import { findJavaHome } from './toolchain';
import { loadConfig } from '../config/config';
import { SCRIPTS_ARCHIVE, scriptsArchive } from '../config/scripts';
import { ALL_KPIS_SCRIPT, KPI_JOBS, KPI_JOB_NAMES, KpiJobName } from '../kpis/catalog';
import { DayWindow, KpiScope } from '../kpis/day-window';
import { INCREMENTAL, JobLocations, KpiRunOptions, buildAllKpisArguments, buildJobArguments } from '../kpis/job-arguments';
import { KpiRunRecord, KpiRunTotals, auditBranch, newRunId, parseRunRecordLine, runTotals } from '../kpis/run-ledger';
import { systemClock, secondsSince } from '../timing/clock';

/**
 * How the jobs are submitted: `single-app` runs them all in one Spark application (all_kpis.py,
 * bronze read once, one JVM start); `per-job` submits the seed's three scripts one after another.
 */
export type KpiRunMode = 'single-app' | 'per-job';

/** Measured on the local target (see spark/README.md): one application beats three submits. */
export const DEFAULT_KPI_RUN_MODE: KpiRunMode = 'single-app';

/** The prefix of the jobs' own progress lines on stdout (spark/clickstream_jobs/jobs.py). */
const JOB_LOG_PREFIX = '[kpis] ';

export interface RunKpisLocallyOptions extends LocalSparkJobOptions, SparkSubmitHooks {
  /** The days to recompute: a window, all, or those that received arrivals since the last run. @default INCREMENTAL */
  readonly scope?: KpiScope;
  /** The run's time, its id. @default as of now, with a new id */
  readonly run?: KpiRunOptions;
  /** @default all jobs */
  readonly jobs?: readonly KpiJobName[];
  /** @default DEFAULT_KPI_RUN_MODE */
  readonly mode?: KpiRunMode;
}

export interface KpiSubmitResult {
  readonly script: string;
  readonly args: readonly string[];
  readonly seconds: number;
  /** The ledger rows its jobs wrote. */
  readonly records: readonly KpiRunRecord[];
}

export interface KpiRunResult extends KpiRunTotals {
  /** Names the run in the ledger; its tables are written to the audit branch `branch` until published. */
  readonly runId: string;
  readonly branch: string;
  readonly mode: KpiRunMode;
  readonly jobs: readonly KpiJobName[];
  readonly window?: DayWindow;
  /** incremental, window or all. */
  readonly runMode: KpiRunRecord['mode'];
  readonly submits: readonly KpiSubmitResult[];
  readonly seconds: number;
  /** The Spark output of every submit of this run. */
  readonly logFile: string;
  /** Its requests on the stack's warm Spark, when it ran there (their SQL executions are tagged with them). */
  readonly sparkRequests: readonly string[];
}

const seconds = (since: number) => secondsSince(since);

/**
 * Zips the jobs' shared package for `--py-files`, as EMR gets it (the same bytes the CDK app
 * publishes): the driver on a cluster does not have the script's folder on its path.
 */
export function packageSparkJobs(paths: LocalPaths, outputDir: string): string {
  fs.mkdirSync(outputDir, { recursive: true });
  const zip = path.join(outputDir, SCRIPTS_ARCHIVE);
  fs.writeFileSync(zip, scriptsArchive(paths.spark));
  return zip;
}

/** The scripts and arguments of a run; both built by the functions the EMR steps use. */
export function plannedSubmits(
  mode: KpiRunMode, jobs: readonly KpiJobName[], locations: JobLocations, scope: KpiScope = INCREMENTAL, run: KpiRunOptions = {},
) {
  if (mode === 'single-app') return [{ script: ALL_KPIS_SCRIPT, args: buildAllKpisArguments(jobs, locations, scope, run) }];
  return jobs.map((job) => ({ script: KPI_JOBS[job].script, args: buildJobArguments(job, locations, scope, run) }));
}

function describeScope(scope: KpiScope): string {
  if (scope.kind === 'window') return `${scope.window.fromDate}..${scope.window.toDate}`;
  return scope.kind === 'all' ? 'every day (--all)' : 'the days that received arrivals since the last run (incremental)';
}

/**
 * Runs KPI jobs on the local target: spark-submit in local mode with Java 17, the cached jars and
 * the catalog `glue` pointed at the emulator. Fails with the Spark log's path and its last lines.
 */
export async function runKpisLocally(options: RunKpisLocallyOptions): Promise<KpiRunResult> {
  const log = options.log ?? (() => undefined);
  const started = systemClock();
  const scope = options.scope ?? INCREMENTAL;
  const jobs = options.jobs && options.jobs.length > 0 ? [...options.jobs] : [...KPI_JOB_NAMES];
  const mode = options.mode ?? DEFAULT_KPI_RUN_MODE;
  const names = options.names ?? loadConfig({ target: 'local' }).names;
  const java17Home = options.java17Home ?? findJavaHome(17, true);
  if (!java17Home) throw new Error('Spark 3.5 needs a JDK 17: install one or set CLICKSTREAM_JAVA17_HOME.');
  const locations: JobLocations = { bronzePath: names.bronzeUri, database: names.glueDatabase, warehouse: names.warehouseUri };
  // The run id names the audit branch every submit of the run writes to.
  const run = { ...options.run, runId: options.run?.runId ?? newRunId(new Date(started)) };
  const submits = plannedSubmits(mode, jobs, locations, scope, run);

  fs.mkdirSync(options.paths.logs, { recursive: true });
  const logFile = path.join(options.paths.logs, `kpis-${new Date(started).toISOString().replace(/[:.]/g, '-')}.log`);
  const sparkRequests: string[] = [];
  const pyFiles = [packageSparkJobs(options.paths, path.join(options.paths.state, 'spark'))];
  const submit = options.submit ?? (async (command: SparkSubmitCommand, file: string, onLine: (line: string) => void, signal?: AbortSignal) => {
    const onStdoutLine = (line: string) => {
      if (line.startsWith(JOB_LOG_PREFIX)) onLine(line.slice(JOB_LOG_PREFIX.length));
    };
    const server = sparkServerFor(options);
    const onRequest = (tag: string) => sparkRequests.push(tag);
    return (await runSparkCommand(command, { logFile: file, onStdoutLine, signal, memory: options.memory, server, onRequest })).exitCode;
  });
  log(`kpis: run ${run.runId}: ${jobs.join(', ')} as ${mode} over ${describeScope(scope)}, written to branch ${auditBranch(run.runId)}; Spark log: ${logFile}`);

  const results: KpiSubmitResult[] = [];
  for (const { script, args } of submits) {
    const submitStarted = systemClock();
    log(`kpis: spark-submit ${script} ${args.join(' ')}`);
    const command = localSparkSubmit({
      paths: options.paths,
      java17Home,
      awsEndpoint: options.awsEndpoint,
      warehouse: names.warehouseUri,
      script: path.join(options.paths.spark, script),
      args,
      pyFiles,
    });
    fs.appendFileSync(logFile, `\n==> ${script} ${args.join(' ')}\n`);
    const records: KpiRunRecord[] = [];
    const onJobLine = (line: string) => {
      const record = parseRunRecordLine(line);
      if (record) records.push(record);
      else log(`kpis: ${script}: ${line}`);
    };
    const exitCode = await submit(command, logFile, onJobLine, options.signal);
    if (options.signal?.aborted) {
      throw new Error(`KPI job ${script} was stopped (${String(options.signal.reason ?? 'aborted')}); its Spark processes were stopped. Spark log: ${logFile}`);
    }
    if (exitCode !== 0) {
      throw new Error(`KPI job ${script} failed (exit ${exitCode}). Spark log: ${logFile}\nLast lines:\n${tailFile(logFile, 30)}`);
    }
    results.push({ script, args, seconds: seconds(submitStarted), records });
    log(`kpis: ${script} done in ${seconds(submitStarted)} s`);
  }
  const totals = runTotals(results.map((r) => r.records));
  const window = scope.kind === 'window' ? scope.window : undefined;
  const ended = { seconds: seconds(started), logFile, sparkRequests };
  return { runId: run.runId, branch: auditBranch(run.runId), mode, jobs, window, runMode: scope.kind, submits: results, ...totals, ...ended };
}
