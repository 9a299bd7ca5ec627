import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

/** What Spark read from bronze, from its own SQL metrics. */
export interface SparkBronzeRead {
  readonly bytes: number;
  readonly files: number;
  /** The Spark applications that ran the run's SQL executions (their event log files). */
  readonly applications: readonly string[];
}

export interface BronzeReadOptions {
  /** The folder of Spark's event logs (`spark.eventLog.dir`). */
  readonly dir: string;
  /**
   * Only SQL executions started at or after this time (epoch ms) count: the run's own, whether it
   * had an application of its own (spark-submit) or ran on the stack's long-lived one.
   */
  readonly since: number;
  /** ...and started before this time (epoch ms), when given: the end of the run's Spark stage. */
  readonly until?: number;
  /**
   * On the stack's long-lived Spark, only the executions of these requests count (their session's
   * `spark.clickstream.request`, which the event log records in `modifiedConfigs`): another run's
   * jobs in the same minutes are not this run's.
   */
  readonly requests?: readonly string[];
  /** Bronze's location; a file scan counts when its location contains it (`s3://bucket/events/`). */
  readonly bronzeUri: string;
}

interface PlanNode {
  readonly nodeName: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly metrics?: ReadonlyArray<{ readonly name: string; readonly accumulatorId: number }>;
  readonly children?: readonly PlanNode[];
}

const SIZE_METRIC = 'size of files read';
/** The session setting the warm Spark tags each request's executions with (src/local/spark_job_server.py). */
const REQUEST_TAG = 'spark.clickstream.request';
const FILES_METRIC = 'number of files read';

/** The accumulator ids of the bronze file scans in a physical plan (scans of a cached plan appear in every plan using it). */
function bronzeScanMetrics(node: PlanNode, bronze: string, into: Map<number, 'bytes' | 'files'>): void {
  if (node.nodeName.startsWith('Scan ') && (node.metadata?.Location ?? '').includes(bronze)) {
    for (const metric of node.metrics ?? []) {
      if (metric.name === SIZE_METRIC) into.set(metric.accumulatorId, 'bytes');
      if (metric.name === FILES_METRIC) into.set(metric.accumulatorId, 'files');
    }
  }
  for (const child of node.children ?? []) bronzeScanMetrics(child, bronze, into);
}

/**
 * The bytes and files Spark's file scans of bronze read, from the event logs of the SQL executions
 * started since `since`. A file scan posts "size of files read" and "number of files read" once,
 * as driver metric updates, when it lists its files; a cached scan is listed once however often
 * the cache is used, so each metric counts once. Undefined when no execution of the run was logged.
 */
export async function bronzeReadFromEventLogs(options: BronzeReadOptions): Promise<SparkBronzeRead | undefined> {
  if (!fs.existsSync(options.dir)) return undefined;
  // Spark writes file: URIs without the trailing slash in plan metadata; match the bucket and prefix.
  const bronze = options.bronzeUri.replace(/\/+$/, '');
  let bytes = 0;
  let files = 0;
  const applications: string[] = [];
  for (const name of fs.readdirSync(options.dir).sort()) {
    const file = path.join(options.dir, name);
    if (!fs.statSync(file).isFile() || fs.statSync(file).mtimeMs < options.since) continue;
    const metrics = new Map<number, 'bytes' | 'files'>();
    const values = new Map<number, number>();
    const executions = new Set<number>();
    const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      // Most lines are task and stage events; parse only the three kinds that matter.
      if (line.includes('SparkListenerSQLExecutionStart"')) {
        const start = JSON.parse(line) as { executionId: number; time: number; sparkPlanInfo: PlanNode; modifiedConfigs?: Record<string, string> };
        if (start.time < options.since || (options.until !== undefined && start.time >= options.until)) continue;
        if (options.requests && !options.requests.includes(start.modifiedConfigs?.[REQUEST_TAG] ?? '')) continue;
        executions.add(start.executionId);
        bronzeScanMetrics(start.sparkPlanInfo, bronze, metrics);
      } else if (line.includes('SparkListenerSQLAdaptiveExecutionUpdate"')) {
        const update = JSON.parse(line) as { executionId: number; sparkPlanInfo: PlanNode };
        if (executions.has(update.executionId)) bronzeScanMetrics(update.sparkPlanInfo, bronze, metrics);
      } else if (line.includes('SparkListenerDriverAccumUpdates"')) {
        for (const [id, value] of (JSON.parse(line) as { accumUpdates: Array<[number, number]> }).accumUpdates) values.set(id, value);
      }
    }
    if (executions.size === 0) continue;
    applications.push(name.replace(/\.inprogress$/, ''));
    for (const [id, kind] of metrics) {
      const value = values.get(id) ?? 0;
      if (kind === 'bytes') bytes += value;
      else files += value;
    }
  }
  return applications.length > 0 ? { bytes, files, applications } : undefined;
}
