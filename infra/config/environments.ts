import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEPLOY_ENVIRONMENTS, DeployEnvironment, PREVIEW_EMR, StandingEnvironment, isDeployEnvironment } from './deploy-environments';
import { COMPUTES, Compute, ENVIRONMENT_CHOICES, PREVIEW_ROLES_ENVIRONMENT, isPreviewEnvironment } from '../../src/config/names';
import { EMR_MANAGED_POLICY_TAG, SUBNET_ID_PATTERN } from '../../src/emr/cluster-network';

export { DEPLOY_ENVIRONMENTS, DeployEnvironment };

/** Kinesis capacity: a fixed shard count, or on-demand scaling. */
export type StreamCapacity = { readonly mode: 'provisioned'; readonly shards: number } | { readonly mode: 'on-demand' };

export interface EmrDefaults {
  /** EMR release; 7.12 ships Spark 3.5.6, the version the local target pins. */
  readonly releaseLabel: string;
  readonly instanceType: string;
  readonly coreInstanceCount: number;
}

export interface GitHubTrust {
  /** `owner/name` of the repository whose workflows may assume the roles. */
  readonly repository: string;
  /**
   * Create the account's GitHub OIDC provider. IAM allows one per URL per account, so only the
   * first environment deployed to an account creates it; the others import it.
   */
  readonly createOidcProvider: boolean;
}

/** Everything that differs between environments, in one place. */
export interface EnvironmentConfig {
  readonly name: DeployEnvironment;
  /** Target account; unset synthesizes an environment-agnostic app. */
  readonly account?: string;
  readonly region?: string;
  readonly stream: StreamCapacity;
  readonly streamRetention: Duration;
  /** Firehose flushes bronze when either limit is reached (64 MiB minimum with format conversion). */
  readonly firehoseBufferInterval: Duration;
  readonly firehoseBufferSize: Size;
  /** Buckets, stream and database are destroyed with the stack only where data is disposable. */
  readonly removalPolicy: RemovalPolicy;
  readonly logsRetention: Duration;
  readonly athenaResultsRetention: Duration;
  /** Athena cancels a query that scans more than this (10 MB minimum). */
  readonly athenaBytesScannedCutoff: Size;
  readonly emr: EmrDefaults;
  /**
   * What runs the Spark jobs: EMR clusters (`emr`), or job runs on an EMR Serverless application of
   * the environment (`emr-serverless`), which uses the release of {@link emr}. Context `compute` overrides it.
   * @default 'emr'
   */
  readonly compute: Compute;
  /**
   * A subnet of the operator's for the EMR clusters (context `clusterSubnetId`), tagged
   * `for-use-with-amazon-emr-managed-policies=true`.
   * @default - the compute stack creates a tagged VPC and subnet of the environment's own
   */
  readonly clusterSubnetId?: string;
  readonly github: GitHubTrust;
  /** Qualifier of the account's `cdk bootstrap` roles the deploy role assumes. */
  readonly bootstrapQualifier: string;
}

const EMR_7_12: EmrDefaults = { releaseLabel: 'emr-7.12.0', instanceType: 'm5.xlarge', coreInstanceCount: 2 };

type Defaults = Omit<EnvironmentConfig, 'name' | 'account' | 'region' | 'github' | 'bootstrapQualifier'> & { readonly github: Omit<GitHubTrust, 'repository'> };

/** The CDK bootstrap's default qualifier (`cdk bootstrap` without --qualifier). */
export const BOOTSTRAP_QUALIFIER = 'hnb659fds';

const DEFAULTS: Record<StandingEnvironment, Defaults> = {
  dev: {
    stream: { mode: 'provisioned', shards: 1 },
    streamRetention: Duration.hours(24),
    firehoseBufferInterval: Duration.seconds(60),
    firehoseBufferSize: Size.mebibytes(64),
    removalPolicy: RemovalPolicy.DESTROY,
    logsRetention: Duration.days(14),
    athenaResultsRetention: Duration.days(7),
    athenaBytesScannedCutoff: Size.gibibytes(1),
    emr: { ...EMR_7_12, coreInstanceCount: 1 },
    compute: 'emr',
    github: { createOidcProvider: true },
  },
  staging: {
    stream: { mode: 'provisioned', shards: 2 },
    streamRetention: Duration.hours(24),
    firehoseBufferInterval: Duration.seconds(60),
    firehoseBufferSize: Size.mebibytes(64),
    removalPolicy: RemovalPolicy.DESTROY,
    logsRetention: Duration.days(30),
    athenaResultsRetention: Duration.days(7),
    athenaBytesScannedCutoff: Size.gibibytes(10),
    emr: EMR_7_12,
    compute: 'emr',
    github: { createOidcProvider: true },
  },
  prod: {
    stream: { mode: 'on-demand' },
    streamRetention: Duration.days(7),
    firehoseBufferInterval: Duration.seconds(300),
    firehoseBufferSize: Size.mebibytes(128),
    removalPolicy: RemovalPolicy.RETAIN,
    logsRetention: Duration.days(90),
    athenaResultsRetention: Duration.days(30),
    athenaBytesScannedCutoff: Size.gibibytes(100),
    emr: { ...EMR_7_12, coreInstanceCount: 4 },
    compute: 'emr',
    github: { createOidcProvider: true },
  },
};

/**
 * A pull request's preview (`pr-<number>`): the cheapest shape that runs the pipeline, and nothing
 * kept. One provisioned shard (an idle on-demand stream is billed by the hour too), Kinesis' shortest
 * retention, a one-minute Firehose buffer so the run waits little, logs for three days, Athena
 * results for one, an Athena cutoff far above a preview's scans (10,000 events) yet far below
 * staging's, and the smallest cluster the KPI jobs run on: one core node (PREVIEW_EMR).
 */
const PREVIEW_DEFAULTS: Defaults = {
  stream: { mode: 'provisioned', shards: 1 },
  streamRetention: Duration.hours(24),
  firehoseBufferInterval: Duration.seconds(60),
  firehoseBufferSize: Size.mebibytes(64),
  removalPolicy: RemovalPolicy.DESTROY,
  logsRetention: Duration.days(3),
  athenaResultsRetention: Duration.days(1),
  athenaBytesScannedCutoff: Size.mebibytes(100),
  emr: { ...EMR_7_12, ...PREVIEW_EMR },
  // A pull request's preview runs small jobs now and then: EMR Serverless bills only the workers' time, needs no VPC
  // (so previews do not count against the account's VPC quota), and has no cluster to end (docs/computes.md).
  compute: 'emr-serverless',
  github: { createOidcProvider: false },
};

/** Context keys the app reads (`cdk synth -c environment=prod -c account=...`). */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/**
 * The configuration of the environment named by context `environment` (default `dev`).
 * Account and region come from context (`account`, `region`), else from the CDK CLI's
 * `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION`; the repository from context `githubRepository`,
 * else `GITHUB_REPOSITORY` (set on every GitHub Actions run), and without either it fails.
 */
export function environmentConfig(context: ContextSource, env: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const name = stringContext(context, 'environment') ?? 'dev';
  if (!isDeployEnvironment(name)) {
    throw new Error(`Unknown environment "${name}": pass -c environment=${DEPLOY_ENVIRONMENTS.join('|')}|pr-<pull request number>` +
      ` (or ${PREVIEW_ROLES_ENVIRONMENT} for the roles every preview shares; the environments are ${ENVIRONMENT_CHOICES}).`);
  }
  const defaults = isPreviewEnvironment(name) ? PREVIEW_DEFAULTS : DEFAULTS[name];
  const host = hostConfig(context, env, defaults.github.createOidcProvider);
  const clusterSubnetId = stringContext(context, 'clusterSubnetId');
  if (clusterSubnetId !== undefined && !SUBNET_ID_PATTERN.test(clusterSubnetId)) {
    throw new Error(`Cluster subnet "${clusterSubnetId}" is not a subnet id like subnet-0abc1234def567890: fix -c clusterSubnetId=... ` +
      `(a subnet tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}), or leave it out to have the compute stack create one.`);
  }
  const compute = computeContext(context) ?? defaults.compute;
  if (clusterSubnetId !== undefined && compute !== 'emr') {
    throw new Error(`Cluster subnet "${clusterSubnetId}" is for EMR clusters, and ${name}'s compute is ${compute}, which runs none: ` +
      'leave out -c clusterSubnetId=..., or pass -c compute=emr.');
  }
  const config: EnvironmentConfig = { ...defaults, ...host, name, compute, github: host.github, ...(clusterSubnetId ? { clusterSubnetId } : {}) };
  validate(config);
  return config;
}

/** Where a stack goes and whom it trusts: what every stack of the app needs, roles included. */
export interface HostConfig {
  readonly account?: string;
  readonly region?: string;
  readonly github: GitHubTrust;
  readonly bootstrapQualifier: string;
}

/**
 * The account, region and GitHub trust of the roles every preview shares (`-c environment=preview`,
 * stack clickstream-preview-ci). Deploy it once, in the account the previews go to, before the
 * first labelled pull request; the account's OIDC provider is created only with
 * `-c createOidcProvider=true` (previews usually share staging's account, which has one).
 */
export function previewRolesConfig(context: ContextSource, env: NodeJS.ProcessEnv = process.env): HostConfig {
  return hostConfig(context, env, PREVIEW_DEFAULTS.github.createOidcProvider);
}

function hostConfig(context: ContextSource, env: NodeJS.ProcessEnv, createOidcProviderDefault: boolean): HostConfig {
  const account = stringContext(context, 'account') ?? env.CDK_DEFAULT_ACCOUNT;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new Error(`Account "${account}" is not a 12-digit AWS account id: fix -c account=... or CDK_DEFAULT_ACCOUNT.`);
  }
  // No default: a guessed repository could belong to someone else, whose workflows would then be
  // trusted with this account.
  const repository = stringContext(context, 'githubRepository') ?? (env.GITHUB_REPOSITORY || undefined);
  if (repository === undefined) {
    throw new Error(
      'No GitHub repository to trust: pass -c githubRepository=<owner>/<name> (the repository whose workflows deploy and run clickstream), ' +
      'or set GITHUB_REPOSITORY (GitHub Actions sets it).',
    );
  }
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new Error(`GitHub repository "${repository}" is not "owner/name": fix -c githubRepository=... or GITHUB_REPOSITORY.`);
  }
  const createOidcProvider = stringContext(context, 'createOidcProvider');
  return {
    account,
    region: stringContext(context, 'region') ?? env.CDK_DEFAULT_REGION,
    github: { repository, createOidcProvider: createOidcProvider === undefined ? createOidcProviderDefault : createOidcProvider === 'true' },
    bootstrapQualifier: BOOTSTRAP_QUALIFIER,
  };
}

function validate(config: EnvironmentConfig): void {
  if (config.stream.mode === 'provisioned' && (!Number.isInteger(config.stream.shards) || config.stream.shards < 1)) {
    throw new Error(`${config.name}: a provisioned stream needs a whole number of shards >= 1, got ${config.stream.shards}.`);
  }
  const bufferMiB = config.firehoseBufferSize.toMebibytes();
  if (bufferMiB < 64 || bufferMiB > 128) {
    throw new Error(`${config.name}: Firehose format conversion needs a buffer of 64-128 MiB, got ${bufferMiB} MiB.`);
  }
  const interval = config.firehoseBufferInterval.toSeconds();
  if (interval < 0 || interval > 900) {
    throw new Error(`${config.name}: the Firehose buffer interval must be 0-900 s, got ${interval} s.`);
  }
  if (config.athenaBytesScannedCutoff.toBytes() < 10_000_000) {
    throw new Error(`${config.name}: Athena's bytes-scanned cutoff must be at least 10 MB.`);
  }
  if (config.emr.coreInstanceCount < 1) {
    throw new Error(`${config.name}: EMR needs at least one core instance to run Spark executors.`);
  }
  logRetentionDays(config);
}

/** The logs retention as CloudWatch Logs accepts it (its log groups keep as long as the logs bucket). */
export function logRetentionDays(config: Pick<EnvironmentConfig, 'name' | 'logsRetention'>): RetentionDays {
  const days = config.logsRetention.toDays();
  const allowed = Object.values(RetentionDays).filter((d): d is RetentionDays => typeof d === 'number' && d !== RetentionDays.INFINITE);
  if (!allowed.includes(days as RetentionDays)) {
    throw new Error(`${config.name}: CloudWatch Logs keeps logs for ${allowed.join(', ')} days, not ${days}: choose one of them for logsRetention.`);
  }
  return days as RetentionDays;
}

/** The compute context `compute` names, if any; anything but a known compute is an error that lists them. */
function computeContext(context: ContextSource): Compute | undefined {
  const value = stringContext(context, 'compute');
  if (value === undefined) return undefined;
  if ((COMPUTES as readonly string[]).includes(value)) return value as Compute;
  throw new Error(`Unknown compute "${value}": pass -c compute=${COMPUTES.join('|')} (EMR clusters, or EMR Serverless job runs), or leave it out for the environment's default.`);
}

function stringContext(context: ContextSource, key: string): string | undefined {
  const value = context.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}
