import { getOctokit } from '@actions/github';
import { renderSweepMarkdown } from '../../src/previews/preview-report';
import { DEFAULT_MAX_AGE_HOURS, PullRequestState, SweepOptions, sweepPreviews } from '../../src/previews/sweep';
import { TeardownClients, createTeardownClients } from '../../src/previews/teardown';
import { ActionIo } from '../lib/io';

/** Asks GitHub for a pull request's state; Octokit's `pulls.get` in production. */
export type PullRequests = (owner: string, repo: string, number: number) => Promise<{ readonly state: string }>;

export interface RunDeps {
  readonly createClients?: (region: string) => TeardownClients;
  /** @default Octokit's pulls.get with the github-token input */
  readonly pullRequests?: PullRequests;
  readonly teardown?: SweepOptions['teardown'];
  readonly now?: () => Date;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A pull request's state from the REST API's "Get a pull request" (GitHub docs: `state` is open or
 * closed; 404 when the number is not a pull request of the repository). Any other failure is
 * `unknown`: the sweep then keeps the preview unless it is too old.
 */
export function pullRequestStates(pullRequests: PullRequests, repository: string): (number: number) => Promise<PullRequestState> {
  const [owner, repo] = repository.split('/');
  return async (number) => {
    try {
      const { state } = await pullRequests(owner, repo, number);
      return state === 'open' ? { state: 'open' } : state === 'closed' ? { state: 'closed' } : { state: 'unknown', error: `state "${state}"` };
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === 404) return { state: 'missing' };
      return { state: 'unknown', error: status ? `HTTP ${status}: ${(e as Error).message}` : (e as Error).message };
    }
  };
}

function octokitPullRequests(token: string, apiUrl: string | undefined): PullRequests {
  const octokit = getOctokit(token, { baseUrl: apiUrl || undefined });
  return async (owner, repo, number) => (await octokit.rest.pulls.get({ owner, repo, pull_number: number })).data;
}

/** The sweep-previews action: check the inputs, sweep, report, fail when something is left. */
export async function run(io: ActionIo, deps: RunDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  try {
    const region = io.getInput('region').trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (!region) throw new Error('No region: set input "region" or AWS_REGION (aws-actions/configure-aws-credentials sets it).');
    const age = io.getInput('max-age-hours').trim();
    const maxAgeHours = age === '' ? DEFAULT_MAX_AGE_HOURS : Number(age);
    if (!Number.isFinite(maxAgeHours) || maxAgeHours <= 0) throw new Error(`Input "max-age-hours" must be a positive number of hours, got "${age}".`);
    const dryRun = io.getInput('dry-run').trim() || 'false';
    if (dryRun !== 'true' && dryRun !== 'false') throw new Error(`Input "dry-run" must be "true" or "false", got "${dryRun}".`);
    const repository = env.GITHUB_REPOSITORY ?? '';
    if (!/^[^/]+\/[^/]+$/.test(repository)) throw new Error('GITHUB_REPOSITORY is not set: the sweep asks GitHub for the state of the repository\'s pull requests.');
    const token = io.getInput('github-token').trim();
    if (!deps.pullRequests && !token) throw new Error('Input "github-token" is empty: the sweep needs a token that may read pull requests (permission pull-requests: read).');
    const pullRequests = deps.pullRequests ?? octokitPullRequests(token, env.GITHUB_API_URL);

    const report = await sweepPreviews({
      ...(deps.createClients ?? createTeardownClients)(region),
      region,
      maxAgeHours,
      dryRun: dryRun === 'true',
      now: (deps.now ?? (() => new Date()))(),
      pullRequestState: pullRequestStates(pullRequests, repository),
      teardown: deps.teardown,
      log: (line) => io.info(line),
    });
    const removed = report.teardowns.filter((t) => t.result !== 'incomplete').map((t) => t.environment);
    io.setOutput('removed', JSON.stringify(removed));
    io.setOutput('kept', JSON.stringify(report.decisions.filter((d) => !d.remove).map((d) => ({ environment: d.preview.environment, reason: d.reason }))));
    await io.writeSummary(renderSweepMarkdown(report));
    if (!report.complete) {
      io.setFailed(report.teardowns.filter((t) => t.result === 'incomplete').map((t) => t.message).join('\n'));
    }
  } catch (e) {
    io.setFailed((e as Error).message);
  }
}
