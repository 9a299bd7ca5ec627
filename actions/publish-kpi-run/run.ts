import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { deployedEnvironmentSchema } from '../../src/config/config';
import { CloudFormationLike, resolveAwsNames } from '../../src/config/stack-outputs';
import { PublishedRun } from '../../src/kpis/publication';
import { PublishRunOptions, publishRun } from '../../src/kpis/publisher';
import { auditBranch } from '../../src/kpis/run-ledger';
import { localPaths } from '../../src/local/paths';
import { ActionIo } from '../lib/io';

export interface RunDeps {
  /** Reads the environment's stack outputs. @default an SDK client for the region */
  readonly createCloudFormation?: (region: string) => CloudFormationLike;
  /** @default publishRun from the checked-out spark/ folder */
  readonly publish?: (options: PublishRunOptions) => Promise<PublishedRun>;
  /** Where AWS_REGION is read, and the publisher's environment. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The publish-kpi-run action: every input checked first, then the environment's database, then the publisher. */
export async function run(io: ActionIo, deps: RunDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  try {
    const problems: string[] = [];
    const environmentInput = io.getInput('environment').trim();
    const parsedEnvironment = deployedEnvironmentSchema.safeParse(environmentInput);
    if (!parsedEnvironment.success) problems.push(`environment: ${parsedEnvironment.error.issues[0].message}, got "${environmentInput}".`);
    const runId = io.getInput('run-id').trim();
    try {
      auditBranch(runId);
    } catch (e) {
      problems.push(`run-id: ${(e as Error).message}`);
    }
    const region = io.getInput('region').trim() || env.AWS_REGION || '';
    if (!region) problems.push('region: no region given and AWS_REGION is not set.');
    const python = io.getInput('python').trim() || 'python3';
    if (problems.length > 0) throw new Error(`Invalid inputs:\n- ${problems.join('\n- ')}`);
    const environment = parsedEnvironment.data!;

    const cloudFormation = (deps.createCloudFormation ?? ((r) => new CloudFormationClient({ region: r })))(region);
    const { names } = await resolveAwsNames({ environment, region, cloudFormation: () => cloudFormation, env: { ...env, AWS_REGION: region } });
    const published = await (deps.publish ?? publishRun)({
      python, sparkDir: localPaths().spark, database: names.glueDatabase, runId, region, env, log: (line) => io.info(line),
    });
    io.setOutput('published-tables', String(published.published.length));
    await io.writeSummary([
      `### ✅ KPI run \`${runId}\` published`,
      '',
      published.published.length === 0
        ? `Nothing to publish: ${published.note ?? 'the run was published already'}.`
        : `Main of ${published.published.length} tables now holds the run (branch \`${published.branch}\` removed).`,
      '',
      '| Table | Published snapshot |',
      '|---|---|',
      ...published.published.map((p) => `| ${p.table} | \`${p.snapshot}\` |`),
    ].join('\n'));
  } catch (e) {
    io.setFailed((e as Error).message);
  }
}
