import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ResourceNames } from '../../src/config/names';

export type BucketRole = 'bronzeBucket' | 'warehouseBucket' | 'scriptsBucket' | 'logsBucket' | 'athenaResultsBucket';

/**
 * A bucket of the storage stack, referenced by its (deterministic) name instead of a
 * cross-stack export: consumers then never pin the storage stack's exports, and the ARNs in
 * their policies are plain strings that audits (and cdk-nag findings) can name exactly.
 * Callers add a dependency on the storage stack.
 */
export function pipelineBucket(stack: Stack, names: ResourceNames, bucket: BucketRole): s3.IBucket {
  const id = `Imported${bucket[0].toUpperCase()}${bucket.slice(1)}`;
  return (stack.node.tryFindChild(id) as s3.IBucket | undefined) ?? s3.Bucket.fromBucketName(stack, id, names[bucket]);
}

/** ARNs a Glue catalog client needs for one database and its tables. */
export function glueDatabaseArns(stack: Stack, database: string): string[] {
  return [
    stack.formatArn({ service: 'glue', resource: 'catalog' }),
    stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
    stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/*` }),
  ];
}
