import type { StartJobRunCommandInput } from '@aws-sdk/client-emr-serverless';
import { EMR_ENVIRONMENT_TAG, EnvironmentName } from '../config/names';
import { KpiSparkSubmit } from '../emr/steps';

/**
 * Where an environment's serverless job runs go: its application, the role they run as, and the
 * logs' folder (the compute stack's ServerlessApplicationId and ServerlessExecutionRoleArn outputs,
 * and its logs bucket).
 */
export interface ServerlessTarget {
  readonly environment: EnvironmentName;
  readonly applicationId: string;
  readonly executionRoleArn: string;
  /** `s3://<logs bucket>/emr-serverless/`: EMR Serverless writes each job run's logs below it. */
  readonly logUri: string;
}

/**
 * The Iceberg runtime on EMR Serverless's images (EMR Serverless User Guide, "Using Apache Iceberg
 * with EMR Serverless": set `spark.jars` to it in the job run; the Glue catalog properties as usual).
 */
export const ICEBERG_RUNTIME_JAR = '/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar';

/** A job run's name: the step name's prefix, then the job. */
export const JOB_RUN_NAME_PREFIX = 'clickstream-kpi-';

/**
 * StartJobRun's input for one KPI job: the same script, package, catalog settings and arguments as a
 * cluster's step (KpiSparkSubmit), as EMR Serverless takes them (API Reference, "StartJobRun" and
 * "SparkSubmit": `entryPoint`, `entryPointArguments`, and `sparkSubmitParameters`, one string of
 * spark-submit options), with the logs in S3 ("MonitoringConfiguration", `s3MonitoringConfiguration.logUri`).
 * The client token is the run's id and the job: StartJobRun is idempotent for a token, so a retried
 * request (a re-run workflow job) never starts the job twice.
 */
export function buildJobRunRequest(submit: KpiSparkSubmit, target: ServerlessTarget, runId: string): StartJobRunCommandInput {
  const parameters = ['--py-files', submit.pyFiles, '--conf', `spark.jars=${ICEBERG_RUNTIME_JAR}`, ...submit.conf];
  // spark-submit options travel as one string, split at spaces: a value with a space would be cut in two.
  const spaced = parameters.find((p) => /\s/.test(p));
  if (spaced) throw new Error(`A spark-submit option of job ${submit.job} holds a space, which EMR Serverless's sparkSubmitParameters cannot carry: "${spaced}".`);
  return {
    applicationId: target.applicationId,
    executionRoleArn: target.executionRoleArn,
    name: `${JOB_RUN_NAME_PREFIX}${submit.job}`,
    clientToken: `${runId}-${submit.job}`,
    jobDriver: {
      sparkSubmit: { entryPoint: submit.script, entryPointArguments: [...submit.args], sparkSubmitParameters: parameters.join(' ') },
    },
    configurationOverrides: { monitoringConfiguration: { s3MonitoringConfiguration: { logUri: target.logUri } } },
    tags: { [EMR_ENVIRONMENT_TAG]: target.environment },
  };
}

/**
 * Where EMR Serverless keeps a job run's driver logs under the log URI it was given:
 * `<logUri>applications/<application id>/jobs/<job run id>/SPARK_DRIVER/stderr.gz` (and `stdout.gz`)
 * (EMR Serverless User Guide, "Storing logs": Amazon S3 buckets).
 */
export function driverLogUri(logUri: string, applicationId: string, jobRunId: string, file: 'stderr.gz' | 'stdout.gz'): string {
  return `${logUri.endsWith('/') ? logUri : `${logUri}/`}applications/${applicationId}/jobs/${jobRunId}/SPARK_DRIVER/${file}`;
}
