import { DescribeClusterCommand, StepConfig } from '@aws-sdk/client-emr';
import { EmrRunReport } from './emr-run-report';
import { EmrRunDeps, EmrStepsRunOptions, runStepsOnEmr } from './run-kpis';
import { StepLogResult, fetchStepLog } from './step-logs';
import { SparkSubmit } from './steps';
import { SCRIPTS_ARCHIVE, scriptsUri } from '../config/scripts';
import { sparkCatalogConf, toSparkSubmitConfArgs } from '../kpis/spark-conf';
import { MaintenanceResult, maintenanceResult } from '../maintenance/maintenance-report';
import { MAINTENANCE_SCRIPT, MaintenanceOptions, buildMaintenanceArguments } from '../maintenance/options';
import { sleep as realSleep, systemClock } from '../timing/clock';

/** The maintenance step's name on the cluster. */
export const MAINTENANCE_STEP_NAME = 'clickstream-maintain-tables';

export interface MaintenanceStepOptions {
  /** The Glue database of the tables. */
  readonly database: string;
  /** The Iceberg warehouse, `s3://bucket/warehouse`. */
  readonly warehouse: string;
  /** Region of the Glue catalog and the warehouse bucket. */
  readonly region: string;
  /** Bucket and version of the published scripts (the KPI steps' own). */
  readonly scriptsBucket: string;
  readonly scriptsVersion: string;
  /** @default the job's defaults */
  readonly maintenance?: MaintenanceOptions;
}

/** The maintenance job's spark-submit: the published maintain_tables.py with the KPI jobs' package and catalog settings. */
export function maintenanceSparkSubmit(options: MaintenanceStepOptions): SparkSubmit {
  const prefix = scriptsUri(options.scriptsBucket, options.scriptsVersion);
  return {
    job: 'maintain_tables',
    name: MAINTENANCE_STEP_NAME,
    script: `${prefix}${MAINTENANCE_SCRIPT}`,
    pyFiles: `${prefix}${SCRIPTS_ARCHIVE}`,
    conf: toSparkSubmitConfArgs(sparkCatalogConf({ warehouse: options.warehouse, region: options.region })),
    args: buildMaintenanceArguments(options.database, options.maintenance),
  };
}

/**
 * The maintenance step: {@link maintenanceSparkSubmit} in client deploy mode, so that the driver's
 * output, the job's per-table lines, lands in the step's own log ("For client mode, the driver's log
 * output appears in the step logs": Amazon EMR Release Guide, "Add a Spark step"); the work itself is
 * catalog calls and small rewrites the primary node drives.
 */
export function buildMaintenanceStep(options: MaintenanceStepOptions): StepConfig {
  const submit = maintenanceSparkSubmit(options);
  return {
    Name: submit.name,
    ActionOnFailure: 'CONTINUE',
    HadoopJarStep: {
      Jar: 'command-runner.jar',
      Args: ['spark-submit', '--deploy-mode', 'client', '--py-files', submit.pyFiles, ...submit.conf, submit.script, ...submit.args],
    },
  };
}

export interface EmrMaintenanceReport extends EmrRunReport {
  /** What the job reported per table, read from the step's stdout once EMR uploaded it. */
  readonly maintenance?: MaintenanceResult;
  /** Why there are no per-table figures (the log did not arrive in time, or could not be read). */
  readonly maintenanceLog?: string;
}

/**
 * Runs table maintenance as one EMR step (on a transient cluster or an existing one, cancelled and
 * cleaned up like the KPI steps), then reads the job's per-table lines from the step's stdout.
 */
export async function runMaintenanceOnEmr(
  step: MaintenanceStepOptions,
  options: EmrStepsRunOptions,
  deps: EmrRunDeps,
): Promise<EmrMaintenanceReport> {
  const report = await runStepsOnEmr(options, [buildMaintenanceStep(step)], deps);
  const stepId = report.steps[0]?.id;
  // A table that failed fails the step; the lines of the tables that ran are in its stdout too.
  if ((report.result !== 'completed' && report.result !== 'step-failed') || !stepId) return report;
  const logUri = options.target.mode === 'transient'
    ? options.target.cluster.logUri
    : (await deps.emr.send(new DescribeClusterCommand({ ClusterId: report.clusterId }))).Cluster?.LogUri;
  if (!logUri) return { ...report, maintenanceLog: `Cluster ${report.clusterId} has no log URI, so EMR kept no step logs and the per-table figures are lost.` };
  deps.log?.(`Reading the maintenance step's output under ${logUri} (EMR uploads step logs about every five minutes).`);
  const stdout: StepLogResult = await fetchStepLog(
    { logUri, clusterId: report.clusterId, stepId, file: 'stdout.gz', maxWaitMs: options.logWaitMs, signal: deps.signal },
    { s3: deps.s3, clock: deps.clock ?? systemClock, sleep: deps.sleep ?? realSleep },
  );
  if (!stdout.found) return { ...report, maintenanceLog: stdout.message };
  return { ...report, maintenance: maintenanceResult(stdout.tails[0].lines) };
}
