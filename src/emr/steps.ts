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

/**
 * One `spark-submit` step per job, in cluster deploy mode so the driver runs on the cluster and a
 * lost primary-node connection does not kill it. Job arguments come from the builder the local
 * runner uses; the catalog conf is the local one without endpoints.
 */
export function buildKpiSteps(options: KpiStepsOptions): StepConfig[] {
  const prefix = scriptsUri(options.scriptsBucket, options.scriptsVersion);
  const conf = toSparkSubmitConfArgs(sparkCatalogConf({ warehouse: options.locations.warehouse, region: options.region }));
  return options.jobs.map((job) => ({
    Name: stepName(job),
    ActionOnFailure: options.actionOnFailure ?? 'CONTINUE',
    HadoopJarStep: {
      Jar: 'command-runner.jar',
      Args: [
        'spark-submit',
        '--deploy-mode', 'cluster',
        '--py-files', `${prefix}${SCRIPTS_ARCHIVE}`,
        ...conf,
        `${prefix}${KPI_JOBS[job].script}`,
        ...buildJobArguments(job, options.locations, options.scope, options.run),
      ],
    },
  }));
}
