import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BRONZE_ERROR_PREFIX, BRONZE_PREFIX, ResourceNames } from '../../src/config/names';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { EnvironmentConfig, logRetentionDays } from '../config/environments';
import { pipelineBucket } from '../constructs/imports';
import { acknowledgeWildcards, bucketObjectsFinding, S3_GRANT_ACTIONS } from '../constructs/nag';
import { addOutput } from '../constructs/output';

export interface IngestionStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
  /** The Glue table whose columns are the Parquet schema. */
  readonly rawTable: glue.CfnTable;
}

/** The Kinesis stream the replayer writes and the Firehose stream that lands it in bronze as Parquet. */
export class IngestionStack extends Stack {
  readonly stream: kinesis.Stream;
  readonly deliveryStream: firehose.DeliveryStream;

  constructor(scope: Construct, id: string, props: IngestionStackProps) {
    super(scope, id, props);
    const { config, names } = props;
    const bronze = pipelineBucket(this, names, 'bronzeBucket');
    const capacity = config.stream;
    this.stream = new kinesis.Stream(this, 'Events', {
      streamName: names.streamName,
      streamMode: capacity.mode === 'on-demand' ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
      shardCount: capacity.mode === 'provisioned' ? capacity.shards : undefined,
      // The AWS-managed key costs nothing per request and is what AwsSolutions-KDS3 asks for.
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: config.streamRetention,
      removalPolicy: config.removalPolicy,
    });

    // Firehose's error log, in a group named after the delivery stream that goes with the stack where data does.
    const errorLogs = new logs.LogGroup(this, 'BronzeDeliveryLogs', {
      logGroupName: `/aws/kinesisfirehose/${names.deliveryStreamName}`,
      retention: logRetentionDays(config),
      removalPolicy: config.removalPolicy,
    });
    this.deliveryStream = new firehose.DeliveryStream(this, 'BronzeDelivery', {
      deliveryStreamName: names.deliveryStreamName,
      source: new firehose.KinesisStreamSource(this.stream),
      destination: new firehose.S3Bucket(bronze, {
        dataOutputPrefix: BRONZE_PREFIX,
        errorOutputPrefix: BRONZE_ERROR_PREFIX,
        bufferingInterval: config.firehoseBufferInterval,
        bufferingSize: config.firehoseBufferSize,
        dataFormatConversion: {
          schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(props.rawTable),
          inputFormat: firehose.InputFormat.OPENX_JSON,
          outputFormat: firehose.OutputFormat.PARQUET,
        },
        loggingConfig: new firehose.EnableLogging(errorLogs),
      }),
    });
    // The destination adds its log stream to the group with the retaining default.
    for (const stream of errorLogs.node.findAll().filter((c): c is logs.CfnLogStream => c instanceof logs.CfnLogStream)) {
      stream.applyRemovalPolicy(config.removalPolicy);
    }

    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason: 'Firehose server-side encryption applies to Direct PUT sources only; this stream reads the (encrypted) Kinesis stream and bronze is SSE-S3.',
    });
    acknowledgeWildcards(this.deliveryStream, [
      { finding: S3_GRANT_ACTIONS, reason: "aws-kinesisfirehose's S3 destination grant: Firehose writes, lists and cleans up multipart uploads in bronze." },
      { finding: bucketObjectsFinding(bronze), reason: 'Firehose writes objects under time-based prefixes of the bronze bucket.' },
      { finding: 'Resource::*', reason: 'glue:GetSchemaVersion, added by record format conversion, has no resource-level permissions.' },
    ]);

    addOutput(this, OUTPUT_KEYS.streamName, this.stream.streamName, 'Kinesis stream the replayer writes (KINESIS_STREAM)');
    addOutput(this, OUTPUT_KEYS.deliveryStreamName, this.deliveryStream.deliveryStreamName, 'Firehose stream landing bronze Parquet');
  }
}
