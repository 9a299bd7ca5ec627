import type { EMRClient } from '@aws-sdk/client-emr';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { KpiChartData, queryKpiChartData } from './kpi-data';
import { listClusterInstances, stepsSpan, streamMode } from '../cost/aws-usage';
import type { RecordVolume } from '../cost/estimate';
import { MeteredQuery } from '../cost/metered-engine';
import { PriceTable } from '../cost/prices';
import { RunCost, estimateAwsRunCost, localRunScan } from '../cost/run-cost';
import { bronzeReadFromEventLogs } from '../cost/spark-event-log';
import type { EmrRunReport } from '../emr/emr-run-report';
import type { ServerlessRunResult } from '../emr-serverless/run-job-runs';
import type { QueryEngine } from '../engines/query-engine';
import type { KpiTableName } from '../kpis/catalog';
import type { DayWindow } from '../kpis/day-window';

export interface ChartDataOptions {
  readonly engine: QueryEngine;
  readonly database: string;
  readonly tables: readonly KpiTableName[];
  readonly window?: DayWindow;
  /** The snapshot of each table to read (the run's audit branch heads). @default their current state */
  readonly versions?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Where a failure to read them is reported; the run's outcome does not depend on its charts. */
  readonly warn: (line: string) => void;
}

/** The KPI rows the HTML report charts; undefined (with a warning) when the tables cannot be read. */
export async function chartDataOrWarn(options: ChartDataOptions): Promise<KpiChartData | undefined> {
  try {
    return await queryKpiChartData(options.engine, options);
  } catch (e) {
    if (options.signal?.aborted) return undefined;
    options.warn(`report: the KPI charts are left out: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

export interface LocalScanOptions {
  readonly prices: PriceTable;
  /** Every query the run sent to Trino. */
  readonly queries: readonly MeteredQuery[];
  /** Spark's event log folder. */
  readonly eventLogDir: string;
  /** When the KPI stage started (epoch ms): its applications are the ones counted. */
  readonly kpisStartedAt?: number;
  /** When it ended: Spark's executions after it are not the run's. */
  readonly kpisEndedAt?: number;
  /** Its requests on the warm Spark, when it ran there. */
  readonly sparkRequests?: readonly string[];
  readonly bronzeUri: string;
  readonly warn: (line: string) => void;
}

/** What the local run scanned: Trino's bytes per query and Spark's bytes from bronze. */
export async function localScanOrWarn(options: LocalScanOptions): Promise<RunCost> {
  let sparkBronze;
  if (options.kpisStartedAt !== undefined) {
    try {
      sparkBronze = await bronzeReadFromEventLogs({
        dir: options.eventLogDir,
        since: options.kpisStartedAt,
        until: options.kpisEndedAt,
        requests: options.sparkRequests,
        bronzeUri: options.bronzeUri,
      });
      if (!sparkBronze) options.warn(`report: no Spark event log of this run in ${options.eventLogDir}; the bytes Spark read are left out`);
    } catch (e) {
      options.warn(`report: cannot read Spark's event logs in ${options.eventLogDir}: ${(e as Error).message}`);
    }
  }
  return localRunScan({ prices: options.prices, queries: options.queries, sparkBronze });
}

export interface AwsCostOptions {
  readonly emr: EMRClient;
  readonly kinesis: KinesisClient;
  readonly prices: PriceTable;
  readonly region: string;
  /** The EMR runner's report: the cluster, whether the run created it, its steps. */
  readonly emrReport?: EmrRunReport;
  /** The EMR Serverless runner's report: the job runs and what GetJobRun says was billed. */
  readonly serverlessReport?: ServerlessRunResult;
  readonly streamName?: string;
  /** What the replay put into the stream. */
  readonly replayed?: RecordVolume;
  /** Every query the run sent to Athena. */
  readonly queries: readonly MeteredQuery[];
  readonly now: Date;
  readonly warn: (line: string) => void;
}

/**
 * The aws run's cost estimate. A usage call that fails (a missing permission, say) leaves its part
 * out with a note instead of failing the run: the run's outcome does not depend on its estimate.
 */
export async function awsCostOrWarn(options: AwsCostOptions): Promise<RunCost> {
  const problems: string[] = [];
  const attempt = async <T>(what: string, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (e) {
      const message = `${what} failed (${(e as Error).message.split('\n')[0]}); the estimate leaves it out`;
      problems.push(message);
      options.warn(`cost: ${message}`);
      return undefined;
    }
  };
  const report = options.emrReport;
  const instances = report?.clusterId
    ? await attempt(`EMR ListInstances on ${report.clusterId}`, () => listClusterInstances(options.emr, report.clusterId))
    : undefined;
  const sharedClusterSpan = report && !report.createdCluster && report.steps.length > 0
    ? await attempt(`EMR ListSteps on ${report.clusterId}`, () => stepsSpan(options.emr, report.clusterId, report.steps.map((s) => s.id), options.now))
    : undefined;
  const mode = options.streamName && options.replayed
    ? await attempt(`Kinesis DescribeStreamSummary of ${options.streamName}`, () => streamMode(options.kinesis, options.streamName!))
    : undefined;
  const serverless = options.serverlessReport;
  const cost = estimateAwsRunCost({
    prices: options.prices,
    region: options.region,
    // A shared cluster whose steps never started cost the run nothing.
    instances: report && !report.createdCluster && !sharedClusterSpan ? undefined : instances,
    sharedClusterSpan,
    // The job runs whose billed usage is in the total: those that reported it.
    serverless: serverless && { billed: serverless.billed, jobRuns: serverless.jobRuns.filter((r) => r.billed).length },
    queries: options.queries,
    replayed: options.replayed,
    streamMode: mode,
    now: options.now,
  });
  return { ...cost, notes: [...problems, ...cost.notes] };
}
