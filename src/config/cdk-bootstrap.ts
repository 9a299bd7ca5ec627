/**
 * What the CDK app needs of an account's `cdk bootstrap` (AWS CDK Developer Guide, "AWS CDK
 * bootstrapping" and "Bootstrap your environment"): the bootstrap stack, `CDKToolkit` unless
 * renamed, whose `BootstrapVersion` output the deploy and `clickstream doctor` read.
 */

/** Oldest `cdk bootstrap` stack version the synthesized templates accept. */
export const MIN_BOOTSTRAP_VERSION = 6;

/** The CDK bootstrap stack's default name. */
export const BOOTSTRAP_STACK = 'CDKToolkit';

/** The bootstrap stack's output that carries its version. */
export const BOOTSTRAP_VERSION_OUTPUT = 'BootstrapVersion';

/** What to run when an account and region are not bootstrapped, or bootstrapped too long ago. */
export function bootstrapHint(region: string, account = '<account>'): string {
  return `run \`npx cdk bootstrap aws://${account}/${region}\` once with administrator credentials`;
}
