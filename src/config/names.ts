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

/** The deployment environments the CDK app and the workflows know. */
export const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/**
 * Environments whose data people read: synthetic events must not reach them unless an operator
 * asks for it explicitly (see `src/config/guards.ts`).
 */
export const PRODUCTION_ENVIRONMENTS: readonly EnvironmentName[] = ['prod'];

/** Environments that keep the seed's database name: prod, and the local target's private emulator. */
const SEED_DATABASE_ENVIRONMENTS: readonly EnvironmentName[] = ['prod', 'local'];

/**
 * The Glue database of an environment: `analytics` in prod and locally, `analytics_<environment>`
 * elsewhere (`-` becomes `_`), so environments sharing an account never share tables or the IAM
 * grants on them. Athena wants lower-case names of letters, digits and underscores (Amazon Athena
 * User Guide, "Name databases, tables, and columns").
 */
export function glueDatabaseName(environment: EnvironmentName): string {
  return SEED_DATABASE_ENVIRONMENTS.includes(environment) ? GLUE_DATABASE : `${GLUE_DATABASE}_${environment.replace(/-/g, '_')}`;
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
