import { Command } from 'commander';
import { formatReport } from '../../doctor/check';
import { targetFor } from '../../targets/targets';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface DoctorCliOptions extends TargetCliOptions {
  readonly region?: string;
  readonly json: boolean;
}

export function registerDoctorCommand(program: Command): void {
  addTargetOptions(program
    .command('doctor')
    .description('Check the prerequisites of a target before a first run, like `dbt debug`: one named check per line, [OK] with what it ' +
      'found or [FAIL] with what to do, then a summary; exits 1 when a check fails. It only reads: locally it starts and stops nothing, ' +
      'on AWS it sends only Describe/Get/Head requests.'), { target: 'what to check', environment: 'whose stacks and resources to check' })
    .option('--region <region>', 'aws: the region the environment is deployed in (AWS_REGION wins when set; else AWS_DEFAULT_REGION)')
    .option('--json', 'print the report as one JSON object', false)
    .addHelpText('after', [
      '',
      'Checks, local target: toolchain (Java 17, Java 25, Python, Maven), setup (what `clickstream setup` installs), stack (the',
      'embedded stack: stopped, or running and healthy), ports (loopback ports to listen on), disk space (for the cache folder).',
      '',
      'Checks, --target aws: region, credentials (the account, sts:GetCallerIdentity), cdk bootstrap (CDKToolkit version),',
      'stacks (every stack of the environment deployed), stack outputs (those a run reads), cluster subnet (tagged',
      'for-use-with-amazon-emr-managed-policies=true), EMR cleanup role (AWSServiceRoleForEMRCleanup), athena workgroup',
      '(engine version 3), lake formation (the Glue database in IAM-only mode), scripts (the published version\'s objects).',
      'A check whose prerequisite failed is [SKIP]ped.',
      '',
      'Examples:',
      '  $ npx clickstream doctor',
      '  $ AWS_REGION=eu-west-1 npx clickstream doctor --target aws --environment staging',
      '  $ npx clickstream doctor --target aws --json | jq \'.checks[] | select(.status == "fail")\'',
    ].join('\n'))
    .action(async (options: DoctorCliOptions) => {
      const config = configFromOptions({ ...options, region: undefined });
      const report = await targetFor(config.target).doctor(config, { region: options.region });
      commandOutput(options.json).summary(report, () => formatReport(report));
      if (!report.ok) process.exitCode = 1;
    });
}
