import type { ActionOnFailure, StepConfig } from '@aws-sdk/client-emr';
import { SCRIPTS_ARCHIVE, scriptsUri } from '../config/scripts';
import { KPI_JOBS, KpiJobName } from '../kpis/catalog';
import { KpiScope } from '../kpis/day-window';
import { buildJobArguments, JobLocations, KpiRunOptions } from '../kpis/job-arguments';
import { sparkCatalogConf, toSparkSubmitConfArgs } from '../kpis/spark-conf';

/** Step names start with this, then the job name; a transient cluster's step ids are found by name. */
export const STEP_NAME_PREFIX = 'clickstream-kpi-';

export interface KpiStepsOptions {
  readonly jobs: readonly KpiJobName[];
  readonly locations: JobLocations;
  /** The days to recompute: a window, all, or those that received arrivals since the last run. @default INCREMENTAL */
  readonly scope?: KpiScope;
  /** The run's id (every step writes to its audit branch), its time. @default - each step makes its own id */
  readonly run?: KpiRunOptions;
  /** Region of the Glue catalog and the warehouse bucket. */
  readonly region: string;
  /** Bucket the CDK app (or `clickstream publish-scripts`) publishes `spark/` to. */
  readonly scriptsBucket: string;
  /** The published version (content hash or git sha), so a run uses exactly one version of every script. */
  readonly scriptsVersion: string;
  /**
   * What EMR does when a step fails. The jobs are independent, so the default lets the others
   * still run; a transient cluster ends after its last step either way.
   * @default 'CONTINUE'
   */
  readonly actionOnFailure?: ActionOnFailure;
}

/** The step name of a job. */
export function stepName(job: KpiJobName): string {
  return `${STEP_NAME_PREFIX}${job}`;
}

/** What one KPI job submits to Spark on AWS, whatever runs it: a cluster's step or a serverless job run. */
/**
 * One Spark application as both computes submit it: a cluster's spark-submit step or an EMR
 * Serverless job run (StartJobRun's sparkSubmit).
 */
export interface SparkSubmit {
  /** What it computes: a KPI job, or the table maintenance. */
  readonly job: string;
  /** The step's and the job run's name. */
  readonly name: string;
  /** The job's script of the published version (`s3://.../kpi_<job>.py`). */
  readonly script: string;
  /** The jobs' package (`--py-files`), of the same version. */
  readonly pyFiles: string;
  /** `--conf` pairs in a stable order: the Iceberg catalog `glue` on AWS (the local one without endpoints). */
  readonly conf: readonly string[];
  /** The job's own arguments, from the builder the local runner uses. */
  readonly args: readonly string[];
}

/** A KPI job's spark-submit. */
export interface KpiSparkSubmit extends SparkSubmit {
  readonly job: KpiJobName;
}

/** Each job's spark-submit: one copy for clusters' steps and serverless job runs. */
export function kpiSparkSubmits(options: Omit<KpiStepsOptions, 'actionOnFailure'>): KpiSparkSubmit[] {
  const prefix = scriptsUri(options.scriptsBucket, options.scriptsVersion);
  const conf = toSparkSubmitConfArgs(sparkCatalogConf({ warehouse: options.locations.warehouse, region: options.region }));
  return options.jobs.map((job) => ({
    job,
    name: stepName(job),
    script: `${prefix}${KPI_JOBS[job].script}`,
    pyFiles: `${prefix}${SCRIPTS_ARCHIVE}`,
    conf,
    args: buildJobArguments(job, options.locations, options.scope, options.run),
  }));
}

/**
 * One `spark-submit` step per job, in cluster deploy mode so the driver runs on the cluster and a
 * lost primary-node connection does not kill it.
 */
export function buildKpiSteps(options: KpiStepsOptions): StepConfig[] {
  return kpiSparkSubmits(options).map((submit) => ({
    Name: submit.name,
    ActionOnFailure: options.actionOnFailure ?? 'CONTINUE',
    HadoopJarStep: {
      Jar: 'command-runner.jar',
      Args: ['spark-submit', '--deploy-mode', 'cluster', '--py-files', submit.pyFiles, ...submit.conf, submit.script, ...submit.args],
    },
  }));
}
