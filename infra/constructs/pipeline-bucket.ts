import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface PipelineBucketProps {
  readonly bucketName: string;
  /** Destroyed buckets are emptied first, so `cdk destroy` of a dev stack succeeds. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Bucket that receives this bucket's S3 server access logs (under `s3-access/<bucket>/`).
   * @default - this bucket is itself the access-log destination and is not logged
   */
  readonly accessLogs?: s3.IBucket;
  /**
   * Objects older than this are deleted.
   * @default - objects never expire
   */
  readonly expiration?: Duration;
  /**
   * Keep object versions (for buckets whose objects are overwritten in place).
   * @default false
   */
  readonly versioned?: boolean;
}

/**
 * An S3 bucket with the pipeline's baseline: SSE-S3 encryption, public access blocked, TLS 1.2+
 * enforced, bucket-owner-enforced ownership, and incomplete multipart uploads cleaned up.
 */
export class PipelineBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PipelineBucketProps) {
    super(scope, id);
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: destroy,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: props.accessLogs ? `s3-access/${props.bucketName}/` : undefined,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...(props.expiration ? [{ id: 'expire', expiration: props.expiration, noncurrentVersionExpiration: props.versioned ? Duration.days(1) : undefined }] : []),
      ],
    });
    if (!props.accessLogs) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'This is the access-log destination of the other buckets; logging it into itself would log its own log deliveries.',
      });
    }
  }
}
