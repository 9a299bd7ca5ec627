import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CANDIDATE_ENVIRONMENTS, CredentialedRun, Trust, admittedEnvironments, contractProblems, credentialedRuns, githubIssues, rolesAdmitting, scenarios,
  synthesizeTrust, trustOf,
} from './trust-contract';
import { Workflow, loadWorkflows } from './workflows';
import { DEPLOYMENT_BRANCH_RULES, GITHUB_ENVIRONMENTS, githubEnvironment } from '../../infra/config/github-environments';
import { repoRoot } from '../../src/local/paths';
import { synthesize } from '../infra/support';

/**
 * Both halves of the AWS side at once: the generated workflows (which jobs get which OIDC token,
 * and ask for which role) against the CDK app's synthesized trust policies (IAM's condition
 * semantics, test/contract/evaluator.ts). The repository is the one the app is synthesized for.
 */
const REPOSITORY = 'acme/clickstream';
const FOREIGN = 'mallory/clickstream';

let workflows: Record<string, Workflow>;
let trust: Trust;
let runs: CredentialedRun[];

beforeAll(() => {
  workflows = loadWorkflows();
  trust = synthesizeTrust(REPOSITORY);
  runs = credentialedRuns(workflows, REPOSITORY);
}, 120_000);

const ownRuns = () => runs.filter((r) => !r.scenario.fork);
const describeRun = (r: CredentialedRun) => `${r.workflow}/${r.job} on ${r.scenario.name}`;

describe('every AWS job of the workflows', () => {
  it('is admitted by the role it asks for, in the environment it operates on', () => {
    expect(contractProblems(runs, trust)).toEqual([]);
  });

  it('covers every way the workflows start and every AWS job', () => {
    const covered = ownRuns().map((r) => `${describeRun(r)}: ${r.githubEnvironment} ${r.role} -> ${r.token.issued ? r.token.sub : r.token.reason}`);
    const sub = (env: string) => `repo:${REPOSITORY}:environment:${env}`;
    expect(covered).toEqual(expect.arrayContaining([
      `deploy/deploy-staging on push to main: staging deploy -> ${sub('staging')}`,
      `deploy/deploy-prod on push to main: prod deploy -> ${sub('prod')}`,
      `deploy/deploy-dev on dispatch of dev from main: dev deploy -> ${sub('dev')}`,
      `deploy/deploy-prod on dispatch of prod from main: prod deploy -> ${sub('prod')}`,
      `kpis/kpis on schedule: prod run -> ${sub('prod')}`,
      `kpis/kpis on dispatch of dev from main: dev run -> ${sub('dev')}`,
      `kpis/kpis on dispatch of staging from main: staging run -> ${sub('staging')}`,
      `kpis/kpis on dispatch of prod from main: prod run -> ${sub('prod')}`,
      `kpis/maintain on dispatch of prod with a window from main: prod run -> ${sub('prod')}`,
      `maintenance/maintain on schedule: prod run -> ${sub('prod')}`,
      `maintenance/maintain on dispatch of dev from main: dev run -> ${sub('dev')}`,
      `pull-request/preview on pull request labeled: preview deploy -> ${sub('preview')}`,
      `pull-request/preview on pull request labeled: preview run -> ${sub('preview')}`,
      `pull-request/preview on pull request synchronize: preview run -> ${sub('preview')}`,
      `pull-request/preview-teardown on pull request closed: preview-teardown teardown -> ${sub('preview-teardown')}`,
      `pull-request/preview-teardown on pull request unlabeled: preview-teardown teardown -> ${sub('preview-teardown')}`,
      `previews/sweep on schedule: preview-teardown teardown -> ${sub('preview-teardown')}`,
    ]));
    // Maintenance after KPIs follows a backfill only: never the nightly run or a dispatch without days.
    expect(covered.filter((c) => c.startsWith('kpis/maintain ')).every((c) => c.includes(' with a window '))).toBe(true);
    const jobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).filter(([, job]) => job.permissions?.['id-token'] === 'write').map(([id]) => `${file}/${id}`));
    expect([...new Set(ownRuns().map((r) => `${r.workflow}/${r.job}`))].sort()).toEqual(jobs.sort());
  });

  it('gets no token when a pull request comes from a fork (the job is skipped, and GitHub would issue none)', () => {
    expect(runs.filter((r) => r.scenario.fork)).toEqual([]);
    const fork = scenarios(workflows['pull-request'], REPOSITORY).find((s) => s.fork)!;
    expect(githubIssues(REPOSITORY, fork, 'preview', 'sts.amazonaws.com')).toEqual({ issued: false, reason: 'pull requests from forks get no id-token: write' });
  });
});

describe('the roles refuse', () => {
  it('every subject of a foreign repository', () => {
    const foreign = ownRuns().flatMap((r) => (r.token.issued ? [r.token.sub.replace(`repo:${REPOSITORY}:`, `repo:${FOREIGN}:`)] : []));
    expect(foreign.length).toBeGreaterThan(0);
    for (const sub of foreign) expect(rolesAdmitting(trust, { sub }), sub).toEqual([]);
  });

  it('branch and pull-request subjects: only GitHub environments reach a role', () => {
    for (const sub of ['ref:refs/heads/main', 'ref:refs/heads/feature', 'ref:refs/tags/v1.0.0', 'pull_request']) {
      expect(rolesAdmitting(trust, { sub: `repo:${REPOSITORY}:${sub}` }), sub).toEqual([]);
    }
  });

  it('another audience than sts.amazonaws.com', () => {
    expect(rolesAdmitting(trust, { sub: `repo:${REPOSITORY}:environment:prod`, aud: 'https://github.com/acme' })).toEqual([]);
  });

  it('any GitHub environment but the contract\'s: standing environments\' roles never a pull-request one, prod\'s nothing but prod', () => {
    expect(admittedEnvironments(trust, REPOSITORY, CANDIDATE_ENVIRONMENTS)).toEqual({
      'dev deploy': ['dev'],
      'dev run': ['dev'],
      'staging deploy': ['staging'],
      'staging run': ['staging'],
      'prod deploy': ['prod'],
      'prod run': ['prod'],
      'preview deploy': ['preview'],
      'preview run': ['preview'],
      'preview teardown': ['preview-teardown'],
    });
    // Running pull-request code with a role that deploys or runs waits for a reviewer; only a role that can do nothing but tear down may go unreviewed.
    for (const environment of GITHUB_ENVIRONMENTS.filter((e) => e.pullRequests)) {
      expect(environment.awsEnvironment, environment.name).toBe('preview');
      if (!environment.requiredReviewers) expect(environment.roles, environment.name).toEqual(['teardown']);
    }
    expect(GITHUB_ENVIRONMENTS.find((e) => e.name === 'preview')).toMatchObject({ deploymentBranches: 'pull-requests', requiredReviewers: true });
  });

  it('whatever a pull request can obtain: the previews\' roles only, deploying and running only through the reviewed preview environment', () => {
    const pr = scenarios(workflows['pull-request'], REPOSITORY, 'feature').find((s) => s.payload.action === 'labeled' && !s.fork)!;
    // Whatever environment a pull request's (editable) workflow names, GitHub's rules decide the token.
    const obtainable = [...CANDIDATE_ENVIRONMENTS, undefined].map((env) => ({ env, token: githubIssues(REPOSITORY, pr, env, 'sts.amazonaws.com') }));
    const admitted = obtainable.flatMap(({ env, token }) => (token.issued ? rolesAdmitting(trust, token).map((role) => `${role} via ${env}`) : []));
    // The look-alike names would be created unprotected by GitHub, but no role trusts them.
    expect(admitted).toEqual(['preview deploy via preview', 'preview run via preview', 'preview teardown via preview-teardown']);
    expect(obtainable.find(({ env }) => env === 'prod')!.token).toEqual({ issued: false, reason: 'GitHub environment prod admits main only, not refs/pull/7/merge' });
  });

  it('a push or schedule into the preview environment, which admits pull requests only', () => {
    const schedule = scenarios(workflows.previews, REPOSITORY).find((s) => s.event === 'schedule')!;
    expect(githubIssues(REPOSITORY, schedule, 'preview', 'sts.amazonaws.com')).toEqual({ issued: false, reason: 'GitHub environment preview admits pull requests only, not refs/heads/main' });
    expect(githubIssues(REPOSITORY, schedule, 'preview-teardown', 'sts.amazonaws.com')).toMatchObject({ issued: true });
  });

  it('a dispatch from another branch into an environment that admits main only; from anywhere, only the teardown role', () => {
    const fromFeature = credentialedRuns(workflows, REPOSITORY, 'feature').filter((r) => r.scenario.event === 'workflow_dispatch');
    const mainOnly = fromFeature.filter((r) => githubEnvironment(r.githubEnvironment!)?.deploymentBranches === 'main');
    expect(mainOnly.length).toBeGreaterThan(0);
    for (const run of mainOnly) {
      expect(run.token, describeRun(run)).toEqual({ issued: false, reason: `GitHub environment ${run.githubEnvironment} admits main only, not refs/heads/feature` });
    }
    const admitted = fromFeature.filter((r) => r.token.issued).flatMap((r) => (r.token.issued ? rolesAdmitting(trust, r.token) : []));
    expect([...new Set(admitted)]).toEqual(['preview teardown']);
  });
});

/** The contract must notice when either half drifts; each case is a change GitHub or IAM would reject. */
describe('drift', () => {
  const withWorkflow = (file: string, job: string, change: (j: Record<string, unknown>) => Record<string, unknown>) => {
    const copy = structuredClone(workflows);
    copy[file].jobs[job] = change(copy[file].jobs[job] as unknown as Record<string, unknown>) as never;
    return credentialedRuns(copy, REPOSITORY);
  };
  const withTrust = (env: keyof Trust, change: (template: string) => string) => {
    const { stacks } = synthesize(env, { nag: false, repository: REPOSITORY });
    return { ...trust, [env]: trustOf(JSON.parse(change(JSON.stringify(Template.fromStack(stacks.ci!).toJSON())))) };
  };

  it('fails when a role goes back to trusting the main branch, as before this contract', () => {
    const drifted = withTrust('prod', (t) => t.replaceAll(`repo:${REPOSITORY}:environment:prod`, `repo:${REPOSITORY}:ref:refs/heads/main`));
    expect(contractProblems(runs, drifted)).toEqual(expect.arrayContaining([
      `kpis/kpis on schedule: the run role of prod refuses repo:${REPOSITORY}:environment:prod`,
      `deploy/deploy-prod on push to main: the deploy role of prod refuses repo:${REPOSITORY}:environment:prod`,
    ]));
  });

  it('fails when the deploy role trusts a wildcard over the repository: pull requests and every environment reach it', () => {
    // The deploy role's trust comes first in the template; StringLike makes its `*` a wildcard.
    const drifted = withTrust('staging', (t) => t.replace('"StringEquals"', '"StringLike"').replace(`"repo:${REPOSITORY}:environment:staging"`, `"repo:${REPOSITORY}:*"`));
    expect(admittedEnvironments(drifted, REPOSITORY, CANDIDATE_ENVIRONMENTS)['staging deploy']).toEqual(CANDIDATE_ENVIRONMENTS);
    expect(rolesAdmitting(drifted, { sub: `repo:${REPOSITORY}:pull_request` })).toEqual(['staging deploy']);
    const admitted = (t: Trust) => admittedEnvironments(t, REPOSITORY, CANDIDATE_ENVIRONMENTS);
    expect(admitted(drifted)).not.toEqual(admitted(trust));
  });

  it("fails when the kpis job's environment expression falls back to an environment no role trusts", () => {
    const drifted = withWorkflow('kpis', 'kpis', (job) => ({ ...job, environment: "${{ inputs.environment || 'production' }}" }));
    expect(contractProblems(drifted, trust)).toEqual(expect.arrayContaining([
      'kpis/kpis on schedule: GitHub environment "production" is not in the trust contract (GitHub would create it without protection rules)',
      `kpis/kpis on schedule: the run role of prod refuses repo:${REPOSITORY}:environment:production`,
    ]));
  });

  it('fails when a job drops its environment: its subject becomes the branch, which no role trusts', () => {
    const drifted = withWorkflow('deploy', 'deploy-staging', (job) => ({ ...job, environment: undefined }));
    expect(contractProblems(drifted, trust)).toEqual(expect.arrayContaining([
      `deploy/deploy-staging on push to main: declares no GitHub environment; its token's subject would be repo:${REPOSITORY}:ref:refs/heads/main`,
      `deploy/deploy-staging on push to main: the deploy role of staging refuses repo:${REPOSITORY}:ref:refs/heads/main`,
    ]));
  });

  it("fails when the pull request's run moves to the staging environment, which GitHub keeps to main", () => {
    const drifted = withWorkflow('pull-request', 'preview', (job) => ({ ...job, environment: 'staging' }));
    // IAM alone would admit it (staging's roles trust the staging environment); GitHub issues no token.
    expect(rolesAdmitting(trust, { sub: `repo:${REPOSITORY}:environment:staging` })).toEqual(['staging deploy', 'staging run']);
    expect(contractProblems(drifted, trust)).toEqual(expect.arrayContaining([
      'pull-request/preview on pull request labeled: GitHub refuses a token: GitHub environment staging admits main only, not refs/pull/7/merge',
    ]));
  });

  it("fails when the preview's teardown asks for the run role, which the unreviewed teardown environment cannot assume", () => {
    const drifted = withWorkflow('pull-request', 'preview-teardown', (job) => ({
      ...job,
      steps: (job.steps as Array<Record<string, unknown>>).map((s) => (String(s.uses).startsWith('aws-actions/') ? { ...s, with: { ...(s.with as object), 'role-to-assume': '${{ vars.AWS_RUN_ROLE_ARN }}' } } : s)),
    }));
    expect(contractProblems(drifted, trust)).toEqual(expect.arrayContaining([
      `pull-request/preview-teardown on pull request closed: the run role of preview refuses repo:${REPOSITORY}:environment:preview-teardown`,
    ]));
  });

  it("fails when the preview job deploys a standing environment with the previews' roles", () => {
    const drifted = withWorkflow('pull-request', 'preview', (job) => ({
      ...job,
      steps: (job.steps as Array<Record<string, unknown>>).map((s) => (s.uses === './actions/deploy-infra' ? { ...s, with: { ...(s.with as object), environment: 'staging' } } : s)),
    }));
    expect(contractProblems(drifted, trust)).toEqual(expect.arrayContaining([
      'pull-request/preview on pull request labeled: operates on staging with the deploy role of preview',
    ]));
  });

  it('fails when a job operates on one environment with another\'s role', () => {
    const drifted = withWorkflow('deploy', 'deploy-dev', (job) => ({
      ...job,
      steps: (job.steps as Array<Record<string, unknown>>).map((s) => (s.uses === './actions/deploy-infra' ? { ...s, with: { ...(s.with as object), environment: 'prod' } } : s)),
    }));
    expect(contractProblems(drifted, trust)).toEqual(expect.arrayContaining(['deploy/deploy-dev on dispatch of dev from main: operates on prod with the deploy role of dev']));
  });
});

/** The documentation's promise about concurrency: a table between `<!-- concurrency -->` markers in docs/workflows.md. */
function readmeConcurrency(): Array<{ workflow: string; trigger: string; job: string; group: string; pending: string }> {
  const readme = fs.readFileSync(path.join(repoRoot(), 'docs', 'workflows.md'), 'utf8');
  const section = /<!-- concurrency -->([\s\S]*?)<!-- \/concurrency -->/.exec(readme);
  if (!section) throw new Error('docs/workflows.md has no <!-- concurrency --> table.');
  return section[1].trim().split('\n').slice(2).map((line) => {
    const [workflow, trigger, job, group, pending] = line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, ''));
    return { workflow, trigger, job, group, pending };
  });
}

describe('the documentation (docs/aws.md)', () => {
  it('lists the GitHub environments, the roles they may assume and their protection rules as the trust contract defines them', () => {
    const readme = fs.readFileSync(path.join(repoRoot(), 'docs', 'aws.md'), 'utf8');
    const table = /<!-- github-environments -->([\s\S]*?)<!-- \/github-environments -->/.exec(readme)![1].trim().split('\n').slice(2)
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, '')));
    expect(table).toEqual(GITHUB_ENVIRONMENTS.map((e) => [
      e.name,
      e.roles.map((role) => `${e.awsEnvironment} ${role}`).join(', '),
      DEPLOYMENT_BRANCH_RULES[e.deploymentBranches],
      e.requiredReviewers ? 'yes' : 'no',
      e.purpose.replace(/`/g, ''),
    ]));
  });
});

describe('concurrency', () => {
  const expand = (text: string, run: CredentialedRun) => text
    .replace('<environment>', String(run.scenario.inputs.environment ?? ''))
    .replace('<number>', String((run.scenario.payload.pull_request as { number?: number } | undefined)?.number ?? ''));

  /** What the workflows do, per run, in the documentation's terms (docs/workflows.md). */
  const actual = (candidates: readonly CredentialedRun[]) => candidates.filter((r) => !r.scenario.fork && r.token.issued).map((run) => {
    const promise = readmeConcurrency()
      .find((row) => row.workflow === run.workflow && row.trigger === run.scenario.event && expand(row.job, run) === run.job);
    const c = run.concurrency;
    // GitHub docs, "Control the concurrency of workflows and jobs": what happens to a pending run when another arrives.
    const pending = !c ? 'run at once'
      : c.cancelInProgress ? 'cancels the running one'
        : c.queue === 'max' ? 'queued (up to 100), never cancelled' : 'replaces the pending one';
    return {
      run: describeRun(run),
      promised: promise && { group: expand(promise.group, run), pending: promise.pending },
      actual: { group: c?.group, pending },
    };
  });

  it('is what docs/workflows.md promises for every AWS job: one group per environment, pending runs queued, never cancelled but by a preview\'s teardown', () => {
    const rows = actual(runs);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.actual, row.run).toEqual(row.promised);
    // A scheduled run shares its group with dispatches of prod, and waits behind them rather than replacing or being replaced.
    expect(rows.find((r) => r.run === 'kpis/kpis on schedule')!.actual).toEqual({ group: 'kpis-prod', pending: 'queued (up to 100), never cancelled' });
    // A preview's run and its teardown share the preview's group: closing the pull request cancels the run in progress.
    expect(rows.find((r) => r.run === 'pull-request/preview on pull request labeled')!.actual).toEqual({ group: 'preview-pr-7', pending: 'queued (up to 100), never cancelled' });
    expect(rows.find((r) => r.run === 'pull-request/preview-teardown on pull request closed')!.actual).toEqual({ group: 'preview-pr-7', pending: 'cancels the running one' });
  });

  it('fails when a job goes back to the default single pending run, which a later run cancels', () => {
    const copy = structuredClone(workflows);
    const kpis = copy.kpis.jobs.kpis as unknown as { concurrency: Record<string, unknown> };
    kpis.concurrency = { 'group': kpis.concurrency.group, 'cancel-in-progress': false };
    const scheduled = actual(credentialedRuns(copy, REPOSITORY)).find((r) => r.run === 'kpis/kpis on schedule')!;
    expect(scheduled.actual).not.toEqual(scheduled.promised);
    expect(scheduled.actual.pending).toBe('replaces the pending one');
  });
});
