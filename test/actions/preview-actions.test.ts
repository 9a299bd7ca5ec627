import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeClusterCommand, EMRClient, ListInstancesCommand } from '@aws-sdk/client-emr';
import { EMRServerlessClient, GetJobRunCommand, JobRun } from '@aws-sdk/client-emr-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeActionIo, fakeComments, pullRequestEnv } from './action-io';
import { run as commentPreview } from '../../actions/comment-preview/run';
import { PREVIEW_COMMENT_MARKER } from '../../actions/lib/pr-comment';
import { run as sweepPreviews } from '../../actions/sweep-previews/run';
import { run as teardownPreview } from '../../actions/teardown-preview/run';
import { loadPriceTable } from '../../src/cost/prices';
import { formatUsd } from '../../src/format/numbers';
import { ValidationReport } from '../../src/validation/validation-report';
import { fakeAccount } from '../previews/fake-account';

const FAST = { pollSeconds: { min: 0.01, max: 0.01 } };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'preview-action-'));
let account: ReturnType<typeof fakeAccount> | undefined;

afterEach(() => {
  account?.restore();
  account = undefined;
});

describe('teardown-preview', () => {
  it('destroys the preview, reports it, and turns the pull request\'s preview comment into the teardown\'s', async () => {
    account = fakeAccount();
    account.deploy('pr-42', new Date('2026-11-20T10:00:00Z'));
    const { io, record } = fakeActionIo('teardown-preview', { environment: 'pr-42', region: 'eu-west-1' });
    const github = fakeComments([{ id: 7, body: `${PREVIEW_COMMENT_MARKER}\n## Preview \`pr-42\`: passed` }]);

    await teardownPreview(io, { createClients: () => account!.clients, comments: github.api, teardown: FAST, env: pullRequestEnv(tmp(), 42) });

    expect(record.failures).toEqual([]);
    expect(record.outputs.result).toBe('removed');
    expect(JSON.parse(record.outputs.removed)).toHaveLength(5);
    expect(JSON.parse(record.outputs.left)).toEqual([]);
    expect(record.summary).toContain('### Preview `pr-42` destroyed');
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0].body).toContain('### Preview `pr-42` destroyed');
  });

  it('fails the step naming what is left, and a second run finishes harmlessly', async () => {
    account = fakeAccount();
    account.deploy('pr-42', new Date('2026-11-20T10:00:00Z'));
    const storage = account.stacks.find((s) => s.name === 'clickstream-pr-42-storage')!;
    storage.failDeletion = { logicalId: 'LogsBucket5C52C3D2', type: 'AWS::S3::Bucket', physicalId: 'clickstream-pr-42-logs-123456789012', reason: 'The bucket you tried to delete is not empty' };
    const first = fakeActionIo('teardown-preview', { environment: 'pr-42', region: 'eu-west-1' });
    await teardownPreview(first.io, { createClients: () => account!.clients, teardown: FAST, env: {} });
    expect(first.record.outputs.result).toBe('incomplete');
    expect(first.record.failures[0]).toContain('left: stack clickstream-pr-42-storage: DELETE_FAILED');
    expect(first.record.failures[0]).toContain('aws s3 rb --region eu-west-1 s3://clickstream-pr-42-logs-123456789012 --force');

    storage.failDeletion = undefined;
    const second = fakeActionIo('teardown-preview', { environment: 'pr-42', region: 'eu-west-1' });
    await teardownPreview(second.io, { createClients: () => account!.clients, teardown: FAST, env: {} });
    expect(second.record.failures).toEqual([]);
    expect(second.record.outputs.result).toBe('removed');
  });

  it.each(['staging', 'prod', 'pr-x', ''])('refuses environment "%s" before any AWS call', async (environment) => {
    account = fakeAccount();
    account.deploy('staging', new Date());
    const { io, record } = fakeActionIo('teardown-preview', { environment, region: 'eu-west-1' });
    await teardownPreview(io, { createClients: () => account!.clients, env: {} });
    expect(record.failures).toEqual([`Input "environment" must be a preview, pr-<pull request number> (e.g. pr-42), got "${environment}": this action never destroys a standing environment.`]);
    expect(account.apiCalls()).toBe(0);
  });
});

describe('sweep-previews', () => {
  const NOW = new Date('2026-11-22T12:00:00Z');

  it("asks GitHub each pull request's state and destroys the closed one's and the missing one's preview", async () => {
    account = fakeAccount();
    for (const pr of ['pr-1', 'pr-2', 'pr-3', 'pr-4']) account.deploy(pr, new Date(NOW.getTime() - 3_600_000));
    const asked: string[] = [];
    // GitHub REST API, "Get a pull request": state open|closed; 404 for a number that is no pull request; other failures are not answers.
    const pullRequests = async (owner: string, repo: string, n: number) => {
      asked.push(`${owner}/${repo}#${n}`);
      if (n === 3) throw Object.assign(new Error('Not Found'), { status: 404 });
      if (n === 4) throw Object.assign(new Error('Server Error'), { status: 502 });
      return { state: n === 1 ? 'open' : 'closed' };
    };
    const { io, record } = fakeActionIo('sweep-previews', {});
    await sweepPreviews(io, { createClients: () => account!.clients, pullRequests, teardown: FAST, now: () => NOW, env: { AWS_REGION: 'eu-west-1', GITHUB_REPOSITORY: 'acme/clickstream' } });

    expect(record.failures).toEqual([]);
    expect(asked).toEqual(['acme/clickstream#1', 'acme/clickstream#2', 'acme/clickstream#3', 'acme/clickstream#4']);
    expect(JSON.parse(record.outputs.removed)).toEqual(['pr-2', 'pr-3']);
    expect(JSON.parse(record.outputs.kept)).toEqual([
      { environment: 'pr-1', reason: 'kept: pull request #1 is open, 1 h old' },
      { environment: 'pr-4', reason: 'kept: the state of pull request #4 could not be read (HTTP 502: Server Error); 1 h old' },
    ]);
    expect(account.liveStacks().map((s) => s.replace(/-[a-z]+$/, '')).filter((v, i, a) => a.indexOf(v) === i)).toEqual(['clickstream-pr-1', 'clickstream-pr-4']);
    expect(record.summary).toContain('4 preview(s) found; 2 destroyed (closed pull request, or older than 48 h).');
  });

  it('refuses a maximum age that is no positive number, and a missing token, before any call', async () => {
    account = fakeAccount();
    for (const [inputs, message] of [
      [{ 'max-age-hours': 'two days' }, 'Input "max-age-hours" must be a positive number of hours, got "two days".'],
      [{ 'max-age-hours': '0' }, 'Input "max-age-hours" must be a positive number of hours, got "0".'],
      [{ 'github-token': '' }, 'Input "github-token" is empty: the sweep needs a token that may read pull requests (permission pull-requests: read).'],
      [{ 'dry-run': 'yes' }, 'Input "dry-run" must be "true" or "false", got "yes".'],
    ] as const) {
      const { io, record } = fakeActionIo('sweep-previews', inputs);
      await sweepPreviews(io, { createClients: () => account!.clients, env: { AWS_REGION: 'eu-west-1', GITHUB_REPOSITORY: 'acme/clickstream' } });
      expect(record.failures).toEqual([message]);
    }
    expect(account.apiCalls()).toBe(0);
  });
});

describe('comment-preview', () => {
  const emrMock = () => mockClient(EMRClient);
  let emr: ReturnType<typeof emrMock>;
  beforeEach(() => {
    emr = emrMock();
  });
  afterEach(() => emr.restore());

  /** A validation report as validate-athena writes it, with Athena's scanned bytes per query. */
  function validationReport(dir: string, failed = 0): string {
    const report: ValidationReport = {
      engine: 'athena',
      database: 'analytics_pr_42',
      window: { fromDate: '2026-11-20', toDate: '2026-11-22', description: '2026-11-20..2026-11-22' },
      tables: ['sensor_health'],
      startedAt: '2026-11-22T11:00:00Z',
      durationMs: 41_000,
      checks: [
        { table: 'sensor_health', check: 'columns', severity: 'error', passed: true, observed: 'as declared', expected: 'as declared' },
        { table: 'sensor_health', check: 'faulty-pct-range', severity: 'error', passed: failed === 0, observed: failed === 0 ? 'all in range' : '1 row breaking it', expected: '0 <= faulty_pct <= 100' },
      ],
      queries: [{ subject: 'analytics_pr_42.sensor_health', queryId: 'q-1', durationMs: 900, bytesScanned: 3_000_000 }, { subject: 'information_schema', queryId: 'q-2', durationMs: 300, bytesScanned: 0 }],
      summary: { checks: 2, passed: 2 - failed, failedErrors: failed, failedWarnings: 0 },
    };
    const file = path.join(dir, 'validation-report.json');
    fs.writeFileSync(file, JSON.stringify(report));
    return file;
  }

  // The workflow skips publish unless validation passed (projenrc/workflows/steps.ts).
  const outcomes = (kpis: string, validate: string, publish = validate === 'success' ? 'success' : 'skipped') =>
    ({ 'deploy-outcome': 'success', 'replay-outcome': 'success', 'kpis-outcome': kpis, 'validate-outcome': validate, 'publish-outcome': publish });

  it("keeps one comment with the environment, the stages, EMR's and Athena's figures and cost, and the validation", async () => {
    const dir = tmp();
    // EMR API reference: ListInstances gives each instance's type, market and timeline; DescribeCluster its normalized instance hours.
    emr.on(DescribeClusterCommand).resolves({ Cluster: { Id: 'j-PREVIEW', NormalizedInstanceHours: 16, Status: { State: 'TERMINATED' } } });
    emr.on(ListInstancesCommand).resolves({
      Instances: [
        { Id: 'ci-1', InstanceType: 'm5.xlarge', Market: 'ON_DEMAND', Status: { Timeline: { CreationDateTime: new Date('2026-11-22T11:00:00Z'), EndDateTime: new Date('2026-11-22T11:20:00Z') } } },
        { Id: 'ci-2', InstanceType: 'm5.xlarge', Market: 'SPOT', Status: { Timeline: { CreationDateTime: new Date('2026-11-22T11:01:00Z'), EndDateTime: new Date('2026-11-22T11:20:00Z') } } },
      ],
    });
    const github = fakeComments();
    const env = pullRequestEnv(dir, 42);
    const inputs = { 'environment': 'pr-42', ...outcomes('success', 'success'), 'cluster-id': 'j-PREVIEW', 'validation-report': validationReport(dir) };
    const first = fakeActionIo('comment-preview', inputs);
    await commentPreview(first.io, { createEmr: () => new EMRClient({ region: 'eu-west-1' }), comments: github.api, env, now: () => new Date('2026-11-22T11:30:00Z') });

    expect(first.record.failures).toEqual([]);
    expect(github.comments).toHaveLength(1);
    const body = github.comments[0].body;
    expect(body.startsWith(PREVIEW_COMMENT_MARKER)).toBe(true);
    expect(body).toContain('## Preview `pr-42`: :white_check_mark: passed');
    expect(body).toContain('commit 9fceb02d0ae5 in its own environment `pr-42` (eu-west-1), [workflow run](https://github.com/acme/clickstream/actions/runs/4242)');
    expect(body).toContain('database `analytics_pr_42`');
    expect(body).toContain('| kpis | success |');
    expect(body).toContain('| publish | success |');
    expect(body).toContain('EMR: cluster `j-PREVIEW`, 16 normalized instance hours.');
    expect(body).toContain('Athena: 2 queries scanned 2.9 MiB.');
    expect(body).toMatch(/\| EMR \| 2 instances \(m5\.xlarge on-demand, m5\.xlarge spot\), 39 min 00 s of instance time/);
    expect(body).toMatch(/\| Athena \| 2 queries scanned 3,000,000 bytes; billed 20 MB/);
    expect(body).toContain('<summary>Validation report</summary>');
    expect(first.record.outputs['comment-id']).toBe('100');

    // The next commit's run updates the same comment; a failed stage is named and the rest told as it was.
    const second = fakeActionIo('comment-preview', { ...inputs, ...outcomes('failure', 'skipped'), 'validation-report': '' });
    await commentPreview(second.io, { createEmr: () => new EMRClient({ region: 'eu-west-1' }), comments: github.api, env, now: () => new Date() });
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0].body).toContain('## Preview `pr-42`: :x: FAILED at kpis');
    expect(github.comments[0].body).toContain('| validate | skipped |');
    expect(github.comments[0].body).not.toContain('Validation report');

    // Validated but not published (publish-kpi-run refuses a run cut before another was published): the tables still show the last published run.
    const third = fakeActionIo('comment-preview', { ...inputs, ...outcomes('success', 'success', 'failure') });
    await commentPreview(third.io, { createEmr: () => new EMRClient({ region: 'eu-west-1' }), comments: github.api, env, now: () => new Date() });
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0].body).toContain('## Preview `pr-42`: :x: FAILED at publish');
    expect(github.comments[0].body).toContain('| validate | success |');
    expect(github.comments[0].body).toContain('| publish | failure |');
  });

  it('still comments when the cluster cannot be read, saying what is missing', async () => {
    const dir = tmp();
    emr.on(DescribeClusterCommand).rejects(Object.assign(new Error('User is not authorized to perform: elasticmapreduce:DescribeCluster'), { name: 'AccessDeniedException' }));
    emr.on(ListInstancesCommand).rejects(Object.assign(new Error('User is not authorized to perform: elasticmapreduce:ListInstances'), { name: 'AccessDeniedException' }));
    const github = fakeComments();
    const { io, record } = fakeActionIo('comment-preview', { 'environment': 'pr-42', ...outcomes('success', 'failure'), 'cluster-id': 'j-PREVIEW', 'validation-report': validationReport(dir, 1) });
    await commentPreview(io, { createEmr: () => new EMRClient({ region: 'eu-west-1' }), comments: github.api, env: pullRequestEnv(dir, 42) });
    expect(record.failures).toEqual([]);
    const body = github.comments[0].body;
    expect(body).toContain(':x: FAILED at validate');
    expect(body).toContain("- EMR's normalized instance hours of j-PREVIEW could not be read: User is not authorized to perform: elasticmapreduce:DescribeCluster");
    expect(body).toContain('- The instances of j-PREVIEW could not be listed, so EMR is not priced');
    expect(body).toContain('| FAIL | sensor_health | faulty-pct-range |');
  });

  describe('of a preview whose KPI jobs ran on EMR Serverless', () => {
    const serverlessMock = () => mockClient(EMRServerlessClient);
    let serverless: ReturnType<typeof serverlessMock>;
    beforeEach(() => {
      serverless = serverlessMock();
    });
    afterEach(() => serverless.restore());

    const APPLICATION = '00fabc123def4567';
    const inputs = { 'environment': 'pr-42', ...outcomes('success', 'success'), 'application-id': APPLICATION, 'job-run-ids': 'jr-1,jr-2,jr-3' };
    const deps = (env: NodeJS.ProcessEnv) => ({ createEmrServerless: (region: string) => new EMRServerlessClient({ region }), env, now: () => new Date('2026-11-22T11:30:00Z') });
    // EMR Serverless API Reference, GetJobRun and JobRun: state, and billedResourceUtilization (vCPUHour, memoryGBHour, storageGBHour), what AWS billed for the run.
    const ended = { state: 'SUCCESS', billedResourceUtilization: { vCPUHour: 0.2, memoryGBHour: 0.8, storageGBHour: 0 } } as JobRun;
    const jobRun = (jobRunId: string, run: Partial<JobRun>) =>
      serverless.on(GetJobRunCommand, { applicationId: APPLICATION, jobRunId }).resolves({ jobRun: run as JobRun });

    it('shows the application, the job runs and what they were billed, priced at the table\'s EMR Serverless prices', async () => {
      for (const id of ['jr-1', 'jr-2', 'jr-3']) jobRun(id, ended);
      const dir = tmp();
      const github = fakeComments();
      const { io, record } = fakeActionIo('comment-preview', { ...inputs, 'region': 'us-east-1', 'validation-report': validationReport(dir) });
      await commentPreview(io, { ...deps(pullRequestEnv(dir, 42)), comments: github.api });

      expect(record.failures).toEqual([]);
      expect(emr.calls()).toHaveLength(0);
      expect(serverless.commandCalls(GetJobRunCommand).map((c) => c.args[0].input.jobRunId)).toEqual(['jr-1', 'jr-2', 'jr-3']);
      const body = github.comments[0].body;
      expect(body).toContain('EMR Serverless: application `00fabc123def4567`, job runs `jr-1`, `jr-2`, `jr-3`; billed 0.600 vCPU-hours, 2.400 GB-hours of memory.');
      const prices = loadPriceTable().regions['us-east-1'].emrServerless!;
      const usd = 0.6 * prices.perVcpuHour + 2.4 * prices.perGbHour;
      expect(body).toContain(`| EMR Serverless | 3 job runs billed 0.600 vCPU-hours, 2.400 GB-hours of memory, 0.000 GB-hours of storage (GetJobRun's billedResourceUtilization) | ${formatUsd(usd)} |`);
      expect(body).toContain('- EMR Serverless: the vCPU, memory and storage hours are what AWS metered and billed for the job runs, not an estimate');
      expect(body).toMatch(/\| Athena \| 2 queries scanned 3,000,000 bytes/);
    });

    it('says a region without EMR Serverless prices is not priced', async () => {
      for (const id of ['jr-1', 'jr-2', 'jr-3']) jobRun(id, ended);
      const dir = tmp();
      const github = fakeComments();
      const { io, record } = fakeActionIo('comment-preview', inputs);
      await commentPreview(io, { ...deps(pullRequestEnv(dir, 42)), comments: github.api });

      expect(record.failures).toEqual([]);
      const body = github.comments[0].body;
      expect(body).toMatch(/\| EMR Serverless \| 3 job runs billed 0\.600 vCPU-hours.* \| not priced \|/);
      expect(body).toMatch(/- EMR Serverless: not priced: the price table \(.*price-table\.json\) has no EMR Serverless prices for eu-west-1/);
    });

    it('counts only the job runs that have ended, naming the one still running', async () => {
      jobRun('jr-1', ended);
      jobRun('jr-2', ended);
      jobRun('jr-3', { state: 'RUNNING' });
      const dir = tmp();
      const github = fakeComments();
      const { io, record } = fakeActionIo('comment-preview', { ...inputs, region: 'us-east-1' });
      await commentPreview(io, { ...deps(pullRequestEnv(dir, 42)), comments: github.api });

      expect(record.failures).toEqual([]);
      const body = github.comments[0].body;
      expect(body).toContain('; billed 0.400 vCPU-hours, 1.600 GB-hours of memory for 2 of them.');
      expect(body).toContain('| EMR Serverless | 2 job runs billed 0.400 vCPU-hours');
      expect(body).toContain('- Job run jr-3 is RUNNING: its billed usage is known once it has ended, so it is not counted.');
    });

    it('still comments when GetJobRun is denied, saying what is missing', async () => {
      serverless.on(GetJobRunCommand).rejects(Object.assign(new Error('User is not authorized to perform: emr-serverless:GetJobRun'), { name: 'AccessDeniedException' }));
      const dir = tmp();
      const github = fakeComments();
      const { io, record } = fakeActionIo('comment-preview', { ...inputs, region: 'us-east-1' });
      await commentPreview(io, { ...deps(pullRequestEnv(dir, 42)), comments: github.api });

      expect(record.failures).toEqual([]);
      expect(github.comments).toHaveLength(1);
      const body = github.comments[0].body;
      expect(body).toContain('EMR Serverless: application `00fabc123def4567`, job runs `jr-1`, `jr-2`, `jr-3`.');
      expect(body).toContain('- Job run jr-1 of application 00fabc123def4567 could not be read, so its billed usage is not counted: User is not authorized to perform: emr-serverless:GetJobRun');
      expect(body).not.toContain('| EMR Serverless |');
    });
  });

  it('refuses inputs that are not a preview or a step outcome', async () => {
    for (const [inputs, message] of [
      [{ environment: 'staging' }, 'Input "environment" must be a preview, pr-<pull request number>, got "staging".'],
      [{ 'environment': 'pr-42', 'kpis-outcome': 'done' }, 'Input "kpis-outcome" must be a step outcome (success, failure, cancelled, skipped), got "done".'],
      [{ 'environment': 'pr-42', 'job-run-ids': 'jr-1' }, 'Input "job-run-ids" needs "application-id", the EMR Serverless application they ran on (both are run-emr-kpis outputs).'],
    ] as const) {
      const { io, record } = fakeActionIo('comment-preview', inputs);
      await commentPreview(io, { env: {} });
      expect(record.failures).toEqual([message]);
    }
  });
});
