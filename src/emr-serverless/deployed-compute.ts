import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ServerlessTarget } from './job-run-request';
import { EnvironmentName, ResourceNames, SERVERLESS_LOG_PREFIX } from '../config/names';
import { CloudFormationLike, OUTPUT_KEYS, computeOf, stackName } from '../config/stack-outputs';

/** What runs an environment's jobs, as its compute stack was deployed; the serverless target when it is EMR Serverless. */
export type DeployedCompute =
  /** Clusters, in the stack's tagged subnet when it names one (ClusterSubnetId). */
  | { readonly compute: 'emr'; readonly subnetId?: string }
  | { readonly compute: 'emr-serverless'; readonly target: ServerlessTarget };

/** Where serverless job runs write their logs: the environment's logs bucket, beside the clusters' `emr/`. */
export function serverlessLogUri(logsBucket: string): string {
  return `s3://${logsBucket}/${SERVERLESS_LOG_PREFIX}`;
}

/**
 * Reads the compute stack's Compute output (CloudFormation DescribeStacks), so no caller and no
 * workflow branches on the compute: `emr-serverless` gives the application and execution role from
 * its outputs; `emr`, a compute stack deployed before the output existed, or no compute stack at all
 * (work on a cluster named by hand) keep the cluster runner.
 */
export async function deployedCompute(
  cloudFormation: CloudFormationLike, environment: Exclude<EnvironmentName, 'local'>, names: ResourceNames,
): Promise<DeployedCompute> {
  const stack = stackName(environment, 'compute');
  let outputs: Record<string, string>;
  try {
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    // CloudFormation API Reference, "DescribeStacks": a missing stack is a ValidationError "Stack with id ... does not exist".
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/.test(e.message ?? '')) return { compute: 'emr' };
    throw new Error(`Cannot read the compute stack ${stack} to learn what runs the jobs: ${e.name}: ${e.message}`, { cause: error });
  }
  return computeFromOutputs(outputs, environment, names);
}

/**
 * The compute of a compute stack's outputs (computeOf), with the serverless application and role
 * when it is EMR Serverless; fails naming what to redeploy when those outputs are missing.
 */
export function computeFromOutputs(
  outputs: Readonly<Record<string, string>>, environment: Exclude<EnvironmentName, 'local'>, names: ResourceNames,
): DeployedCompute {
  const stack = stackName(environment, 'compute');
  const compute = computeOf(outputs, `Stack ${stack}`);
  if (compute === 'emr') return { compute, subnetId: outputs[OUTPUT_KEYS.clusterSubnetId] || undefined };
  const applicationId = outputs[OUTPUT_KEYS.serverlessApplicationId];
  const executionRoleArn = outputs[OUTPUT_KEYS.serverlessExecutionRoleArn];
  if (!applicationId || !executionRoleArn) {
    throw new Error(`Stack ${stack} runs the jobs on EMR Serverless but lacks its ${OUTPUT_KEYS.serverlessApplicationId} or ${OUTPUT_KEYS.serverlessExecutionRoleArn} output: redeploy the environment.`);
  }
  return { compute, target: { environment, applicationId, executionRoleArn, logUri: serverlessLogUri(names.logsBucket) } };
}
