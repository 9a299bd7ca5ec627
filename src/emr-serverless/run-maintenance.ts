import { ServerlessRunDeps, ServerlessRunOptions, ServerlessRunResult, runJobRuns } from './run-job-runs';
import { MaintenanceStepOptions, maintenanceSparkSubmit } from '../emr/maintenance';
import { waitForLogTail } from '../emr/step-logs';
import { MaintenanceResult, maintenanceResult } from '../maintenance/maintenance-report';

export interface ServerlessMaintenanceReport extends ServerlessRunResult {
  /** What the job reported per table, read from the driver's stdout once EMR Serverless uploaded it. */
  readonly maintenance?: MaintenanceResult;
  /** Why there are no per-table figures (the log did not arrive in time, or could not be read). */
  readonly maintenanceLog?: string;
}

/**
 * Runs table maintenance as one EMR Serverless job run (the cluster step's script, package,
 * catalog settings and arguments: maintenanceSparkSubmit), cancelled on timeout or abort like the
 * KPI job runs, then reads the job's per-table lines from the driver's stdout
 * (`SPARK_DRIVER/stdout.gz` under the job run's log folder: EMR Serverless User Guide, "Storing
 * logs"). A table that failed fails the job run; the lines of the tables that ran are read then too.
 */
export async function runMaintenanceServerless(
  step: MaintenanceStepOptions,
  options: Omit<ServerlessRunOptions, 'submits'>,
  deps: ServerlessRunDeps,
): Promise<ServerlessMaintenanceReport> {
  const report = await runJobRuns({ ...options, submits: [maintenanceSparkSubmit(step)] }, deps);
  const jobRun = report.jobRuns[0];
  if (jobRun?.state !== 'SUCCESS' && jobRun?.state !== 'FAILED') return report;
  deps.log?.(`Reading the maintenance job's output at ${jobRun.logs.stdout}`);
  const stdout = await waitForLogTail(
    jobRun.logs.stdout,
    Number.POSITIVE_INFINITY,
    { maxWaitMs: options.logWaitMs ?? 120_000, signal: options.signal },
    { s3: deps.s3, clock: deps.clock, sleep: deps.sleep },
  );
  return stdout.kind === 'tail' ? { ...report, maintenance: maintenanceResult(stdout.tail.lines) } : { ...report, maintenanceLog: stdout.message };
}
