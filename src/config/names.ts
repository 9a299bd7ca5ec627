/**
 * Resource names shared by the CDK app (infra/) and the local stack's bootstrap, so both
 * targets address the same logical resources by the same rules.
 */

/**
 * The seed's Glue database (`analytics`): prod's, and the local target's, whose emulator no other
 * environment shares. Every other environment gets its own ({@link glueDatabaseName}).
 */
export const GLUE_DATABASE = 'analytics';

/** The Glue table Firehose converts JSON through; the seed calls it `clickstream_raw`. */
export const RAW_TABLE = 'clickstream_raw';

/** The Spark catalog name the jobs use (the seed's workaround for EMR's default catalog). */
export const SPARK_CATALOG = 'glue';

/**
 * Athena's default data catalog (the Glue catalog). The local Trino names its Iceberg-on-Glue
 * catalog after it, so fully qualified SQL reads the same on both engines.
 */
export const QUERY_CATALOG = 'awsdatacatalog';

/**
 * Hive-style key prefix of bronze objects by arrival time, in Firehose's timestamp namespace.
 * The local landing renders the same layout (see {@link renderBronzePrefix}).
 */
export const BRONZE_PREFIX = 'events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';

/** Where records that fail conversion go, with Firehose's error-type namespace. */
export const BRONZE_ERROR_PREFIX = 'errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';

/**
 * Firehose's error output type for records its format conversion rejects: the only failure a
 * delivery stream without record processing writes under the errors prefix.
 */
export const FORMAT_CONVERSION_FAILED = 'format-conversion-failed';

/** Renders {@link BRONZE_PREFIX} for an arrival time (UTC), as Firehose does. */
export function renderBronzePrefix(arrival: Date): string {
  return renderTimestampNamespace(BRONZE_PREFIX, arrival);
}

/** Renders {@link BRONZE_ERROR_PREFIX} for an error type and arrival time (UTC). */
export function renderBronzeErrorPrefix(errorType: string, arrival: Date): string {
  return renderTimestampNamespace(BRONZE_ERROR_PREFIX, arrival).replace('!{firehose:error-output-type}', errorType);
}

function renderTimestampNamespace(template: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return template
    .replace('!{timestamp:yyyy}', String(at.getUTCFullYear()))
    .replace('!{timestamp:MM}', pad(at.getUTCMonth() + 1))
    .replace('!{timestamp:dd}', pad(at.getUTCDate()))
    .replace('!{timestamp:HH}', pad(at.getUTCHours()));
}

/**
 * Tag every EMR cluster of an environment carries; the CI run role may only act on clusters with it.
 */
export const EMR_ENVIRONMENT_TAG = 'clickstream:environment';

/** The standing environments: the local target's own, and the three the CDK app deploys from main. */
export const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'] as const;
export type StandingEnvironmentName = (typeof ENVIRONMENTS)[number];

/** What a pull request's preview environment is called before its number: `pr-42`. */
export const PREVIEW_PREFIX = 'pr-';

/**
 * A pull request's own environment (`pr-<number>`): deployed for its labelled run, destroyed when it
 * closes. Every physical name derives from it like any other environment's.
 */
export type PreviewEnvironmentName = `${typeof PREVIEW_PREFIX}${number}`;

export type EnvironmentName = StandingEnvironmentName | PreviewEnvironmentName;

/**
 * The standing environment that holds nothing but the roles every preview's jobs assume (stack
 * `clickstream-preview-ci`): a preview's first deployment needs credentials before any of its own
 * stacks exist, and its teardown after they are gone.
 */
export const PREVIEW_ROLES_ENVIRONMENT = 'preview';

/**
 * Pull request numbers up to nine digits: the longest physical name, `clickstream-pr-<n>-athena-results-<account>`,
 * then stays within S3's 63 characters.
 */
const PREVIEW_PATTERN = /^pr-[1-9]\d{0,8}$/;

/** How the environments are spelled in messages. */
export const ENVIRONMENT_CHOICES = `${ENVIRONMENTS.join(', ')} or a pull request's preview ${PREVIEW_PREFIX}<number> (e.g. ${PREVIEW_PREFIX}42)`;

export function isPreviewEnvironment(name: string): name is PreviewEnvironmentName {
  return PREVIEW_PATTERN.test(name);
}

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENTS as readonly string[]).includes(name) || isPreviewEnvironment(name);
}

/** The environment named `value`, or an error that lists the names there are. */
export function parseEnvironmentName(value: string): EnvironmentName {
  const name = value.trim();
  if (isEnvironmentName(name)) return name;
  throw new Error(`Unknown environment "${value}": use ${ENVIRONMENT_CHOICES}.`);
}

/** The preview environment of pull request `number`. */
export function previewEnvironment(number: number): PreviewEnvironmentName {
  const name = `${PREVIEW_PREFIX}${number}`;
  if (!Number.isSafeInteger(number) || !isPreviewEnvironment(name)) {
    throw new Error(`A pull request number is a whole number from 1 to 999999999, got ${number}.`);
  }
  return name as PreviewEnvironmentName;
}

/** The pull request number of a preview environment. */
export function previewNumber(environment: PreviewEnvironmentName): number {
  return Number(environment.slice(PREVIEW_PREFIX.length));
}

/**
 * Environments whose data people read: synthetic events must not reach them unless an operator
 * asks for it explicitly (see `src/config/guards.ts`).
 */
export const PRODUCTION_ENVIRONMENTS: readonly EnvironmentName[] = ['prod'];

/** Environments that keep the seed's database name: prod, and the local target's private emulator. */
const SEED_DATABASE_ENVIRONMENTS: readonly StandingEnvironmentName[] = ['prod', 'local'];

/**
 * The Glue database of an environment: `analytics` in prod and locally, `analytics_<environment>`
 * elsewhere (`-` becomes `_`), so environments sharing an account never share tables or the IAM
 * grants on them. Athena wants lower-case names of letters, digits and underscores (Amazon Athena
 * User Guide, "Name databases, tables, and columns").
 */
export function glueDatabaseName(environment: EnvironmentName): string {
  return (SEED_DATABASE_ENVIRONMENTS as readonly string[]).includes(environment) ? GLUE_DATABASE : `${GLUE_DATABASE}_${environment.replace(/-/g, '_')}`;
}

/** Physical names of every resource, derived from one environment name. */
export interface ResourceNames {
  readonly environment: EnvironmentName;
  readonly streamName: string;
  readonly deliveryStreamName: string;
  readonly bronzeBucket: string;
  readonly warehouseBucket: string;
  readonly scriptsBucket: string;
  readonly logsBucket: string;
  readonly athenaResultsBucket: string;
  readonly glueDatabase: string;
  readonly rawTable: string;
  readonly athenaWorkgroup: string;
  /** `s3://` location of the Iceberg warehouse. */
  readonly warehouseUri: string;
  /** `s3://` location of bronze Parquet (the Spark jobs' BRONZE_PATH). */
  readonly bronzeUri: string;
}

/**
 * Names for an environment. On AWS, buckets are suffixed with the account id because bucket
 * names are global; locally the emulator needs no suffix.
 */
export function resourceNames(environment: EnvironmentName, accountId?: string): ResourceNames {
  return namesOf(environment, accountId);
}

/**
 * IAM wildcard patterns (`*` spans any run of characters) that match the names of every preview
 * environment and nothing else: the roles all previews share are scoped to them. Derived from
 * the same rules as each preview's own names.
 */
export function previewNamePatterns(accountId: string): ResourceNames {
  return namesOf(`${PREVIEW_PREFIX}*` as PreviewEnvironmentName, accountId);
}

/**
 * What runs an environment's Spark jobs on AWS: EMR clusters on EC2 (`emr`), or EMR Serverless job
 * runs on an application of the environment (`emr-serverless`). The compute stack creates one or the
 * other; runners choose by the stack's Compute output.
 */
export const COMPUTES = ['emr', 'emr-serverless'] as const;
export type Compute = (typeof COMPUTES)[number];

/** Key prefix of EMR cluster logs in the environment's logs bucket (RunJobFlow's LogUri). */
export const EMR_LOG_PREFIX = 'emr/';

/** Key prefix of EMR Serverless job run logs in the environment's logs bucket (StartJobRun's logUri). */
export const SERVERLESS_LOG_PREFIX = 'emr-serverless/';

/** The EMR Serverless job execution role of an environment (the compute stack creates it when compute is emr-serverless). */
export function serverlessExecutionRoleName(environment: EnvironmentName): string {
  return `clickstream-${environment}-emr-serverless-job`;
}

/** Names of the IAM roles an environment's EMR clusters run as (the compute stack creates them). */
export interface EmrRoleNames {
  readonly serviceRole: string;
  /** The EC2 instance profile has the instance role's name. */
  readonly instanceRole: string;
}

export function emrRoleNames(environment: EnvironmentName): EmrRoleNames {
  return { serviceRole: `clickstream-${environment}-emr-service`, instanceRole: `clickstream-${environment}-emr-instance` };
}

function namesOf(environment: EnvironmentName, accountId?: string): ResourceNames {
  const suffix = accountId ? `-${accountId}` : '';
  const base = `clickstream-${environment}`;
  const bronzeBucket = `${base}-bronze${suffix}`;
  const warehouseBucket = `${base}-warehouse${suffix}`;
  return {
    environment,
    streamName: `${base}-events`,
    deliveryStreamName: `${base}-bronze-delivery`,
    bronzeBucket,
    warehouseBucket,
    scriptsBucket: `${base}-scripts${suffix}`,
    logsBucket: `${base}-logs${suffix}`,
    athenaResultsBucket: `${base}-athena-results${suffix}`,
    glueDatabase: glueDatabaseName(environment),
    rawTable: RAW_TABLE,
    athenaWorkgroup: `${base}-kpis`,
    warehouseUri: `s3://${warehouseBucket}/warehouse`,
    bronzeUri: `s3://${bronzeBucket}/events/`,
  };
}
