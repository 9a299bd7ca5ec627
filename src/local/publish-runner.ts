import { LocalPaths } from './paths';
import { EMULATOR_CREDENTIALS, LOCAL_REGION, loadConfig } from '../config/config';
import { ResourceNames } from '../config/names';
import { TimedPublishedRun, publishRun } from '../kpis/publisher';

export interface PublishRunLocallyOptions {
  readonly paths: LocalPaths;
  /** The emulator endpoint serving Glue and S3. */
  readonly awsEndpoint: string;
  /** Bucket and database names. @default the local target's names */
  readonly names?: ResourceNames;
  readonly runId: string;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** Aborting stops the publisher; the next publish resumes where it stopped. */
  readonly signal?: AbortSignal;
}

/**
 * Publishes a validated run on the local target: the same PyIceberg publisher as on AWS, with the
 * toolchain's Python, against the emulator's Glue and S3. Rejects with PublishRefusedError when it refuses.
 */
export function publishRunLocally(options: PublishRunLocallyOptions): Promise<TimedPublishedRun> {
  const names = options.names ?? loadConfig({ target: 'local' }).names;
  return publishRun({
    python: options.paths.python,
    sparkDir: options.paths.spark,
    database: names.glueDatabase,
    runId: options.runId,
    region: LOCAL_REGION,
    endpoints: { glue: options.awsEndpoint, s3: options.awsEndpoint },
    env: { ...process.env, AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey },
    log: options.log,
    signal: options.signal,
  });
}
