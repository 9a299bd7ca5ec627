import { Command } from 'commander';
import { isPreviewEnvironment } from '../../config/names';
import { emulatorClients } from '../../local/bootstrap';
import { destroyLocalEnvironment } from '../../local/environments';
import { localPaths } from '../../local/paths';
import { requireRunningStack } from '../../local/stack';
import { createTeardownClients, teardownPreview } from '../../previews/teardown';
import { commandOutput, formatTable } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface DestroyCliOptions extends TargetCliOptions {
  readonly region?: string;
  readonly json: boolean;
}

export function registerDestroyCommand(program: Command): void {
  addTargetOptions(program
    .command('destroy')
    .description('Remove one environment and everything in it, and nothing of any other. Locally: its Kinesis stream, its buckets with their objects ' +
      '(bronze, the Iceberg warehouse, the landing checkpoints) and its Glue database with its tables, from the running embedded stack. ' +
      'With --target aws: a pull request\'s preview (pr-<number>) only: its EMR clusters, then its stacks, as the pull request\'s teardown does; ' +
      'what cannot be deleted is named with how to remove it. Running it again is harmless.'), { environment: 'to remove (required)', environmentRequired: true })
    .option('--region <region>', 'aws: the preview\'s region (default AWS_REGION)')
    .option('--json', 'print the summary as one JSON object', false)
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ npx clickstream destroy --environment pr-7                          pr-7 of the embedded stack; local and the others stay',
      '  $ AWS_REGION=eu-west-1 npx clickstream destroy --target aws --environment pr-42',
    ].join('\n'))
    .action(async (options: DestroyCliOptions) => {
      // Never a default or a variable: what is destroyed is typed out.
      if (!options.environment) {
        throw new Error('Name the environment to destroy with --environment <name> (e.g. --environment pr-7); nothing is destroyed by default.');
      }
      const out = commandOutput(options.json);
      if (options.target === 'aws') {
        const environment = options.environment;
        if (!isPreviewEnvironment(environment)) {
          throw new Error(`destroy --target aws removes a pull request's preview (pr-<number>) only, not "${environment}": ` +
            `delete a standing environment's stacks with \`npx cdk destroy --all -c environment=${environment}\`, deliberately.`);
        }
        const region = options.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
        if (!region) throw new Error('No AWS region: pass --region or set AWS_REGION to where the preview is deployed.');
        const report = await teardownPreview({ ...createTeardownClients(region), environment, region, log: out.progress });
        out.summary(report, () => [
          report.message,
          ...(report.left.length > 0 ? ['', formatTable(['left', 'state', 'to remove it'], report.left.map((l) => [`${l.kind} ${l.name}`, l.status, l.remedy]))] : []),
        ].join('\n'));
        if (report.result === 'incomplete') process.exitCode = 1;
        return;
      }
      const config = configFromOptions(options);
      const endpoints = await requireRunningStack({ paths: localPaths() });
      const result = await destroyLocalEnvironment(emulatorClients(endpoints.aws), config.names);
      out.summary(result, () => [
        result.removed.length > 0 ? `Removed environment ${result.environment} from the embedded stack:` : `Environment ${result.environment} is not on the embedded stack: nothing to remove.`,
        ...result.removed.map((r) => `  ${r}`),
        ...(result.removed.length > 0 && result.absent.length > 0 ? [`Already gone: ${result.absent.join(', ')}.`] : []),
      ].join('\n'));
    });
}
