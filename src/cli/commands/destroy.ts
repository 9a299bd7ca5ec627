import { Command } from 'commander';
import { targetFor } from '../../targets/targets';
import { commandOutput } from '../output';
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
      const config = configFromOptions(options);
      const outcome = await targetFor(config.target).destroyEnvironment({ config, region: options.region, log: out.progress });
      out.summary(outcome.result, () => outcome.text());
      if (outcome.failed) process.exitCode = 1;
    });
}
