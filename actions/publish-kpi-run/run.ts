import * as core from '@actions/core';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { QUERY_CATALOG, ENVIRONMENTS, EnvironmentName } from '../../src/config/names';
import { validateScriptsVersion } from '../../src/config/scripts';
import { CloudFormationLike, OUTPUT_KEYS, resolveAwsNames } from '../../src/config/stack-outputs';
import { createEmrClients, EmrClients } from '../../src/emr/clients';
import { publishRunOnEmr } from '../../src/emr/publish';
import { engineForTarget } from '../../src/engines/for-target';
import { QueryEngine } from '../../src/engines/query-engine';
import { auditBranch } from '../../src/kpis/run-ledger';

export interface RunDeps {
  readonly getInput?: (name: string) => string;
  readonly createClients?: (region: string) => EmrClients;
  readonly createCloudFormation?: (region: string) => CloudFormationLike;
  readonly createEngine?: (environment: EnvironmentName, region: string, names: Awaited<ReturnType<typeof resolveAwsNames>>['names']) => Promise<QueryEngine>;
  readonly env?: NodeJS.ProcessEnv;
}

/** The publish-kpi-run action: every input checked first, then the EMR step, then what the warehouse says happened. */
export async function run(deps: RunDeps = {}): Promise<void> {
  const getInput = deps.getInput ?? ((name: string) => core.getInput(name));
  const env = deps.env ?? process.env;
  try {
    const problems: string[] = [];
    const environment = getInput('environment').trim();
    if (!(ENVIRONMENTS as readonly string[]).includes(environment) || environment === 'local') {
      problems.push(`environment: must be one of ${ENVIRONMENTS.filter((e) => e !== 'local').join(', ')}, got "${environment}".`);
    }
    const runId = getInput('run-id').trim();
    try {
      auditBranch(runId);
    } catch (e) {
      problems.push(`run-id: ${(e as Error).message}`);
    }
    const clusterId = getInput('cluster-id').trim();
    if (!/^j-[A-Z0-9]+$/.test(clusterId)) problems.push(`cluster-id: must be an EMR cluster id like j-2AXXXXXXGAPLF, got "${clusterId}".`);
    const terminate = getInput('terminate-cluster').trim() || 'true';
    if (terminate !== 'true' && terminate !== 'false') problems.push(`terminate-cluster: must be true or false, got "${terminate}".`);
    const minutes = Number(getInput('timeout-minutes').trim() || '30');
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) problems.push(`timeout-minutes: must be a whole number of minutes from 1 to 1440, got "${getInput('timeout-minutes')}".`);
    const region = getInput('region').trim() || env.AWS_REGION || '';
    if (!region) problems.push('region: no region given and AWS_REGION is not set.');
    if (problems.length > 0) throw new Error(`Invalid inputs:\n- ${problems.join('\n- ')}`);

    const cloudFormation = (deps.createCloudFormation ?? ((r) => new CloudFormationClient({ region: r })))(region);
    const resolved = await resolveAwsNames({ environment: environment as Exclude<EnvironmentName, 'local'>, region, cloudFormation: () => cloudFormation, env: { ...env, AWS_REGION: region } });
    const scriptsVersion = getInput('scripts-version').trim() || resolved.outputs[OUTPUT_KEYS.scriptsVersion];
    if (!scriptsVersion) throw new Error(`No Spark scripts version: pass scripts-version, or deploy ${environment} (its stack output ${OUTPUT_KEYS.scriptsVersion}).`);
    validateScriptsVersion(scriptsVersion);
    const { names } = resolved;
    const engine = await (deps.createEngine ?? ((e, r, n) => engineForTarget({ config: { target: 'aws', environment: e, region: r, names: n } })))(
      environment as EnvironmentName, region, names);
    const clients = (deps.createClients ?? ((r) => createEmrClients({ region: r })))(region);
    const { published } = await publishRunOnEmr({
      clusterId,
      terminateAfter: terminate === 'true',
      step: { runId, database: names.glueDatabase, warehouse: names.warehouseUri, region, scriptsBucket: names.scriptsBucket, scriptsVersion },
      timeoutMs: minutes * 60_000,
    }, { ...clients, engine, catalog: QUERY_CATALOG, log: (line) => core.info(line) });
    core.setOutput('published-tables', String(published.published.length));
    await core.summary.addRaw([
      `### ✅ KPI run \`${runId}\` published`,
      '',
      `Main of ${published.published.length} tables now holds the run (branch \`${published.branch}\` removed).`,
      '',
      '| Table | Published snapshot |',
      '|---|---|',
      ...published.published.map((p) => `| ${p.table} | \`${p.snapshot}\` |`),
    ].join('\n')).write();
  } catch (e) {
    core.setFailed((e as Error).message);
  }
}
