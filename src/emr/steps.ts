import type { ActionOnFailure, StepConfig } from '@aws-sdk/client-emr';
import { KPI_JOBS, KpiJobName } from '../kpis/catalog';
import { buildJobArguments, DayWindow, JobLocations } from '../kpis/job-arguments';
import { sparkCatalogConf, toSparkSubmitConfArgs } from '../kpis/spark-conf';

/** The zip of `spark/clickstream_jobs/` that every job imports, uploaded beside the scripts. */
export const SHARED_MODULE_ARCHIVE = 'clickstream_jobs.zip';

/** Step names start with this, then the job name; a transient cluster's step ids are found by name. */
export const STEP_NAME_PREFIX = 'clickstream-kpi-';

/** A version prefix is a git sha or a content hash: one path segment, nothing to escape. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface KpiStepsOptions {
  readonly jobs: readonly KpiJobName[];
  readonly locations: JobLocations;
  /** Process only these days. @default - every day in bronze */
  readonly window?: DayWindow;
  /** Region of the Glue catalog and the warehouse bucket. */
  readonly region: string;
  /** Bucket the deploy workflow uploads `spark/` to. */
  readonly scriptsBucket: string;
  /** The upload's version prefix (git sha or content hash), so a run uses exactly one version of every script. */
  readonly scriptsVersion: string;
  /**
   * What EMR does when a step fails. The jobs are independent, so the default lets the others
   * still run; a transient cluster ends after its last step either way.
   * @default 'CONTINUE'
   */
  readonly actionOnFailure?: ActionOnFailure;
}

/** `s3://<bucket>/<version>/`, the prefix every script of a run is read from. */
export function scriptsPrefix(bucket: string, version: string): string {
  if (!VERSION.test(version)) {
    throw new Error(`scripts-version must be a git sha or content hash (letters, digits, ".", "_", "-"), got "${version}".`);
  }
  return `s3://${bucket}/${version}/`;
}

/** The step name of a job. */
export function stepName(job: KpiJobName): string {
  return `${STEP_NAME_PREFIX}${job}`;
}

/**
 * One `spark-submit` step per job, in cluster deploy mode so the driver runs on the cluster and a
 * lost primary-node connection does not kill it. Job arguments come from the builder the local
 * runner uses; the catalog conf is the local one without endpoints.
 */
export function buildKpiSteps(options: KpiStepsOptions): StepConfig[] {
  const prefix = scriptsPrefix(options.scriptsBucket, options.scriptsVersion);
  const conf = toSparkSubmitConfArgs(sparkCatalogConf({ warehouse: options.locations.warehouse, region: options.region }));
  return options.jobs.map((job) => ({
    Name: stepName(job),
    ActionOnFailure: options.actionOnFailure ?? 'CONTINUE',
    HadoopJarStep: {
      Jar: 'command-runner.jar',
      Args: [
        'spark-submit',
        '--deploy-mode', 'cluster',
        '--py-files', `${prefix}${SHARED_MODULE_ARCHIVE}`,
        ...conf,
        `${prefix}${KPI_JOBS[job].script}`,
        ...buildJobArguments(job, options.locations, options.window),
      ],
    },
  }));
}
