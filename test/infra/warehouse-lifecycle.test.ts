import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, synthesize } from './support';
import { EnvironmentName, resourceNames } from '../../src/config/names';

/**
 * No S3 lifecycle rule may expire or archive objects under the Iceberg warehouse prefix. A table
 * is its metadata plus every file a live snapshot references, so only Iceberg's own maintenance
 * (`clickstream maintain`: snapshot expiry, orphan removal) may delete them; a rule deleting "files
 * older than N days" would delete the data files of rows that never changed and corrupt the table.
 *
 * What counts (Amazon S3 User Guide, "Managing the lifecycle of objects" and "Expiring objects"):
 * an Expiration action (`ExpirationInDays`, `ExpirationDate`) deletes current objects; a
 * transition to S3 Glacier Flexible Retrieval or Deep Archive leaves objects that must be restored
 * before they can be read ("Understanding and managing Amazon S3 storage classes"). Aborting
 * incomplete multipart uploads, expiring noncurrent versions or delete markers leaves every
 * current object readable. A rule applies to the keys its prefix filter selects (`Prefix`,
 * `Filter.Prefix` or `Filter.And.Prefix`), to every key without one.
 */

interface LifecycleRule {
  readonly Id?: string;
  readonly Status?: string;
  readonly Prefix?: string;
  readonly Filter?: { readonly Prefix?: string; readonly And?: { readonly Prefix?: string } };
  readonly ExpirationInDays?: number;
  readonly ExpirationDate?: string;
  readonly Transitions?: ReadonlyArray<{ readonly StorageClass: string }>;
  readonly Transition?: { readonly StorageClass: string };
}

const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** The warehouse's bucket and key prefix, from the naming module's warehouse URI. */
function warehouseLocation(account = ACCOUNT, environment: EnvironmentName = 'dev') {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(resourceNames(environment, account).warehouseUri)!;
  return { bucket: match[1], prefix: `${match[2].replace(/\/$/, '')}/` };
}

/** Every enabled lifecycle rule of `bucket` in the templates that would delete or archive a key under `prefix`. */
function rulesHarmingWarehouse(templates: readonly Template[], bucket: string, prefix: string): string[] {
  const harmful: string[] = [];
  let seen = 0;
  for (const template of templates) {
    const buckets = template.findResources('AWS::S3::Bucket', { Properties: { BucketName: bucket } });
    for (const resource of Object.values(buckets) as Array<{ Properties: { LifecycleConfiguration?: { Rules: LifecycleRule[] } } }>) {
      seen++;
      for (const rule of resource.Properties.LifecycleConfiguration?.Rules ?? []) {
        if (rule.Status === 'Disabled') continue;
        const rulePrefix = rule.Prefix ?? rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? '';
        const applies = prefix.startsWith(rulePrefix) || rulePrefix.startsWith(prefix);
        const transitions = [...(rule.Transitions ?? []), ...(rule.Transition ? [rule.Transition] : [])];
        const expires = rule.ExpirationInDays !== undefined || rule.ExpirationDate !== undefined;
        const archives = transitions.some((t) => ARCHIVE_CLASSES.has(t.StorageClass));
        if (applies && (expires || archives)) harmful.push(`${rule.Id ?? '(no id)'} on "${rulePrefix}": ${expires ? 'expires' : 'archives'} objects`);
      }
    }
  }
  if (seen === 0) throw new Error(`No bucket named ${bucket} in the templates: the check would pass vacuously.`);
  return harmful;
}

describe('the Iceberg warehouse and S3 lifecycle rules', () => {
  const environments: EnvironmentName[] = ['dev', 'prod'];
  const synthesized: Record<string, Template[]> = {};

  beforeAll(() => {
    for (const environment of environments) {
      const { stacks } = synthesize(environment, { nag: false });
      synthesized[environment] = Object.values(stacks).map((stack) => Template.fromStack(stack));
    }
  }, 120_000);

  it.each(environments)('no rule of the %s app expires or archives an object under the warehouse prefix', (environment) => {
    const { bucket, prefix } = warehouseLocation(ACCOUNT, environment);
    expect(prefix).toBe('warehouse/');
    expect(rulesHarmingWarehouse(synthesized[environment], bucket, prefix)).toEqual([]);
  });

  it('the check finds a rule that would corrupt the tables, and lets harmless ones be', () => {
    const { bucket, prefix } = warehouseLocation();
    const stack = new Stack(new App(), 'Lifecycle');
    new s3.Bucket(stack, 'Warehouse', {
      bucketName: bucket,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-everything', expiration: Duration.days(30) },
        { id: 'archive-warehouse', prefix: 'warehouse/analytics.db/', transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) }] },
        { id: 'tier-warehouse', prefix: 'warehouse/', transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }] },
        { id: 'expire-scratch', prefix: 'scratch/', expiration: Duration.days(1) },
        { id: 'disabled', enabled: false, expiration: Duration.days(1) },
      ],
    });

    expect(rulesHarmingWarehouse([Template.fromStack(stack)], bucket, prefix)).toEqual([
      'expire-everything on "": expires objects',
      'archive-warehouse on "warehouse/analytics.db/": archives objects',
    ]);
    expect(() => rulesHarmingWarehouse([Template.fromStack(stack)], 'another-bucket', prefix)).toThrow('would pass vacuously');
  });
});
