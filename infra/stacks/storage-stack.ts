import { Stack, StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ResourceNames } from '../../src/config/names';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { EnvironmentConfig, logRetentionDays } from '../config/environments';
import { ownFunctionLogs } from '../constructs/function-logs';
import { addOutput } from '../constructs/output';
import { PipelineBucket } from '../constructs/pipeline-bucket';

export interface StorageStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
}

/** The pipeline's five buckets: bronze, Iceberg warehouse, Spark scripts, logs, Athena results. */
export class StorageStack extends Stack {
  readonly bronze: s3.IBucket;
  readonly warehouse: s3.IBucket;
  readonly scripts: s3.IBucket;
  readonly logs: s3.IBucket;
  readonly athenaResults: s3.IBucket;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const { config, names } = props;
    const removalPolicy = config.removalPolicy;
    this.logs = new PipelineBucket(this, 'Logs', {
      bucketName: names.logsBucket,
      removalPolicy,
      expiration: config.logsRetention,
    }).bucket;
    const accessLogs = this.logs;
    this.bronze = new PipelineBucket(this, 'Bronze', { bucketName: names.bronzeBucket, removalPolicy, accessLogs }).bucket;
    this.warehouse = new PipelineBucket(this, 'Warehouse', { bucketName: names.warehouseBucket, removalPolicy, accessLogs }).bucket;
    // Versioned: a republished script version must never silently replace what a past run used.
    this.scripts = new PipelineBucket(this, 'Scripts', { bucketName: names.scriptsBucket, removalPolicy, accessLogs, versioned: true }).bucket;
    this.athenaResults = new PipelineBucket(this, 'AthenaResults', {
      bucketName: names.athenaResultsBucket,
      removalPolicy,
      accessLogs,
      expiration: config.athenaResultsRetention,
    }).bucket;

    // The handler that empties buckets on deletion logs into the stack's own group.
    ownFunctionLogs(this, { logGroupName: `/clickstream/${config.name}/storage/functions`, retention: logRetentionDays(config), removalPolicy });

    addOutput(this, OUTPUT_KEYS.bronzeBucket, this.bronze.bucketName, 'Bronze Parquet landed by Firehose (BRONZE_BUCKET)');
    addOutput(this, OUTPUT_KEYS.bronzeUri, names.bronzeUri, "The KPI jobs' BRONZE_PATH");
    addOutput(this, OUTPUT_KEYS.warehouseBucket, this.warehouse.bucketName, 'Iceberg warehouse (ICEBERG_BUCKET)');
    addOutput(this, OUTPUT_KEYS.warehouseUri, names.warehouseUri, "The KPI jobs' ICEBERG_WAREHOUSE");
    addOutput(this, OUTPUT_KEYS.scriptsBucket, this.scripts.bucketName, 'Published Spark scripts (SCRIPTS_BUCKET)');
    addOutput(this, OUTPUT_KEYS.logsBucket, this.logs.bucketName, 'EMR and S3 access logs (LOGS_BUCKET)');
    addOutput(this, OUTPUT_KEYS.athenaResultsBucket, this.athenaResults.bucketName, 'Athena query results');
  }
}
