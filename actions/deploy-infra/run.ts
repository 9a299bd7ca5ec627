import { DEPLOY_TARGET_CHOICES, DeployTarget, isDeployTarget } from '../../infra/config/deploy-environments';
import type { DeployDependencies, DeployReport } from '../../infra/deploy/deploy-stacks';
import { DeployFailure, deployStacks, stackPatterns } from '../../infra/deploy/deploy-stacks';
import { OUTPUT_KEYS, outputParameterName } from '../../src/config/stack-outputs';
import { ActionIo } from '../lib/io';

export interface RunDependencies {
  /** Builds the toolkit and CloudFormation client for the region. */
  readonly deployDependencies: (region: string) => Promise<DeployDependencies> | DeployDependencies;
  /** @default process.env */
  readonly env: NodeJS.ProcessEnv;
}

export interface DeployInputs {
  readonly environment: DeployTarget;
  readonly region: string;
  readonly stacks: string[];
  readonly context: Record<string, string>;
  readonly appDirectory: string;
}

/** Reads and validates every input; throws a DeployFailure naming the input to fix. */
export function readInputs(io: ActionIo, env: NodeJS.ProcessEnv): DeployInputs {
  const environment = io.getInput('environment').trim();
  if (!isDeployTarget(environment)) {
    throw new DeployFailure('invalid-input', `Input "environment" must be ${DEPLOY_TARGET_CHOICES}, got "${environment}".`);
  }
  const region = io.getInput('region').trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new DeployFailure('invalid-input', region
      ? `Input "region" is not an AWS region: "${region}".`
      : 'No region: set input "region" or AWS_REGION (aws-actions/configure-aws-credentials sets it).');
  }
  const stacks = io.getInput('stacks').split(/[\s,]+/).filter(Boolean);
  const context: Record<string, string> = {};
  for (const line of io.getInput('context').split('\n').map((l) => l.trim()).filter(Boolean)) {
    const match = /^([A-Za-z][\w:.-]*)=(.*)$/.exec(line);
    if (!match) throw new DeployFailure('invalid-input', `Input "context" takes one key=value per line; cannot read "${line}".`);
    if (match[1] === 'environment' || match[1] === 'region') {
      throw new DeployFailure('invalid-input', `Set "${match[1]}" with its own input, not through "context".`);
    }
    context[match[1]] = match[2];
  }
  stackPatterns({ environment, stacks });
  const appDirectory = io.getInput('working-directory').trim() || env.GITHUB_WORKSPACE || process.cwd();
  return { environment, region, stacks, context, appDirectory };
}

/** The job summary: what changed per stack, then every output. */
export function renderSummary(inputs: DeployInputs, report: DeployReport): string {
  const lines = [`## Deployed clickstream ${inputs.environment} (${inputs.region})`, '', '| stack | changes |', '|---|---|'];
  for (const stack of report.stacks) {
    const changes = stack.changes === undefined ? 'unknown (diff unavailable)' : stack.changes.length === 0 ? 'no changes' : countChanges(stack.changes);
    lines.push(`| ${stack.stackName} | ${changes} |`);
  }
  for (const stack of report.stacks) {
    if (!stack.changes?.length) continue;
    lines.push('', `<details><summary>${stack.stackName}: ${stack.changes.length} resource change(s)</summary>`, '', '| change | resource | type |', '|---|---|---|');
    for (const c of stack.changes) lines.push(`| ${c.change} | ${c.logicalId} | ${c.resourceType} |`);
    lines.push('', '</details>');
  }
  lines.push('', '### Outputs', '', '| output | value |', '|---|---|');
  for (const key of Object.keys(report.outputs).sort()) lines.push(`| ${key} | \`${report.outputs[key]}\` |`);
  return lines.join('\n') + '\n';
}

function countChanges(changes: NonNullable<DeployReport['stacks'][number]['changes']>): string {
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.change, (counts.get(c.change) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

/**
 * The deploy-infra action: validates inputs, deploys the environment's stacks, sets the
 * outputs (all as JSON in `outputs`, each known key under its own name) and writes the summary.
 */
export async function run(io: ActionIo, deps?: Partial<RunDependencies>): Promise<void> {
  const env = deps?.env ?? process.env;
  try {
    const inputs = readInputs(io, env);
    const dependencies = await (deps?.deployDependencies ?? defaultDeployDependencies)(inputs.region);
    const report = await deployStacks(inputs, dependencies);
    io.setOutput('outputs', JSON.stringify(report.outputs));
    io.setOutput('stacks', JSON.stringify(report.stacks.map((s) => s.stackName)));
    for (const key of Object.values(OUTPUT_KEYS)) {
      if (report.outputs[key] !== undefined) io.setOutput(outputParameterName(key), report.outputs[key]);
    }
    await io.writeSummary(renderSummary(inputs, report));
    io.info(`Deployed ${report.stacks.length} stack(s) of ${inputs.environment}.`);
  } catch (error) {
    io.setFailed(error instanceof DeployFailure ? error.message : `deploy-infra failed unexpectedly: ${(error as Error).stack ?? error}`);
  }
}

async function defaultDeployDependencies(region: string): Promise<DeployDependencies> {
  const [{ Toolkit }, { CloudFormationClient }] = await Promise.all([import('@aws-cdk/toolkit-lib'), import('@aws-sdk/client-cloudformation')]);
  return {
    toolkit: new Toolkit({ color: false, emojis: false }),
    cloudFormation: new CloudFormationClient({ region }),
  };
}
