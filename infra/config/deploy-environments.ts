import { ENVIRONMENTS, EnvironmentName } from '../../src/config/names';

/**
 * The environments the CDK app deploys (`local` is the embedded stack, never deployed). Kept
 * apart from the full configuration so the deploy action does not bundle aws-cdk-lib.
 */
export type DeployEnvironment = Exclude<EnvironmentName, 'local'>;
export const DEPLOY_ENVIRONMENTS = ENVIRONMENTS.filter((e): e is DeployEnvironment => e !== 'local');
