import type { DeployOptions, DiffOptions, FromCdkAppOptions, ICloudAssemblySource } from '@aws-cdk/toolkit-lib';
import { DiffMethod, ExpandStackSelection, MemoryContext, StackSelectionStrategy } from '@aws-cdk/toolkit-lib';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { BOOTSTRAP_STACK, BOOTSTRAP_VERSION_OUTPUT, MIN_BOOTSTRAP_VERSION, bootstrapHint as bootstrapCommand } from '../../src/config/cdk-bootstrap';
import { CloudFormationLike, StackConcern, stackConcernsOf, stackName, stackNamePrefix } from '../../src/config/stack-outputs';
import { DEPLOY_TARGET_CHOICES, DeployTarget, isDeployTarget } from '../config/deploy-environments';

/** The CDK app command (cdk.json's `app`), run by the toolkit in the repository root. */
export const CDK_APP_COMMAND = 'npx tsx infra/main.ts';

export interface DeployRequest {
  /** An environment (`dev`, `pr-42`, ...), or `preview`: the roles every preview shares. */
  readonly environment: DeployTarget;
  readonly region: string;
  /**
   * Stacks to deploy: concerns (`storage`, `compute`) or full stack names; the stacks they
   * depend on are deployed too.
   * @default - every stack of the environment
   */
  readonly stacks?: readonly string[];
  /** Extra CDK context (`account`, `githubRepository`, ...). */
  readonly context?: Readonly<Record<string, string>>;
  /** The repository root (where cdk.json and infra/ are). */
  readonly appDirectory: string;
}

/** One resource change of a stack, as the diff before deployment saw it. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly change: 'add' | 'update' | 'remove' | 'replace';
}

export interface DeployedStackReport {
  readonly stackName: string;
  /** Undefined when the pre-deployment diff was unavailable. */
  readonly changes?: readonly ResourceChange[];
  readonly outputs: Readonly<Record<string, string>>;
}

export interface DeployReport {
  readonly stacks: readonly DeployedStackReport[];
  /** Outputs of every deployed stack, merged (keys are unique across the app). */
  readonly outputs: Readonly<Record<string, string>>;
}

/** What this module needs of a resource difference (a structural slice of cloudformation-diff's). */
export interface ResourceDifferenceLike {
  readonly isAddition: boolean;
  readonly isRemoval: boolean;
  readonly resourceType?: string;
  readonly changeImpact?: string;
}

export interface TemplateDiffLike {
  readonly resources: { forEachDifference(cb: (logicalId: string, change: ResourceDifferenceLike) => unknown): void };
}

export interface DeployedStackLike {
  readonly stackName: string;
  readonly outputs: Record<string, string>;
}

/** The slice of @aws-cdk/toolkit-lib's Toolkit this module drives (tests pass a fake). */
export interface ToolkitPort {
  fromCdkApp(app: string, props?: FromCdkAppOptions): Promise<ICloudAssemblySource>;
  diff(cx: ICloudAssemblySource, options?: DiffOptions): Promise<Record<string, TemplateDiffLike>>;
  deploy(cx: ICloudAssemblySource, options?: DeployOptions): Promise<{ readonly stacks: readonly DeployedStackLike[] }>;
}

export interface DeployDependencies {
  readonly toolkit: ToolkitPort;
  /** CloudFormation client of the target region (for the bootstrap check). */
  readonly cloudFormation: CloudFormationLike;
}

export type DeployFailureKind = 'invalid-input' | 'no-credentials' | 'not-bootstrapped' | 'deploy-failed';

/** A failure the action reports as is: the message says what to change. */
export class DeployFailure extends Error {
  constructor(readonly kind: DeployFailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeployFailure';
  }
}

/** Validates a request without touching AWS; returns the stack patterns to select. */
export function stackPatterns(request: Pick<DeployRequest, 'environment' | 'stacks'>): string[] {
  if (!isDeployTarget(request.environment)) {
    throw new DeployFailure('invalid-input', `Unknown environment "${request.environment}": use ${DEPLOY_TARGET_CHOICES}.`);
  }
  if (!request.stacks || request.stacks.length === 0) return [`${stackNamePrefix(request.environment)}*`];
  const concerns = stackConcernsOf(request.environment);
  const valid = concerns.map((c) => stackName(request.environment, c));
  return request.stacks.map((s) => {
    if ((concerns as readonly string[]).includes(s)) return stackName(request.environment, s as StackConcern);
    if (valid.includes(s)) return s;
    throw new DeployFailure('invalid-input', `Unknown stack "${s}" for ${request.environment}: use ${concerns.join(', ')} or ${valid.join(', ')}.`);
  });
}

/**
 * Deploys the CDK app's stacks of one environment with the toolkit library: checks the
 * account is bootstrapped, diffs (for the report), deploys, and collects the outputs.
 */
export async function deployStacks(request: DeployRequest, deps: DeployDependencies): Promise<DeployReport> {
  const patterns = stackPatterns(request);
  await checkBootstrap(request.region, deps.cloudFormation);

  const stacks = { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH, patterns, expand: ExpandStackSelection.UPSTREAM };
  const cx = await deps.toolkit.fromCdkApp(CDK_APP_COMMAND, {
    workingDirectory: request.appDirectory,
    contextStore: new MemoryContext({ ...request.context, environment: request.environment, region: request.region }),
  });
  try {
    // The diff only feeds the report: when it fails, the deployment still goes ahead.
    const diffs = await deps.toolkit.diff(cx, { stacks, method: DiffMethod.TemplateOnly() }).catch(() => ({} as Record<string, TemplateDiffLike>));
    const result = await deps.toolkit.deploy(cx, { stacks });
    const outputs: Record<string, string> = {};
    const reports = result.stacks.map((stack) => {
      Object.assign(outputs, stack.outputs);
      const diff = diffs[stack.stackName];
      return { stackName: stack.stackName, outputs: stack.outputs, changes: diff ? resourceChanges(diff) : undefined };
    });
    return { stacks: reports, outputs };
  } catch (error) {
    throw classify(error, request.region);
  }
}

function resourceChanges(diff: TemplateDiffLike): ResourceChange[] {
  const changes: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const kind = change.isAddition ? 'add' : change.isRemoval ? 'remove' : change.changeImpact === 'WILL_REPLACE' ? 'replace' : 'update';
    changes.push({ logicalId, resourceType: change.resourceType ?? 'unknown', change: kind });
  });
  return changes;
}

async function checkBootstrap(region: string, cloudFormation: CloudFormationLike): Promise<void> {
  const bootstrapHint = bootstrapCommand(region);
  let version: number | undefined;
  try {
    const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: BOOTSTRAP_STACK }));
    const output = response.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === BOOTSTRAP_VERSION_OUTPUT)?.OutputValue;
    version = output === undefined ? undefined : Number(output);
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/.test(e.message ?? '')) {
      throw new DeployFailure('not-bootstrapped', `The account is not bootstrapped in ${region} (no ${BOOTSTRAP_STACK} stack): ${bootstrapHint}.`, { cause: error });
    }
    throw classify(error, region);
  }
  if (version === undefined || Number.isNaN(version) || version < MIN_BOOTSTRAP_VERSION) {
    throw new DeployFailure(
      'not-bootstrapped',
      `The ${BOOTSTRAP_STACK} stack in ${region} has bootstrap version ${version ?? 'unknown'}; version ${MIN_BOOTSTRAP_VERSION} or later is required: ${bootstrapHint}.`,
    );
  }
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException']);

function classify(error: unknown, region: string): Error {
  if (error instanceof DeployFailure) return error;
  const e = error as { name?: string; message?: string };
  const message = e?.message ?? String(error);
  if (CREDENTIAL_ERRORS.has(e?.name ?? '') || /could not load credentials|no credentials have been configured|security token included in the request is (invalid|expired)/i.test(message)) {
    return new DeployFailure(
      'no-credentials',
      `No usable AWS credentials for ${region} (${message}). Add aws-actions/configure-aws-credentials before this step with role-to-assume set to the ` +
      'DeployRoleArn output and the job permission `id-token: write`.',
      { cause: error },
    );
  }
  if (/bootstrap stack version|has the environment been bootstrapped|\/cdk-bootstrap\//i.test(message)) {
    return new DeployFailure('not-bootstrapped', `${message} Run \`npx cdk bootstrap aws://<account>/${region}\`.`, { cause: error });
  }
  return new DeployFailure('deploy-failed', `Deployment failed: ${message}`, { cause: error });
}
