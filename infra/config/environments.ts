import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { DEPLOY_ENVIRONMENTS, DeployEnvironment } from './deploy-environments';

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
  readonly github: GitHubTrust;
  /** Qualifier of the account's `cdk bootstrap` roles the deploy role assumes. */
  readonly bootstrapQualifier: string;
}

const EMR_7_12: EmrDefaults = { releaseLabel: 'emr-7.12.0', instanceType: 'm5.xlarge', coreInstanceCount: 2 };

type Defaults = Omit<EnvironmentConfig, 'name' | 'account' | 'region' | 'github'> & { readonly github: Omit<GitHubTrust, 'repository'> };

const DEFAULTS: Record<DeployEnvironment, Defaults> = {
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
    github: { createOidcProvider: true },
    bootstrapQualifier: 'hnb659fds',
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
    github: { createOidcProvider: true },
    bootstrapQualifier: 'hnb659fds',
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
    github: { createOidcProvider: true },
    bootstrapQualifier: 'hnb659fds',
  },
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
  if (!(DEPLOY_ENVIRONMENTS as readonly string[]).includes(name)) {
    throw new Error(`Unknown environment "${name}": pass -c environment=${DEPLOY_ENVIRONMENTS.join('|')}.`);
  }
  const defaults = DEFAULTS[name as DeployEnvironment];
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
  const config: EnvironmentConfig = {
    ...defaults,
    name: name as DeployEnvironment,
    account,
    region: stringContext(context, 'region') ?? env.CDK_DEFAULT_REGION,
    github: {
      ...defaults.github,
      repository,
      createOidcProvider: createOidcProvider === undefined ? defaults.github.createOidcProvider : createOidcProvider === 'true',
    },
  };
  validate(config);
  return config;
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
}

function stringContext(context: ContextSource, key: string): string | undefined {
  const value = context.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}
