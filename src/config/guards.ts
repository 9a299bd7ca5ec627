import { EnvironmentName, PRODUCTION_ENVIRONMENTS } from './names';

/** Where replayed events come from: the seeded generator, the committed sample, or an operator's file. */
export type ReplayOrigin = 'generated' | 'sample' | 'file';

export interface ReplayGuardOptions {
  readonly environment: EnvironmentName;
  readonly origin: ReplayOrigin;
  /** The operator's explicit override. */
  readonly allowProduction: boolean;
  /** How the entry point spells the override, for the message (`--allow-prod-replay`, an action input, ...). */
  readonly override: string;
  /** How the entry point spells the environment choice, for the message. */
  readonly environmentOption: string;
}

/**
 * Refuses to replay synthetic events (generated, or the committed sample) into a production
 * environment unless the operator overrides it explicitly: they would land in its bronze and be
 * counted in the KPI tables people read. A file of recorded events (a backfill) is the operator's
 * own data and passes. Called before any AWS request.
 */
export function checkReplayAllowed(options: ReplayGuardOptions): void {
  if (options.origin === 'file' || options.allowProduction || !PRODUCTION_ENVIRONMENTS.includes(options.environment)) return;
  const what = options.origin === 'sample' ? 'the committed sample events' : 'generated events';
  throw new Error(
    `Refusing to replay ${what} into ${options.environment}: they would land in its bronze and be counted in the KPI tables people read. ` +
    `Replay into dev or staging (${options.environmentOption}), or, if ${options.environment} really should get synthetic events, ` +
    `set ${options.override}.`,
  );
}
