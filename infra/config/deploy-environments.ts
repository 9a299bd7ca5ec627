import { ENVIRONMENTS, PREVIEW_ROLES_ENVIRONMENT, PreviewEnvironmentName, StandingEnvironmentName, isPreviewEnvironment } from '../../src/config/names';

/**
 * The environments the CDK app deploys (`local` is the embedded stack, never deployed). Kept
 * apart from the full configuration so the deploy action does not bundle aws-cdk-lib.
 */

/** The standing environments, deployed from main (the dispatch choices of the workflows). */
export type StandingEnvironment = Exclude<StandingEnvironmentName, 'local'>;
export const DEPLOY_ENVIRONMENTS = ENVIRONMENTS.filter((e): e is StandingEnvironment => e !== 'local');

/** Every environment with data stacks: the standing ones, and pull requests' previews (`pr-<number>`). */
export type DeployEnvironment = StandingEnvironment | PreviewEnvironmentName;

/** Whose roles a GitHub environment's jobs assume: a standing environment's, or the roles every preview shares. */
export type RoleOwner = StandingEnvironment | typeof PREVIEW_ROLES_ENVIRONMENT;

/** Whatever `-c environment=` and the deploy action accept: an environment, or the previews' roles. */
export type DeployTarget = DeployEnvironment | typeof PREVIEW_ROLES_ENVIRONMENT;

export function isDeployEnvironment(name: string): name is DeployEnvironment {
  return (DEPLOY_ENVIRONMENTS as readonly string[]).includes(name) || isPreviewEnvironment(name);
}

export function isDeployTarget(name: string): name is DeployTarget {
  return name === PREVIEW_ROLES_ENVIRONMENT || isDeployEnvironment(name);
}

/** How the deploy targets are spelled in messages. */
export const DEPLOY_TARGET_CHOICES = `${DEPLOY_ENVIRONMENTS.join(', ')}, pr-<pull request number> or ${PREVIEW_ROLES_ENVIRONMENT} (the roles every preview shares)`;

/**
 * Whether the roles of `owner` act on `environment`: a standing environment's roles on that
 * environment only, the previews' shared roles on every preview.
 */
export function rolesServe(owner: RoleOwner, environment: string): boolean {
  return owner === PREVIEW_ROLES_ENVIRONMENT ? isPreviewEnvironment(environment) : owner === environment;
}

/**
 * A preview's EMR cluster beyond the release: the smallest the KPI jobs run on, one m5.xlarge core
 * node beside the primary. The CDK app's preview configuration and the pull-request workflow's
 * run both read it.
 */
export const PREVIEW_EMR = { instanceType: 'm5.xlarge', coreInstanceCount: 1 } as const;
