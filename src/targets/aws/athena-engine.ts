import type { AthenaClient } from '@aws-sdk/client-athena';
import type { ResourceNames } from '../../config/names';
import { AthenaEngine, createAthenaClient } from '../../engines/athena';
import type { Clock, Sleep } from '../../timing/clock';
import type { QueryEngineOptions } from '../target';

export interface AthenaEngineDeps {
  /** @default - a client for the region with adaptive retries */
  readonly client?: AthenaClient;
  /** @default - real time */
  readonly clock?: Clock;
  /** Pause between polls. @default - real timers */
  readonly sleep?: Sleep;
}

/** Athena over an environment's Glue database, in its workgroup, with results in its results bucket. */
export function athenaEngine(
  config: { readonly region: string; readonly names: ResourceNames },
  deps: AthenaEngineDeps = {},
  options: QueryEngineOptions = {},
): AthenaEngine {
  return new AthenaEngine({
    client: deps.client ?? createAthenaClient({ region: config.region }),
    workGroup: options.workGroup ?? config.names.athenaWorkgroup,
    outputLocation: options.outputLocation ?? `s3://${config.names.athenaResultsBucket}/`,
    database: config.names.glueDatabase,
    clock: deps.clock,
    sleep: deps.sleep,
  });
}
