import { S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { scriptsVersion } from '../../config/scripts';
import { publishScripts } from '../../emr/publish-scripts';
import { localPaths } from '../../local/paths';
import { commandOutput } from '../output';

interface PublishScriptsCliOptions {
  readonly bucket: string;
  readonly scriptsVersion?: string;
  readonly region?: string;
  readonly json: boolean;
}

export function registerPublishScriptsCommand(program: Command): void {
  program
    .command('publish-scripts')
    .description('Upload spark/ (the KPI scripts and clickstream_jobs.zip) to s3://<bucket>/spark/<version>/, the layout the CDK app ' +
      'publishes and the EMR steps read; for versions the app does not deploy, such as a pull request\'s commit.')
    .requiredOption('--bucket <name>', 'the scripts bucket')
    .option('--scripts-version <version>', 'the version to publish under (one path segment, e.g. a git sha); default: the content hash, as the CDK app')
    .option('--region <region>', 'the bucket\'s region (default: AWS_REGION)')
    .option('--json', 'print the summary as one JSON object', false)
    .addHelpText('after', '\nExample:\n  $ npx clickstream publish-scripts --bucket clickstream-staging-scripts-123456789012 --scripts-version "$(git rev-parse HEAD)"')
    .action(async (options: PublishScriptsCliOptions) => {
      const out = commandOutput(options.json);
      const sparkDir = localPaths().spark;
      const version = options.scriptsVersion ?? scriptsVersion(sparkDir);
      const s3 = new S3Client(options.region ? { region: options.region } : {});
      const published = await publishScripts({ s3, bucket: options.bucket, version, sparkDir, log: out.progress });
      out.summary({ version, ...published }, () => `Published ${published.keys.length} objects to ${published.uri} (scripts-version ${version}).`);
    });
}
