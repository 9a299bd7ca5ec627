import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { scriptObjects, scriptsKeyPrefix, scriptsUri } from '../config/scripts';

export interface PublishScriptsOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The version to publish under (one path segment: a git sha or the content hash). */
  readonly version: string;
  /** The repository's `spark/` folder. */
  readonly sparkDir: string;
  readonly log?: (line: string) => void;
}

export interface PublishedScripts {
  /** `s3://<bucket>/spark/<version>/`, what the EMR steps of this version read. */
  readonly uri: string;
  readonly keys: string[];
}

/**
 * Uploads what the CDK app publishes ({@link scriptObjects}: the scripts and the package zip) under
 * the same prefix, for versions the app does not deploy, such as a pull request's commit.
 */
export async function publishScripts(options: PublishScriptsOptions): Promise<PublishedScripts> {
  const prefix = scriptsKeyPrefix(options.version);
  const objects = scriptObjects(options.sparkDir);
  await Promise.all(objects.map(async ({ key, body }) => {
    await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: `${prefix}${key}`, Body: body }));
    options.log?.(`publish-scripts: s3://${options.bucket}/${prefix}${key}`);
  }));
  return { uri: scriptsUri(options.bucket, options.version), keys: objects.map((o) => `${prefix}${o.key}`) };
}
