import { ClickstreamConfig, loadConfig, TargetName, TARGETS } from '../../src/config/config';
import { ENVIRONMENT_CHOICES, EnvironmentName, isEnvironmentName } from '../../src/config/names';
import { CheckedTableName } from '../../src/kpis/catalog';
import { DayWindow, windowFromOptions } from '../../src/kpis/day-window';
import { auditBranch } from '../../src/kpis/run-ledger';
import { parseTableList } from '../../src/validation/runner';

/** The action's inputs, checked. */
export interface ValidateAthenaInputs {
  readonly target: TargetName;
  /** Undefined: CLICKSTREAM_ENV, else `local` on the local target and `dev` on aws. */
  readonly environment?: EnvironmentName;
  /** Undefined: the environment's database (naming module). */
  readonly database?: string;
  readonly workGroup?: string;
  readonly outputLocation?: string;
  readonly region?: string;
  readonly trinoEndpoint?: string;
  /** Undefined: the manifest's days, else every day. */
  readonly window?: DayWindow;
  readonly tables: readonly CheckedTableName[];
  readonly manifest?: string;
  /** The KPI run to check. Undefined: the latest unpublished run, else the latest published one. */
  readonly runId?: string;
  readonly failOnWarn: boolean;
  readonly githubToken?: string;
}

/**
 * Reads and checks every input, collecting all problems into one message that names each input
 * to fix. `getInput` returns '' for an unset input, as `ActionIo.getInput` does.
 */
export function parseInputs(getInput: (name: string) => string): ValidateAthenaInputs {
  const problems: string[] = [];
  const input = (name: string) => getInput(name).trim() || undefined;
  const attempt = <T>(name: string, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const target = input('target') ?? 'aws';
  if (!(TARGETS as readonly string[]).includes(target)) problems.push(`target: must be one of ${TARGETS.join(', ')}, got "${target}".`);
  const environment = input('environment');
  if (environment !== undefined && !isEnvironmentName(environment)) {
    problems.push(`environment: must be ${ENVIRONMENT_CHOICES}, got "${environment}".`);
  }
  const database = input('database');
  if (database !== undefined && !/^[a-z_][a-z0-9_]*$/.test(database)) {
    problems.push(`database: must be a Glue database name (lowercase letters, digits, underscores), got "${database}".`);
  }
  const outputLocation = input('output-location');
  if (outputLocation && !outputLocation.startsWith('s3://')) problems.push(`output-location: must be an s3:// URI, got "${outputLocation}".`);
  const trinoEndpoint = input('trino-endpoint');
  const failOnWarn = input('fail-on-warn') ?? 'false';
  if (failOnWarn !== 'true' && failOnWarn !== 'false') problems.push(`fail-on-warn: must be "true" or "false", got "${failOnWarn}".`);
  const fromDate = input('from-date');
  const toDate = input('to-date');
  const window = attempt('from-date/to-date', () => windowFromOptions(fromDate, toDate, 'validate every day'));
  const tables = attempt('tables', () => parseTableList(input('tables')));
  const runId = input('run-id');
  if (runId !== undefined) attempt('run-id', () => auditBranch(runId));
  if (problems.length > 0) throw new Error(`Invalid inputs:\n- ${problems.join('\n- ')}`);
  return {
    target: target as TargetName,
    environment: environment as EnvironmentName | undefined,
    database,
    workGroup: input('workgroup'),
    outputLocation,
    region: input('region'),
    trinoEndpoint,
    window,
    runId,
    tables: tables!,
    manifest: input('manifest'),
    failOnWarn: failOnWarn === 'true',
    githubToken: input('github-token'),
  };
}

/** The configuration the inputs select: the environment's names, its database unless one is given. */
export function targetConfig(inputs: ValidateAthenaInputs, env: NodeJS.ProcessEnv): { config: ClickstreamConfig; database: string } {
  const config = loadConfig({ target: inputs.target, region: inputs.region, environment: inputs.environment }, env);
  return { config, database: inputs.database ?? config.names.glueDatabase };
}
