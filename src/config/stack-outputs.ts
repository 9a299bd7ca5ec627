import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { NAME_OVERRIDES } from './config';
import { COMPUTES, Compute, EnvironmentName, PREVIEW_ROLES_ENVIRONMENT, ResourceNames, isPreviewEnvironment, resourceNames } from './names';

/** The CDK app's stacks, one per concern, in deployment order. */
export const STACK_CONCERNS = ['storage', 'catalog', 'ingestion', 'compute', 'query', 'ci'] as const;
export type StackConcern = (typeof STACK_CONCERNS)[number];

/** Whatever the CDK app deploys: an environment, or the roles all previews share. */
export type StackOwner = EnvironmentName | typeof PREVIEW_ROLES_ENVIRONMENT;

/**
 * The concerns an environment has stacks for, in deployment order. A preview has no CI stack of
 * its own (its jobs assume the roles of {@link PREVIEW_ROLES_ENVIRONMENT}, which has nothing else).
 */
export function stackConcernsOf(owner: StackOwner): StackConcern[] {
  if (owner === PREVIEW_ROLES_ENVIRONMENT) return ['ci'];
  return isPreviewEnvironment(owner) ? STACK_CONCERNS.filter((c) => c !== 'ci') : [...STACK_CONCERNS];
}

/** What every stack name of an environment starts with (`clickstream-dev-`). */
export function stackNamePrefix(owner: StackOwner): string {
  return `clickstream-${owner}-`;
}

/** The CloudFormation stack name of one concern in one environment. */
export function stackName(owner: StackOwner, concern: StackConcern): string {
  return `${stackNamePrefix(owner)}${concern}`;
}

/**
 * CloudFormation output keys of the CDK app, by what they name. The stacks declare their
 * outputs with these keys and every reader (CLI, actions) looks them up here.
 */
export const OUTPUT_KEYS = {
  bronzeBucket: 'BronzeBucket',
  warehouseBucket: 'WarehouseBucket',
  scriptsBucket: 'ScriptsBucket',
  logsBucket: 'LogsBucket',
  athenaResultsBucket: 'AthenaResultsBucket',
  bronzeUri: 'BronzeUri',
  warehouseUri: 'WarehouseUri',
  glueDatabase: 'GlueDatabase',
  rawTable: 'RawTable',
  streamName: 'StreamName',
  deliveryStreamName: 'DeliveryStreamName',
  emrServiceRole: 'EmrServiceRole',
  emrInstanceProfile: 'EmrInstanceProfile',
  emrLogUri: 'EmrLogUri',
  emrReleaseLabel: 'EmrReleaseLabel',
  emrInstanceType: 'EmrInstanceType',
  emrCoreInstanceCount: 'EmrCoreInstanceCount',
  clusterSubnetId: 'ClusterSubnetId',
  /** `emr` or `emr-serverless` (see Compute in names.ts). */
  compute: 'Compute',
  serverlessApplicationId: 'ServerlessApplicationId',
  serverlessExecutionRoleArn: 'ServerlessExecutionRoleArn',
  scriptsVersion: 'ScriptsVersion',
  scriptsUri: 'ScriptsUri',
  athenaWorkgroup: 'AthenaWorkgroup',
  athenaResultsUri: 'AthenaResultsUri',
  deployRoleArn: 'DeployRoleArn',
  runRoleArn: 'RunRoleArn',
  teardownRoleArn: 'TeardownRoleArn',
} as const;

export type OutputName = keyof typeof OUTPUT_KEYS;

/**
 * What runs the jobs, as the compute stack's Compute output says: the one reading of it. No output
 * means clusters (a compute stack deployed before it existed); a value this version does not know
 * fails, naming `stack`, rather than running on the wrong compute.
 */
export function computeOf(outputs: Readonly<Record<string, string>>, stack = 'the compute stack'): Compute {
  const compute = (outputs[OUTPUT_KEYS.compute] || 'emr') as Compute;
  if (!COMPUTES.includes(compute)) {
    throw new Error(`${stack} says its compute is "${compute}", which this version does not know (${COMPUTES.join(', ')}): update the checkout or redeploy.`);
  }
  return compute;
}
export type OutputKey = (typeof OUTPUT_KEYS)[OutputName];

/** Action output name of a stack output key: `BronzeBucket` -> `bronze-bucket`. */
export function outputParameterName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The slice of the CloudFormation client this module uses (tests pass a mock). */
export type CloudFormationLike = Pick<CloudFormationClient, 'send'>;

export interface ResolveAwsNamesOptions {
  /** The deployed environment whose stacks to read. */
  readonly environment: Exclude<EnvironmentName, 'local'>;
  /**
   * Region of the stacks.
   * @default - `AWS_REGION` (which wins when set), else `AWS_DEFAULT_REGION`
   */
  readonly region?: string;
  /**
   * Creates the CloudFormation client for a region.
   * @default - an SDK client with the default credential chain
   */
  readonly cloudFormation?: (region: string) => CloudFormationLike;
  /**
   * Account whose buckets to name by the naming convention when neither a variable nor a stack
   * output names them.
   * @default - such buckets are an error
   */
  readonly accountId?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Where one resolved name came from. */
export type NameSource = 'environment variable' | 'stack output' | 'naming convention';

export interface ResolvedAwsNames {
  readonly region: string;
  readonly names: ResourceNames;
  /** Every output of the environment's stacks, by output key (EMR roles, scripts version, ...). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly sources: Readonly<Record<keyof ResourceNames, NameSource>>;
}

/**
 * Resolves the AWS target's resource names the way the seed's start script did: environment
 * variables (`BRONZE_BUCKET`, `ICEBERG_BUCKET`, ..., `AWS_REGION`) first, then the outputs of
 * the CDK app's stacks (not read at all when variables name every bucket). Other names fall
 * back to the naming convention; bucket names only when the account id is given, because they
 * carry it.
 */
export async function resolveAwsNames(options: ResolveAwsNamesOptions): Promise<ResolvedAwsNames> {
  const env = options.env ?? process.env;
  const region = awsRegion(options.region, env);
  if (!region) {
    throw new Error('No AWS region: set AWS_REGION (or pass --region) to where the clickstream stacks are deployed.');
  }
  const overrides = new Map<keyof ResourceNames, string>();
  for (const [variable, key] of Object.entries(NAME_OVERRIDES)) {
    const value = env[variable]?.trim();
    if (value) overrides.set(key, value);
  }
  const required = BUCKET_NAMES;
  const outputs = required.every((key) => overrides.has(key))
    ? {}
    : await readStackOutputs(options.environment, region, (options.cloudFormation ?? defaultClient)(region));

  const convention = resourceNames(options.environment, options.accountId);
  const names: Record<string, string> = {};
  const sources: Record<string, NameSource> = {};
  const missing: string[] = [];
  for (const key of Object.keys(convention) as Array<keyof ResourceNames>) {
    if (key === 'environment' || key === 'bronzeUri' || key === 'warehouseUri') continue;
    const fromEnv = overrides.get(key);
    const fromOutput = outputs[(OUTPUT_KEYS as Record<string, string>)[key]];
    if (fromEnv) {
      names[key] = fromEnv;
      sources[key] = 'environment variable';
    } else if (fromOutput) {
      names[key] = fromOutput;
      sources[key] = 'stack output';
    } else if (required.includes(key) && !options.accountId) {
      const variable = Object.entries(NAME_OVERRIDES).find(([, k]) => k === key)![0];
      missing.push(`${key} (set ${variable} or deploy output ${(OUTPUT_KEYS as Record<string, string>)[key]})`);
    } else {
      names[key] = convention[key];
      sources[key] = 'naming convention';
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `Cannot resolve the AWS names of environment "${options.environment}" in ${region}: ${missing.join('; ')}. ` +
      `Deploy the stacks (${stackConcernsOf(options.environment).map((c) => stackName(options.environment, c)).join(', ')}) with deploy-infra, or set the variables.`,
    );
  }
  // The derived locations follow the (possibly overridden) buckets, as the seed's did.
  names.bronzeUri = overrides.has('bronzeBucket') || !outputs[OUTPUT_KEYS.bronzeUri] ? `s3://${names.bronzeBucket}/events/` : outputs[OUTPUT_KEYS.bronzeUri];
  names.warehouseUri = overrides.has('warehouseBucket') || !outputs[OUTPUT_KEYS.warehouseUri] ? `s3://${names.warehouseBucket}/warehouse` : outputs[OUTPUT_KEYS.warehouseUri];
  sources.bronzeUri = overrides.has('bronzeBucket') ? 'environment variable' : 'stack output';
  sources.warehouseUri = overrides.has('warehouseBucket') ? 'environment variable' : 'stack output';
  return {
    region,
    names: { environment: options.environment, ...names } as unknown as ResourceNames,
    outputs,
    sources: sources as Record<keyof ResourceNames, NameSource>,
  };
}

/** The region of the AWS target: `AWS_REGION` (which wins when set), else the given one, else `AWS_DEFAULT_REGION`. */
export function awsRegion(region: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_REGION || region || env.AWS_DEFAULT_REGION || undefined;
}

/** Bucket names carry the account id, so only a variable or a stack output can give them. */
const BUCKET_NAMES: ReadonlyArray<keyof ResourceNames> = ['bronzeBucket', 'warehouseBucket', 'scriptsBucket', 'logsBucket', 'athenaResultsBucket'];

function defaultClient(region: string): CloudFormationLike {
  return new CloudFormationClient({ region });
}

/** Outputs of every stack of the environment; stacks that do not exist contribute none. */
async function readStackOutputs(environment: EnvironmentName, region: string, client: CloudFormationLike): Promise<Record<string, string>> {
  const perStack = await Promise.all(stackConcernsOf(environment).map(async (concern) => {
    const name = stackName(environment, concern);
    try {
      const response = await client.send(new DescribeStacksCommand({ StackName: name }));
      return response.Stacks?.[0]?.Outputs ?? [];
    } catch (error) {
      if (isMissingStack(error)) return [];
      throw new Error(`Reading the outputs of stack ${name} in ${region} failed: ${(error as Error).message}`, { cause: error });
    }
  }));
  const outputs: Record<string, string> = {};
  for (const output of perStack.flat()) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}

/** Whether CloudFormation answered that a stack does not exist (DescribeStacks: a ValidationError). */
export function isMissingStack(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'ValidationError' && /does not exist/.test(e.message ?? '');
}
