import { createHash } from 'node:crypto';
import type { StartJobRunCommandInput } from '@aws-sdk/client-emr-serverless';
import { EMR_ENVIRONMENT_TAG, EnvironmentName } from '../config/names';
import { SparkSubmit } from '../emr/steps';

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

/**
 * StartJobRun's input for one Spark job (a KPI job, the table maintenance): the same name, script,
 * package, catalog settings and arguments as a cluster's step (SparkSubmit), as EMR Serverless takes them (API Reference, "StartJobRun" and
 * "SparkSubmit": `entryPoint`, `entryPointArguments`, and `sparkSubmitParameters`, one string of
 * spark-submit options), with the logs in S3 ("MonitoringConfiguration", `s3MonitoringConfiguration.logUri`).
 * The client token is made of the run's id and the job ({@link jobRunClientToken}): StartJobRun is
 * idempotent for a token, so a request the SDK retries never starts the job twice. A workflow's re-run
 * attempt has a run id of its own (kpiRunIdFor adds the attempt), so it starts new job runs.
 */
export function buildJobRunRequest(submit: SparkSubmit, target: ServerlessTarget, runId: string): StartJobRunCommandInput {
  const parameters = ['--py-files', submit.pyFiles, '--conf', `spark.jars=${ICEBERG_RUNTIME_JAR}`, ...submit.conf];
  // spark-submit options travel as one string, split at spaces: a value with a space would be cut in two.
  const spaced = parameters.find((p) => /\s/.test(p));
  if (spaced) throw new Error(`A spark-submit option of job ${submit.job} holds a space, which EMR Serverless's sparkSubmitParameters cannot carry: "${spaced}".`);
  return {
    applicationId: target.applicationId,
    executionRoleArn: target.executionRoleArn,
    name: submit.name,
    clientToken: jobRunClientToken(runId, submit.job),
    jobDriver: {
      sparkSubmit: { entryPoint: submit.script, entryPointArguments: [...submit.args], sparkSubmitParameters: parameters.join(' ') },
    },
    configurationOverrides: { monitoringConfiguration: { s3MonitoringConfiguration: { logUri: target.logUri } } },
    tags: { [EMR_ENVIRONMENT_TAG]: target.environment },
  };
}

/**
 * StartJobRun's clientToken for a run's job: `<run id>-<job>`, or, when that is longer than the 64
 * characters StartJobRun takes (API Reference, "StartJobRun": clientToken, length 1-64, pattern
 * `[A-Za-z0-9._-]+`), the job and a digest of the run id, so one run's job always gets one token.
 */
export function jobRunClientToken(runId: string, job: string): string {
  const readable = `${runId}-${job}`;
  const token = readable.length <= CLIENT_TOKEN_MAX ? readable : `${job}-${createHash('sha256').update(runId).digest('hex').slice(0, CLIENT_TOKEN_MAX - job.length - 1)}`;
  if (!/^[A-Za-z0-9._-]+$/.test(token)) throw new Error(`EMR Serverless takes a clientToken of letters, digits, ".", "_" and "-" only; run id "${runId}" gives "${token}".`);
  return token;
}

const CLIENT_TOKEN_MAX = 64;

/**
 * Where EMR Serverless keeps a job run's driver logs under the log URI it was given:
 * `<logUri>applications/<application id>/jobs/<job run id>/SPARK_DRIVER/stderr.gz` (and `stdout.gz`)
 * (EMR Serverless User Guide, "Storing logs": Amazon S3 buckets).
 */
export function driverLogUri(logUri: string, applicationId: string, jobRunId: string, file: 'stderr.gz' | 'stdout.gz'): string {
  return `${logUri.endsWith('/') ? logUri : `${logUri}/`}applications/${applicationId}/jobs/${jobRunId}/SPARK_DRIVER/${file}`;
}
