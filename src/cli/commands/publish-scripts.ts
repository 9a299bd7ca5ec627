import { S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { ENVIRONMENTS } from '../../config/names';
import { scriptsVersion, validateScriptsVersion } from '../../config/scripts';
import { ResolveAwsNamesOptions, resolveAwsNames } from '../../config/stack-outputs';
import { publishScripts } from '../../emr/publish-scripts';
import { localPaths } from '../../local/paths';
import { commandOutput } from '../output';

interface PublishScriptsCliOptions {
  readonly bucket?: string;
  readonly environment?: string;
  readonly scriptsVersion?: string;
  readonly region?: string;
  readonly json: boolean;
}

function deployedEnvironment(value: string): ResolveAwsNamesOptions['environment'] {
  const deployed = ENVIRONMENTS.filter((e) => e !== 'local');
  if (!(deployed as readonly string[]).includes(value)) throw new Error(`--environment must be one of ${deployed.join(', ')}, got "${value}".`);
  return value as ResolveAwsNamesOptions['environment'];
}

export function registerPublishScriptsCommand(program: Command): void {
  program
    .command('publish-scripts')
    .description('Upload spark/ (the KPI scripts and clickstream_jobs.zip) to s3://<bucket>/spark/<version>/, the layout the CDK app ' +
      'publishes and the EMR steps read; for versions the app does not deploy, such as a pull request\'s commit.')
    .option('--bucket <name>', 'the scripts bucket')
    .option('--environment <env>', 'publish to this deployed environment\'s scripts bucket, read from its stack outputs (dev, staging, prod)')
    .option('--scripts-version <version>', 'the version to publish under (one path segment, e.g. a git sha); default: the content hash, as the CDK app')
    .option('--region <region>', 'the bucket\'s region (default: AWS_REGION)')
    .option('--json', 'print the summary as one JSON object', false)
    .addHelpText('after', '\nExample:\n  $ AWS_REGION=eu-west-1 npx clickstream publish-scripts --environment staging --scripts-version "$(git rev-parse HEAD)"')
    .action(async (options: PublishScriptsCliOptions) => {
      const out = commandOutput(options.json);
      if (Boolean(options.bucket) === Boolean(options.environment)) {
        throw new Error('Say where to publish: --environment <env> (its scripts bucket, from the stack outputs) or --bucket <name>, not both.');
      }
      const sparkDir = localPaths().spark;
      const version = options.scriptsVersion ?? scriptsVersion(sparkDir);
      validateScriptsVersion(version);
      const bucket = options.bucket ?? (await resolveAwsNames({
        environment: deployedEnvironment(options.environment!), region: options.region,
      })).names.scriptsBucket;
      const s3 = new S3Client(options.region ? { region: options.region } : {});
      const published = await publishScripts({ s3, bucket, version, sparkDir, log: out.progress });
      out.summary({ version, ...published }, () => `Published ${published.keys.length} objects to ${published.uri} (scripts-version ${version}).`);
    });
}
