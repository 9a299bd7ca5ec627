/** JVM artifacts of the local target, from Maven Central through the local Maven repository. */

/** Iceberg of EMR 7.12; the Spark runtime matches Spark 3.5 / Scala 2.12. */
export const ICEBERG_VERSION = '1.10.1';
/** The Hadoop of pyspark 3.5.6's bundled client, and the AWS SDK bundle hadoop-aws 3.3.4 was built with. */
export const HADOOP_VERSION = '3.3.4';
export const AWS_JAVA_SDK_BUNDLE_VERSION = '1.12.262';
/** Trino: the newest release published as trino-server-core (Athena engine v3 is Trino). */
export const TRINO_VERSION = '476';

export interface MavenArtifact {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
  readonly type?: string;
}

export function coordinates(a: MavenArtifact): string {
  return [a.groupId, a.artifactId, a.version, ...(a.type ? [a.type] : [])].join(':');
}

export function fileName(a: MavenArtifact): string {
  return `${a.artifactId}-${a.version}.${a.type ?? 'jar'}`;
}

/** Jars added to Spark (`spark.jars`) for Iceberg on Glue/S3 and for reading s3:// bronze. */
export const SPARK_JARS: readonly MavenArtifact[] = [
  { groupId: 'org.apache.iceberg', artifactId: 'iceberg-spark-runtime-3.5_2.12', version: ICEBERG_VERSION },
  { groupId: 'org.apache.iceberg', artifactId: 'iceberg-aws-bundle', version: ICEBERG_VERSION },
  { groupId: 'org.apache.hadoop', artifactId: 'hadoop-aws', version: HADOOP_VERSION },
  { groupId: 'com.amazonaws', artifactId: 'aws-java-sdk-bundle', version: AWS_JAVA_SDK_BUNDLE_VERSION },
];

export const TRINO_SERVER: MavenArtifact = { groupId: 'io.trino', artifactId: 'trino-server-core', version: TRINO_VERSION, type: 'tar.gz' };

/** Trino plugins: Iceberg for the KPI tables, Hive for the raw Parquet table (as Athena reads it). */
export const TRINO_PLUGINS: ReadonlyArray<{ readonly name: string; readonly artifact: MavenArtifact }> = [
  { name: 'iceberg', artifact: { groupId: 'io.trino', artifactId: 'trino-iceberg', version: TRINO_VERSION, type: 'zip' } },
  { name: 'hive', artifact: { groupId: 'io.trino', artifactId: 'trino-hive', version: TRINO_VERSION, type: 'zip' } },
];

/** The workflow linter, built from source through the Go module proxy (`go install`). */
export const ACTIONLINT_MODULE = 'github.com/rhysd/actionlint/cmd/actionlint';
export const ACTIONLINT_VERSION = 'v1.7.12';
