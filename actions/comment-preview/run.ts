import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeClusterCommand, EMRClient } from '@aws-sdk/client-emr';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { isPreviewEnvironment } from '../../src/config/names';
import { listClusterInstances } from '../../src/cost/aws-usage';
import { EmrInstanceUsage } from '../../src/cost/estimate';
import { PRICE_TABLE_VARIABLE, SHIPPED_PRICE_TABLE_IN_REPOSITORY, priceTableFor } from '../../src/cost/prices';
import { estimateAwsRunCost } from '../../src/cost/run-cost';
import { billedJobRuns } from '../../src/emr-serverless/billed-job-runs';
import { PREVIEW_STAGES, PreviewRunSummary, StepOutcome, renderPreviewRunMarkdown } from '../../src/previews/preview-report';
import { ValidationReport } from '../../src/validation/validation-report';
import { ActionIo } from '../lib/io';
import { IssueComments, PREVIEW_COMMENT_MARKER, commentOnPullRequest } from '../lib/pr-comment';

export interface RunDeps {
  /** @default an SDK client for the region */
  readonly createEmr?: (region: string) => EMRClient;
  /** @default an SDK client for the region */
  readonly createEmrServerless?: (region: string) => EMRServerlessClient;
  readonly comments?: IssueComments;
  readonly now?: () => Date;
  readonly env?: NodeJS.ProcessEnv;
}

const OUTCOMES: readonly StepOutcome[] = ['success', 'failure', 'cancelled', 'skipped', ''];

/** The comment-preview action: gather what the run's steps left, measure the cluster or the job runs, keep the comment. */
export async function run(io: ActionIo, deps: RunDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  try {
    const environment = io.getInput('environment').trim();
    if (!isPreviewEnvironment(environment)) throw new Error(`Input "environment" must be a preview, pr-<pull request number>, got "${environment}".`);
    const region = io.getInput('region').trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
    const outcomes = Object.fromEntries(PREVIEW_STAGES.map((stage) => {
      const outcome = io.getInput(`${stage}-outcome`).trim() as StepOutcome;
      if (!OUTCOMES.includes(outcome)) throw new Error(`Input "${stage}-outcome" must be a step outcome (success, failure, cancelled, skipped), got "${outcome}".`);
      return [stage, outcome];
    })) as PreviewRunSummary['outcomes'];
    const applicationId = io.getInput('application-id').trim() || undefined;
    const jobRunIds = io.getInput('job-run-ids').split(',').map((id) => id.trim()).filter(Boolean);
    if (jobRunIds.length > 0 && !applicationId) throw new Error('Input "job-run-ids" needs "application-id", the EMR Serverless application they ran on (both are run-emr-kpis outputs).');
    const notes: string[] = [];
    const validation = readValidation(io.getInput('validation-report').trim(), notes);
    const clusterId = io.getInput('cluster-id').trim() || undefined;
    const createEmr = deps.createEmr ?? ((r: string) => new EMRClient({ region: r }));
    const emrFigures = clusterId && region ? await clusterFigures(createEmr(region), clusterId, notes) : {};
    const createEmrServerless = deps.createEmrServerless ?? ((r: string) => new EMRServerlessClient({ region: r }));
    const bill = applicationId && region && jobRunIds.length > 0
      ? await billedJobRuns(createEmrServerless(region), applicationId, jobRunIds)
      : undefined;
    notes.push(...bill?.notes ?? []);
    const billed = bill && bill.counted.length > 0 ? bill : undefined;
    let cost;
    try {
      cost = region && (validation || emrFigures.instances || billed)
        ? estimateAwsRunCost({
          prices: priceTableFor(priceTableFile(io.getInput('price-table').trim(), env), env),
          region,
          instances: emrFigures.instances,
          serverless: billed && { billed: billed.billed, jobRuns: billed.counted.length },
          queries: validation?.queries ?? [],
          now: (deps.now ?? (() => new Date()))(),
        })
        : undefined;
    } catch (e) {
      notes.push(`No cost estimate: ${(e as Error).message}`);
    }
    const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
    const markdown = renderPreviewRunMarkdown({
      environment,
      region,
      commit: readHeadSha(env),
      runUrl: env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${serverUrl}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
      outcomes,
      clusterId,
      normalizedInstanceHours: emrFigures.normalizedInstanceHours,
      serverless: applicationId ? { applicationId, jobRunIds, billed: billed?.billed, billedJobRuns: billed?.counted.length ?? 0 } : undefined,
      cost,
      validation,
      notes,
    });
    await io.writeSummary(markdown);
    const comment = await commentOnPullRequest({
      env, token: io.getInput('github-token'), comments: deps.comments, marker: PREVIEW_COMMENT_MARKER, body: `${PREVIEW_COMMENT_MARKER}\n${markdown}`, log: io,
    });
    if (comment) io.setOutput('comment-id', String(comment.id));
  } catch (e) {
    io.setFailed((e as Error).message);
  }
}

/** The input, else CLICKSTREAM_PRICE_TABLE, else the shipped table in the job's checkout: a bundled action has no src/ beside it. */
function priceTableFile(input: string, env: NodeJS.ProcessEnv): string | undefined {
  if (input) return input;
  if (env[PRICE_TABLE_VARIABLE]) return undefined;
  return path.join(env.GITHUB_WORKSPACE || process.cwd(), SHIPPED_PRICE_TABLE_IN_REPOSITORY);
}

function readValidation(file: string, notes: string[]): ValidationReport | undefined {
  if (!file) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationReport;
  } catch (e) {
    notes.push(`The validation report ${file} could not be read: ${(e as Error).message}`);
    return undefined;
  }
}

/** The cluster's instances (for instance time and its price) and EMR's normalized instance hours; a failed call is a note. */
interface ClusterFigures {
  readonly instances?: EmrInstanceUsage[];
  readonly normalizedInstanceHours?: number;
}

async function clusterFigures(emr: EMRClient, clusterId: string, notes: string[]): Promise<ClusterFigures> {
  const figures: { -readonly [K in keyof ClusterFigures]: ClusterFigures[K] } = {};
  try {
    figures.normalizedInstanceHours = (await emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster?.NormalizedInstanceHours;
  } catch (e) {
    notes.push(`EMR's normalized instance hours of ${clusterId} could not be read: ${(e as Error).message}`);
  }
  try {
    figures.instances = await listClusterInstances(emr, clusterId);
  } catch (e) {
    notes.push(`The instances of ${clusterId} could not be listed, so EMR is not priced: ${(e as Error).message}`);
  }
  return figures;
}

/** The pull request's head commit, from the event payload. */
function readHeadSha(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_EVENT_PATH) return undefined;
  try {
    return (JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { head?: { sha?: string } } }).pull_request?.head?.sha;
  } catch {
    return undefined;
  }
}
