import { SPARK_CATALOG } from '../config/names';

/** Where the catalog and object store answer; omitted on AWS (the SDK's defaults apply). */
export interface CatalogEndpoints {
  /** Glue API endpoint, e.g. the emulator's `http://127.0.0.1:PORT`. */
  readonly glue?: string;
  /** S3 API endpoint; path-style access is used when set. */
  readonly s3?: string;
}

export interface SparkCatalogOptions {
  /** The Iceberg warehouse, `s3://bucket/warehouse`. */
  readonly warehouse: string;
  readonly region: string;
  /** Endpoints for the local target; leave undefined on AWS. */
  readonly endpoints?: CatalogEndpoints;
}

/**
 * Spark configuration for the Iceberg catalog named `glue` (GlueCatalog + S3FileIO, the classes
 * EMR uses), plus S3A for reading `s3://` bronze paths. One copy for both targets: only the
 * endpoint settings differ.
 */
export function sparkCatalogConf(options: SparkCatalogOptions): Record<string, string> {
  const c = `spark.sql.catalog.${SPARK_CATALOG}`;
  const conf: Record<string, string> = {
    'spark.sql.extensions': 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
    [c]: 'org.apache.iceberg.spark.SparkCatalog',
    [`${c}.catalog-impl`]: 'org.apache.iceberg.aws.glue.GlueCatalog',
    [`${c}.io-impl`]: 'org.apache.iceberg.aws.s3.S3FileIO',
    [`${c}.warehouse`]: options.warehouse,
    [`${c}.client.region`]: options.region,
    'spark.sql.sources.partitionOverwriteMode': 'dynamic',
    'spark.sql.session.timeZone': 'UTC',
  };
  const { glue, s3 } = options.endpoints ?? {};
  if (glue) conf[`${c}.glue.endpoint`] = glue;
  if (s3) {
    conf[`${c}.s3.endpoint`] = s3;
    conf[`${c}.s3.path-style-access`] = 'true';
    // Bronze is read through Hadoop's S3A; map s3:// to it and point it at the emulator.
    conf['spark.hadoop.fs.s3.impl'] = 'org.apache.hadoop.fs.s3a.S3AFileSystem';
    conf['spark.hadoop.fs.s3a.endpoint'] = s3;
    conf['spark.hadoop.fs.s3a.path.style.access'] = 'true';
    conf['spark.hadoop.fs.s3a.connection.ssl.enabled'] = String(s3.startsWith('https:'));
    conf['spark.hadoop.fs.s3a.endpoint.region'] = options.region;
    conf['spark.hadoop.fs.s3a.aws.credentials.provider'] = 'com.amazonaws.auth.EnvironmentVariableCredentialsProvider';
  }
  return conf;
}

/** `--conf k=v` pairs for spark-submit, in a stable order. */
export function toSparkSubmitConfArgs(conf: Record<string, string>): string[] {
  return Object.keys(conf).sort().flatMap((k) => ['--conf', `${k}=${conf[k]}`]);
}
