import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaEngine, createAthenaClient } from './athena';
import { QueryEngine } from './query-engine';
import { TrinoEngine } from './trino';
import { ClickstreamConfig } from '../config/config';
import { LocalPaths, localPaths } from '../local/paths';
import { requireRunningStack } from '../local/stack';
import { Clock, Sleep } from '../timing/clock';

export interface EngineForTargetOptions {
  readonly config: ClickstreamConfig;
  /**
   * Trino to use on the local target instead of the running stack's (e.g. a CI service).
   * @default - the endpoint of the stack `clickstream up` started
   */
  readonly trinoEndpoint?: string;
  /** @default localPaths() */
  readonly paths?: LocalPaths;
  /** @default - a client for the config's region with adaptive retries */
  readonly athenaClient?: AthenaClient;
  /**
   * Athena workgroup.
   * @default - the environment's workgroup (config.names.athenaWorkgroup)
   */
  readonly workGroup?: string;
  /**
   * Where Athena writes results.
   * @default - s3://<the environment's Athena results bucket>/
   */
  readonly outputLocation?: string;
  /** Athena's clock. @default - real time */
  readonly clock?: Clock;
  /** Athena's pause between polls. @default - real timers */
  readonly sleep?: Sleep;
}

/**
 * The query engine of a target: Athena on `aws`, the local stack's Trino on `local`. Both get
 * the same SQL; the Trino catalog is named like Athena's.
 */
export async function engineForTarget(options: EngineForTargetOptions): Promise<QueryEngine> {
  const { config } = options;
  if (config.target === 'local') {
    const endpoint = options.trinoEndpoint ?? (await requireRunningStack({ paths: options.paths ?? localPaths() })).trino;
    return new TrinoEngine({ endpoint, schema: config.names.glueDatabase });
  }
  return new AthenaEngine({
    client: options.athenaClient ?? createAthenaClient({ region: config.region }),
    workGroup: options.workGroup ?? config.names.athenaWorkgroup,
    outputLocation: options.outputLocation ?? `s3://${config.names.athenaResultsBucket}/`,
    database: config.names.glueDatabase,
    clock: options.clock,
    sleep: options.sleep,
  });
}
