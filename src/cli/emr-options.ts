import { Command } from 'commander';
import { EnvironmentName } from '../config/names';
import { OUTPUT_KEYS } from '../config/stack-outputs';
import { EMR_MANAGED_POLICY_TAG } from '../emr/cluster-network';
import { BUCKET_OVERRIDES, EmrInputStyle, EmrRunInputName, EmrRunInputs } from '../emr/run-inputs';

/**
 * The EMR options as commander parses them (all strings, validated by the runner's input rules);
 * the environment comes from the shared --environment (target-options.ts).
 */
export interface EmrCliOptions {
  readonly environment?: EnvironmentName;
  readonly region?: string;
  readonly accountId?: string;
  readonly scriptsVersion?: string;
  readonly clusterId?: string;
  readonly instanceType?: string;
  readonly coreNodes?: string;
  readonly subnetId?: string;
  readonly spot: boolean;
  readonly serviceRole?: string;
  readonly instanceProfile?: string;
  readonly timeoutMinutes?: string;
}

/** Keys of {@link EmrCliOptions} a user sets, for commands that refuse them on the local target (the environment applies to both). */
export const EMR_CLI_OPTION_FLAGS: Readonly<Record<Exclude<keyof EmrCliOptions, 'spot' | 'environment'>, string>> = {
  region: '--region',
  accountId: '--account-id',
  scriptsVersion: '--scripts-version',
  clusterId: '--cluster-id',
  instanceType: '--instance-type',
  coreNodes: '--core-nodes',
  subnetId: '--subnet-id',
  serviceRole: '--service-role',
  instanceProfile: '--instance-profile',
  timeoutMinutes: '--timeout-minutes',
};

/** The flag that sets each runner input, so a problem names what the user typed. */
const INPUT_FLAGS: Partial<Record<EmrRunInputName, string>> = {
  'mode': '--cluster-id',
  'cluster-id': '--cluster-id',
  'environment': '--environment',
  'account-id': '--account-id',
  'region': '--region',
  'instance-type': '--instance-type',
  'core-instance-count': '--core-nodes',
  'use-spot': '--spot',
  'subnet-id': '--subnet-id',
  'service-role': '--service-role',
  'instance-profile': '--instance-profile',
  'jobs': '--jobs',
  'from-date': '--from-date',
  'to-date': '--to-date',
  'scripts-version': '--scripts-version',
  'timeout-minutes': '--timeout-minutes',
  ...Object.fromEntries(Object.entries(BUCKET_OVERRIDES).map(([input, variable]) => [input, variable])),
};

/** Problems name the command's flags (and the bucket variables), not the action's inputs. */
export const CLI_INPUT_STYLE: EmrInputStyle = {
  header: 'Invalid option(s) for the aws target:',
  label: (input) => INPUT_FLAGS[input] ?? input,
};

export interface EmrOptionsHelp {
  /** Where the scripts version comes from when --scripts-version is not given. */
  readonly scriptsVersion: string;
  /** Where the roles come from when not given. */
  readonly roles: string;
}

/**
 * The aws target's EMR options, one definition for `kpis` and `run`: region, account, scripts version
 * and the cluster's shape (the environment is the shared --environment). Values stay strings: the
 * runner's input validation (shared with the run-emr-kpis action) checks them before any AWS call.
 */
export function addEmrOptions(command: Command, help: EmrOptionsHelp): Command {
  return command
    .option('--region <region>', 'aws: AWS region (default AWS_REGION)')
    .option('--account-id <id>', 'aws: account id (bucket names end with it; or set BRONZE_BUCKET, ICEBERG_BUCKET, SCRIPTS_BUCKET, LOGS_BUCKET)')
    .option('--scripts-version <v>', `aws: published scripts version (${help.scriptsVersion})`)
    .option('--cluster-id <id>', 'aws: add steps to this running cluster instead of starting a transient one')
    .option('--instance-type <type>', 'aws: EC2 type of a transient cluster (default m5.xlarge)')
    .option('--core-nodes <n>', 'aws: core nodes of a transient cluster (default 2)')
    .option('--subnet-id <id>', `aws: subnet of a transient cluster, tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value} (the compute stack outputs ${OUTPUT_KEYS.clusterSubnetId})`)
    .option('--spot', 'aws: buy core nodes on the spot market', false)
    .option('--service-role <name>', `aws: EMR service role (${help.roles})`)
    .option('--instance-profile <name>', `aws: EC2 instance profile (${help.roles})`)
    .option('--timeout-minutes <n>', 'aws: cancel the steps (and terminate a transient cluster) after this long (default 60)');
}

/**
 * The EMR runner's inputs from the command line: the same names and validation as the
 * run-emr-kpis action. Buckets named by BRONZE_BUCKET, ICEBERG_BUCKET, SCRIPTS_BUCKET and
 * LOGS_BUCKET are passed on as the bucket inputs.
 */
export function emrInputs(
  options: EmrCliOptions,
  extra: { readonly jobs?: string; readonly fromDate?: string; readonly toDate?: string },
  env: NodeJS.ProcessEnv = process.env,
): EmrRunInputs {
  const buckets = Object.fromEntries(Object.entries(BUCKET_OVERRIDES).map(([input, variable]) => [input, env[variable]]));
  return {
    ...buckets,
    'mode': options.clusterId ? 'existing' : 'transient',
    'cluster-id': options.clusterId,
    'environment': options.environment,
    'account-id': options.accountId,
    'region': options.region,
    'instance-type': options.instanceType,
    'core-instance-count': options.coreNodes,
    'use-spot': String(options.spot),
    'subnet-id': options.subnetId,
    'service-role': options.serviceRole,
    'instance-profile': options.instanceProfile,
    'jobs': extra.jobs,
    'from-date': extra.fromDate,
    'to-date': extra.toDate,
    'scripts-version': options.scriptsVersion,
    'timeout-minutes': options.timeoutMinutes,
  };
}

/** The EMR options given on the command line, by flag (for refusing them on the local target). */
export function givenEmrOptions(options: EmrCliOptions): string[] {
  const given = Object.entries(EMR_CLI_OPTION_FLAGS)
    .filter(([key]) => options[key as keyof typeof EMR_CLI_OPTION_FLAGS] !== undefined)
    .map(([, flag]) => flag);
  return options.spot ? [...given, '--spot'] : given;
}
