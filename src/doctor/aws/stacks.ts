import { StackStatus } from '@aws-sdk/client-cloudformation';
import { DoctorCheck, failed, passed } from '../check';
import { AwsDoctorContext } from './context';
import { unexpected } from './errors';
import { Compute } from '../../config/names';
import { OUTPUT_KEYS, OutputName, computeOf, stackConcernsOf, stackName } from '../../config/stack-outputs';

/**
 * Stack outputs a run reads (its bucket and database names, the EMR roles, the scripts version, the
 * workgroup): without one, `clickstream run --target aws` and the workflows stop at their start.
 */
export const RUN_OUTPUTS: readonly OutputName[] = [
  'bronzeBucket', 'warehouseBucket', 'scriptsBucket', 'logsBucket', 'athenaResultsBucket', 'glueDatabase', 'streamName',
  'scriptsVersion', 'athenaWorkgroup',
];

/** What a run reads besides, by the compute the stack runs jobs on (its Compute output; none: clusters). */
export const COMPUTE_OUTPUTS: Readonly<Record<Compute, readonly OutputName[]>> = {
  'emr': ['emrServiceRole', 'emrInstanceProfile'],
  'emr-serverless': ['serverlessApplicationId', 'serverlessExecutionRoleArn'],
};

/**
 * Whether a stack can be used (CloudFormation User Guide, "Stack status codes"): a completed create
 * or update, or an update rolled back to the previous working state. A create that rolled back
 * (ROLLBACK_COMPLETE) left nothing usable and must be deleted before it can be deployed again.
 */
function usable(status: StackStatus | string | undefined): boolean {
  return status !== undefined && /_COMPLETE$/.test(status) && status !== 'ROLLBACK_COMPLETE' && !status.startsWith('DELETE_');
}

function deployHint(context: AwsDoctorContext): string {
  return `deploy the environment (the deploy workflow, or \`npx cdk deploy --all -c environment=${context.environment} -c account=<account> -c githubRepository=<owner>/<repo>\` in ${context.region})`;
}

/** Every stack of the environment exists and is in a usable state. */
export const stacksCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'stacks',
  needs: ['credentials'],
  async run(context) {
    const names = stackConcernsOf(context.environment).map((concern) => stackName(context.environment, concern));
    const problems: string[] = [];
    for (const name of names) {
      try {
        const stack = await context.stack(name);
        if (!stack) problems.push(`${name} does not exist`);
        else if (/_IN_PROGRESS$/.test(stack.StackStatus ?? '')) problems.push(`${name} is ${stack.StackStatus} (wait for it to finish)`);
        else if (stack.StackStatus === 'ROLLBACK_COMPLETE') problems.push(`${name} is ROLLBACK_COMPLETE (its creation failed: delete it, then deploy)`);
        else if (!usable(stack.StackStatus)) problems.push(`${name} is ${stack.StackStatus} (see its events in the CloudFormation console)`);
      } catch (error) {
        return failed(unexpected(`cloudformation:DescribeStacks on ${name}`, error));
      }
    }
    if (problems.length > 0) return failed(`${problems.join('; ')}: ${deployHint(context)}`);
    return passed(`${names.length} stacks deployed (${names.join(', ')})`);
  },
};

/** The outputs a run reads are there. */
export const outputsCheck: DoctorCheck<AwsDoctorContext> = {
  name: 'stack outputs',
  needs: ['stacks'],
  async run(context) {
    const { outputs } = await context.names();
    let compute: Compute;
    try {
      compute = computeOf(outputs, `Stack ${stackName(context.environment, 'compute')}`);
    } catch (e) {
      return failed((e as Error).message);
    }
    const expected = [...RUN_OUTPUTS, ...COMPUTE_OUTPUTS[compute]];
    const missing = expected.map((name) => OUTPUT_KEYS[name]).filter((key) => !outputs[key]);
    if (missing.length > 0) return failed(`the stacks have no ${missing.join(', ')} output: ${deployHint(context)} with the current CDK app`);
    return passed(`${expected.length} outputs a run on ${compute} reads (scripts version ${outputs[OUTPUT_KEYS.scriptsVersion]})`);
  },
};
