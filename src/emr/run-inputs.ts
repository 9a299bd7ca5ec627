import { z } from 'zod';
import { CLUSTER_SUBNET_HINT, SUBNET_ID_PATTERN, validateClusterSubnetId } from './cluster-network';
import { DEFAULT_RELEASE_LABEL } from './cluster-spec';
import { EmrRunOptions } from './run-kpis';
import { AWS_REGION_PATTERN, deployedEnvironmentSchema, loadConfig } from '../config/config';
import { Compute, EMR_ENVIRONMENT_TAG, EMR_LOG_PREFIX, ResourceNames } from '../config/names';
import { validateScriptsVersion } from '../config/scripts';
import { KpiJobName, parseJobList } from '../kpis/catalog';
import { ValidDayWindow, windowFromOptions, windowScope } from '../kpis/day-window';
import { newRunId } from '../kpis/run-ledger';
import { systemClock } from '../timing/clock';

/**
 * The runner's settings as strings, keyed by the action's input names (the CLI's flags use the same
 * names), so both entry points validate one way and their messages name what the user typed.
 * Empty strings count as unset.
 */
export type EmrRunInputs = Readonly<Partial<Record<EmrRunInputName, string>>>;

export const EMR_RUN_INPUT_NAMES = [
  'mode', 'cluster-id', 'environment', 'account-id', 'region',
  'release-label', 'instance-type', 'core-instance-count', 'use-spot', 'subnet-id', 'service-role', 'instance-profile', 'idle-timeout-minutes',
  'jobs', 'from-date', 'to-date', 'scripts-version', 'scripts-bucket', 'log-bucket', 'bronze-bucket', 'warehouse-bucket',
  'timeout-minutes', 'log-wait-minutes',
] as const;
export type EmrRunInputName = (typeof EMR_RUN_INPUT_NAMES)[number];

/** Where a cluster came from and why, for its tags and name. */
export interface RunIdentity {
  /** `owner/name` of the repository that started the run. */
  readonly repository?: string;
  /** The workflow run id (or any id that names this run). */
  readonly runId?: string;
  /** What the cluster is for, in its name (`clickstream-<env>-<purpose>-...`). @default 'kpis' */
  readonly purpose?: string;
  /** The workflow run's attempt (GITHUB_RUN_ATTEMPT): a re-run gets a KPI run, and an audit branch, of its own. */
  readonly attempt?: string;
}

/**
 * The KPI run id of an EMR run: named after the workflow run (and attempt) that started it, so its
 * audit branch says where it came from; a new one when nothing names the run.
 */
export function kpiRunIdFor(identity: RunIdentity, now: Date): string {
  const name = identity.runId?.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!name) return newRunId(now);
  return `run_${name}${identity.attempt ? `_${identity.attempt.replace(/[^A-Za-z0-9]/g, '')}` : ''}`.slice(0, 64);
}

export interface ParsedEmrRun {
  readonly region: string;
  readonly options: EmrRunOptions;
  /** The environment's names, as the run resolved them (bucket inputs and variables first). */
  readonly names: ResourceNames;
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const text = () => z.preprocess(blank, z.string().optional());
const integer = (min: number, max: number, unit: string) => z.preprocess(
  blank,
  z.string().regex(/^\d+$/, `must be a whole number of ${unit}`).transform(Number)
    .pipe(z.number().min(min, `must be from ${min} to ${max} ${unit}`).max(max, `must be from ${min} to ${max} ${unit}`))
    .optional(),
);

const schema = z.object({
  'mode': z.preprocess(blank, z.enum(['transient', 'existing'], 'must be "transient" (a cluster for this run) or "existing" (add steps to cluster-id)').default('transient')),
  'cluster-id': z.preprocess(blank, z.string().regex(/^j-[A-Z0-9]+$/, 'must be an EMR cluster id like j-2AXXXXXXGAPLF').optional()),
  'environment': z.preprocess(blank, deployedEnvironmentSchema.default('dev')),
  'account-id': z.preprocess(blank, z.string().regex(/^\d{12}$/, 'must be the 12-digit AWS account id').optional()),
  'region': z.preprocess(blank, z.string().regex(AWS_REGION_PATTERN, 'must be an AWS region like eu-west-1').optional()),
  'release-label': z.preprocess(blank, z.string().regex(/^emr-\d+\.\d+\.\d+$/, 'must be an EMR release label like emr-7.12.0').default(DEFAULT_RELEASE_LABEL)),
  'instance-type': z.preprocess(blank, z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type like m5.xlarge').default('m5.xlarge')),
  'core-instance-count': integer(0, 100, 'core nodes'),
  'use-spot': z.preprocess(blank, z.enum(['true', 'false'], 'must be true or false').default('false')),
  'subnet-id': z.preprocess(blank, z.string().regex(SUBNET_ID_PATTERN, 'must be a subnet id like subnet-0abc1234def567890').optional()),
  'service-role': text(),
  'instance-profile': text(),
  'idle-timeout-minutes': integer(1, 10_080, 'minutes'),
  'jobs': text(),
  'from-date': text(),
  'to-date': text(),
  'scripts-version': text(),
  'scripts-bucket': text(),
  'log-bucket': text(),
  'bronze-bucket': text(),
  'warehouse-bucket': text(),
  'timeout-minutes': integer(1, 24 * 60, 'minutes'),
  'log-wait-minutes': integer(0, 60, 'minutes'),
});

/** Bucket inputs and the environment variables {@link loadConfig} reads for them. */
export const BUCKET_OVERRIDES = {
  'scripts-bucket': 'SCRIPTS_BUCKET',
  'log-bucket': 'LOGS_BUCKET',
  'bronze-bucket': 'BRONZE_BUCKET',
  'warehouse-bucket': 'ICEBERG_BUCKET',
} as const;

/** How problems name the inputs: the action's input names, or a command line's flags. */
export interface EmrInputStyle {
  /** First line of the error. */
  readonly header: string;
  /** What a problem calls an input. */
  readonly label: (input: EmrRunInputName) => string;
}

/** The run-emr-kpis action's style: problems name its inputs. */
export const ACTION_INPUT_STYLE: EmrInputStyle = { header: 'Invalid run-emr-kpis input:', label: (input) => input };

export interface ValidateEmrRunOptions {
  /** @default ACTION_INPUT_STYLE */
  readonly style?: EmrInputStyle;
  /**
   * Buckets, the scripts version and the EMR roles come from the environment's stack outputs,
   * read after validation (as `clickstream run --target aws` does): scripts-version and the
   * account id or bucket inputs are then optional.
   * @default false
   */
  readonly namesFromStack?: boolean;
  /**
   * The compute stack is read after validation (its Compute and ClusterSubnetId outputs): a transient
   * run's subnet is then optional here, and checked once the stack said a cluster is needed.
   * @default false
   */
  readonly computeFromStack?: boolean;
}

/** The validated settings of the schema (defaults applied). */
export type EmrRunSettings = z.output<typeof schema>;

/** Inputs that passed validation, before resource names complete them into {@link EmrRunOptions}. */
export interface ValidatedEmrRunInputs {
  readonly region: string;
  readonly settings: EmrRunSettings;
  readonly jobs: readonly KpiJobName[];
  readonly window?: ValidDayWindow;
  /** Unset only with `namesFromStack`. */
  readonly scriptsVersion?: string;
}

/**
 * Validates every input before anything talks to AWS, and fails with all problems at once, each
 * naming the input and what to change.
 */
export function validateEmrRunInputs(
  inputs: EmrRunInputs,
  env: NodeJS.ProcessEnv = process.env,
  options: ValidateEmrRunOptions = {},
): ValidatedEmrRunInputs {
  const { label, header } = options.style ?? ACTION_INPUT_STYLE;
  const problems: string[] = [];
  const parsed = schema.safeParse(inputs);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((i) => `${label(i.path[0] as EmrRunInputName)}: ${i.message}${quoteValue(inputs[i.path[0] as EmrRunInputName])}`));
  }
  const value = parsed.success ? parsed.data : undefined;
  const check = <T>(name: EmrRunInputName, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      problems.push(`${label(name)}: ${(e as Error).message}`);
      return undefined;
    }
  };

  let jobs: KpiJobName[] = [];
  check('jobs', () => {
    jobs = parseJobList(inputs.jobs);
  });
  // The window's problems name their own inputs.
  let window: ValidDayWindow | undefined;
  try {
    window = windowFromOptions(inputs['from-date'], inputs['to-date'], 'process every day', { fromDate: label('from-date'), toDate: label('to-date') });
  } catch (e) {
    problems.push((e as Error).message);
  }
  const version = blank(inputs['scripts-version']) as string | undefined;
  if (version) {
    check('scripts-version', () => validateScriptsVersion(version));
  } else if (!options.namesFromStack) {
    problems.push(`${label('scripts-version')}: set the published scripts version (the compute stack's ScriptsVersion output, or the git sha given to \`clickstream publish-scripts\`).`);
  }
  const mode = value?.mode ?? blank(inputs.mode) ?? 'transient';
  if (mode === 'existing' && !blank(inputs['cluster-id'])) {
    problems.push(`${label('cluster-id')}: mode "existing" needs the id of the cluster to add steps to (j-...).`);
  }
  if (mode === 'transient' && blank(inputs['cluster-id'])) {
    problems.push(`${label('cluster-id')}: only used with mode "existing"; remove it, or set mode to "existing".`);
  }
  // Without the stack outputs nothing else can name the subnet.
  if (mode === 'transient' && !options.namesFromStack && !options.computeFromStack && !blank(inputs['subnet-id'])) {
    problems.push(`${label('subnet-id')}: ${CLUSTER_SUBNET_HINT}.`);
  }
  const missingBuckets = Object.keys(BUCKET_OVERRIDES).filter((k) => !blank(inputs[k as EmrRunInputName]));
  if (!options.namesFromStack && !blank(inputs['account-id']) && missingBuckets.length > 0) {
    problems.push(`${label('account-id')}: bucket names end with the account id; set ${label('account-id')}, or set ${missingBuckets.map((b) => label(b as EmrRunInputName)).join(', ')}.`);
  }
  // From the raw input: when another input is invalid, `value` is unset and a given region must not be reported missing.
  const region = (blank(inputs.region) as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) problems.push(`${label('region')}: set ${label('region')} (or AWS_REGION, as aws-actions/configure-aws-credentials does).`);

  if (problems.length > 0 || !value || !region) {
    throw new Error(`${header}\n- ${problems.join('\n- ')}`);
  }
  return {
    region,
    settings: value,
    jobs,
    ...(window ? { window } : {}),
    ...(version ? { scriptsVersion: version } : {}),
  };
}

/** What stack outputs (or the caller) supply where the inputs are silent; explicit inputs win. */
export interface EmrRunDefaults {
  readonly scriptsVersion?: string;
  readonly serviceRole?: string;
  readonly instanceProfile?: string;
  /** The subnet of a transient cluster, tagged for EMR's managed policy (the compute stack's ClusterSubnetId). */
  readonly subnetId?: string;
  /** The days to compute when the inputs name none (e.g. the days a replay delivered). */
  readonly window?: ValidDayWindow;
  /** The KPI run's id. @default a new one */
  readonly kpiRunId?: string;
  /** What the environment's compute stack runs jobs on: with emr-serverless a run needs no cluster (nor its subnet). @default 'emr' */
  readonly compute?: Compute;
}

/** The runner's options from validated inputs and the environment's resource names. */
export function emrRunOptions(
  run: ValidatedEmrRunInputs,
  names: ResourceNames,
  identity: RunIdentity = {},
  defaults: EmrRunDefaults = {},
): EmrRunOptions {
  const value = run.settings;
  const scriptsVersion = run.scriptsVersion ?? defaults.scriptsVersion;
  if (!scriptsVersion) throw new Error('scripts-version: no published scripts version was given or found.');
  const serviceRole = value['service-role'] ?? defaults.serviceRole;
  const instanceProfile = value['instance-profile'] ?? defaults.instanceProfile;
  // A transient cluster cannot start without a tagged subnet: say so now, not in RunJobFlow's answer.
  const subnetId = () => validateClusterSubnetId(
    value['subnet-id'] ?? defaults.subnetId,
    value['subnet-id'] ? 'input subnet-id' : defaults.subnetId ? 'the compute stack\'s output' : 'subnet-id is not set and no stack output names one',
  );
  const window = run.window ?? defaults.window;
  const runName = identity.runId ? `run-${identity.runId}` : new Date(systemClock()).toISOString().slice(0, 10);
  const tags: Record<string, string> = { [EMR_ENVIRONMENT_TAG]: names.environment };
  if (identity.repository) tags.repository = identity.repository;
  if (identity.runId) tags['run-id'] = identity.runId;

  const minutes = (m: number | undefined, fallback: number) => (m ?? fallback) * 60_000;
  return {
    target: value.mode === 'existing'
      ? { mode: 'existing', clusterId: value['cluster-id']! }
      : defaults.compute === 'emr-serverless' ? { mode: 'serverless' } : {
        mode: 'transient',
        cluster: {
          name: `clickstream-${names.environment}-${identity.purpose ?? 'kpis'}-${runName}`,
          logUri: `s3://${names.logsBucket}/${EMR_LOG_PREFIX}`,
          releaseLabel: value['release-label'],
          primaryInstanceType: value['instance-type'],
          coreInstanceCount: value['core-instance-count'] ?? 2,
          useSpotCoreNodes: value['use-spot'] === 'true',
          ...(serviceRole ? { serviceRole } : {}),
          ...(instanceProfile ? { instanceProfile } : {}),
          subnetId: subnetId(),
          idleTimeoutSeconds: (value['idle-timeout-minutes'] ?? 30) * 60,
          tags,
        },
      },
    steps: {
      jobs: run.jobs,
      locations: { bronzePath: names.bronzeUri, database: names.glueDatabase, warehouse: names.warehouseUri },
      ...(window ? { scope: windowScope(window) } : {}),
      // One id for the run's steps: they all write to its audit branch.
      run: { runId: defaults.kpiRunId ?? kpiRunIdFor(identity, new Date(systemClock())) },
      region: run.region,
      scriptsBucket: names.scriptsBucket,
      scriptsVersion,
    },
    timeoutMs: minutes(value['timeout-minutes'], 60),
    logWaitMs: minutes(value['log-wait-minutes'], 6),
  };
}

/**
 * Validates the inputs ({@link validateEmrRunInputs}) and completes them with the environment's
 * resource names by the naming convention, bucket inputs winning.
 */
export function parseEmrRunInputs(
  inputs: EmrRunInputs,
  identity: RunIdentity = {},
  env: NodeJS.ProcessEnv = process.env,
  style?: EmrInputStyle,
  defaults: EmrRunDefaults = {},
): ParsedEmrRun {
  // Defaults that name the compute were read from the compute stack, which may also name the subnet.
  const run = validateEmrRunInputs(inputs, env, { style, computeFromStack: defaults.compute !== undefined });
  const overrides: NodeJS.ProcessEnv = {};
  for (const [input, variable] of Object.entries(BUCKET_OVERRIDES)) {
    const bucket = run.settings[input as keyof typeof BUCKET_OVERRIDES];
    if (bucket) overrides[variable] = bucket;
  }
  const { names } = loadConfig({ target: 'aws', environment: run.settings.environment, region: run.region, accountId: run.settings['account-id'] }, overrides);
  return { region: run.region, options: emrRunOptions(run, names, identity, defaults), names };
}

function quoteValue(v: string | undefined): string {
  return v === undefined || v === '' ? '' : ` (got "${v}")`;
}
