import { BUCKET_OVERRIDES, EmrRunDefaults, RunIdentity, ValidatedEmrRunInputs, emrRunOptions } from './run-inputs';
import { EmrRunOptions } from './run-kpis';
import { validateScriptsVersion } from '../config/scripts';
import { CloudFormationLike, OUTPUT_KEYS, ResolvedAwsNames, computeOf, resolveAwsNames, stackName } from '../config/stack-outputs';
import { ValidDayWindow } from '../kpis/day-window';

/** What a deployed environment's stack outputs give an EMR run where its inputs are silent. */
export function emrDefaultsFromStacks(resolved: ResolvedAwsNames): Omit<EmrRunDefaults, 'window'> {
  return {
    scriptsVersion: resolved.outputs[OUTPUT_KEYS.scriptsVersion],
    serviceRole: resolved.outputs[OUTPUT_KEYS.emrServiceRole],
    instanceProfile: resolved.outputs[OUTPUT_KEYS.emrInstanceProfile],
    subnetId: resolved.outputs[OUTPUT_KEYS.clusterSubnetId],
    compute: computeOf(resolved.outputs, `Stack ${stackName(resolved.names.environment as Exclude<typeof resolved.names.environment, 'local'>, 'compute')}`),
  };
}

export interface EmrRunFromStacksOptions {
  /** Reads the environment's stacks. */
  readonly cloudFormation: CloudFormationLike;
  readonly identity?: RunIdentity;
  /** The days to compute when the inputs name none (e.g. a replay manifest's). @default - none: the jobs decide */
  readonly window?: ValidDayWindow;
  /** Variables that override names (BRONZE_BUCKET, GLUE_DATABASE, ...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface EmrRunFromStacks {
  readonly options: EmrRunOptions;
  readonly resolved: ResolvedAwsNames;
}

/**
 * Completes validated run inputs with the environment's deployed names: buckets, database and the
 * scripts version, EMR service role, instance profile and cluster subnet from the stacks' outputs (bucket inputs
 * and the seed's variables win; with an account id, names missing from the outputs follow the
 * naming convention). Fails saying what to deploy or pass when no scripts version is found.
 */
export async function emrRunFromStacks(run: ValidatedEmrRunInputs, options: EmrRunFromStacksOptions): Promise<EmrRunFromStacks> {
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), AWS_REGION: run.region };
  for (const [input, variable] of Object.entries(BUCKET_OVERRIDES)) {
    const bucket = run.settings[input as keyof typeof BUCKET_OVERRIDES];
    if (bucket) env[variable] = bucket;
  }
  const environment = run.settings.environment;
  const resolved = await resolveAwsNames({
    environment, region: run.region, accountId: run.settings['account-id'], cloudFormation: () => options.cloudFormation, env,
  });
  const defaults = emrDefaultsFromStacks(resolved);
  const scriptsVersion = run.scriptsVersion ?? defaults.scriptsVersion;
  if (!scriptsVersion) {
    throw new Error(
      `No Spark scripts version: scripts-version is not set and stack ${stackName(environment, 'compute')} in ${run.region} has no ${OUTPUT_KEYS.scriptsVersion} output. ` +
      'Deploy the environment (the deployment publishes spark/), or publish the scripts with `npx clickstream publish-scripts` and pass their version.',
    );
  }
  validateScriptsVersion(scriptsVersion);
  return {
    options: emrRunOptions(run, resolved.names, options.identity, { ...defaults, scriptsVersion, window: options.window }),
    resolved,
  };
}
