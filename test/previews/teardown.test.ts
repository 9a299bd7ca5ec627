import { afterEach, describe, expect, it } from 'vitest';
import { fakeAccount } from './fake-account';
import { renderTeardownMarkdown } from '../../src/previews/preview-report';
import { teardownPreview } from '../../src/previews/teardown';

const DAY = new Date('2026-11-20T10:00:00Z');
let account: ReturnType<typeof fakeAccount>;

afterEach(() => account?.restore());

const teardown = (environment: string) => teardownPreview({ ...account.clients, environment: environment as never, region: 'eu-west-1', pollSeconds: { min: 0.01, max: 0.01 } });

describe('tearing down a preview on AWS', () => {
  it('terminates its clusters, then deletes its stacks in reverse order, and nothing of another environment', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    account.deploy('pr-8', DAY);
    account.deploy('staging', DAY);
    const ours = account.startCluster('pr-7', DAY);
    const theirs = account.startCluster('pr-8', DAY);
    const staging = account.startCluster('staging', DAY);

    const report = await teardown('pr-7');

    expect(report.result).toBe('removed');
    expect(account.calls).toEqual([
      `TerminateJobFlows ${ours.id}`,
      ...['query', 'compute', 'ingestion', 'catalog', 'storage'].map((c) => `DeleteStack clickstream-pr-7-${c}`),
    ]);
    expect(report.removed.map((r) => r.id ?? r.name)).toEqual([ours.id, ...['query', 'compute', 'ingestion', 'catalog', 'storage'].map((c) => `clickstream-pr-7-${c}`)]);
    expect(account.liveStacks().filter((s) => s.includes('pr-7'))).toEqual([]);
    expect(account.liveStacks().filter((s) => s.includes('pr-8') || s.includes('staging'))).toHaveLength(11);
    expect([theirs.state, staging.state]).toEqual(['WAITING', 'WAITING']);
    expect(report.message).toBe(`pr-7 in eu-west-1 is destroyed: removed EMR cluster ${ours.id}, ${['query', 'compute', 'ingestion', 'catalog', 'storage'].map((c) => `stack clickstream-pr-7-${c}`).join(', ')}.`);
  });

  it('cancels the job runs still going on a serverless preview\'s application and stops it before deleting its stacks, and leaves ended runs alone', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    const app = account.serverlessCompute('pr-7');
    const running = account.startJobRun('pr-7', app, 'RUNNING');
    const queued = account.startJobRun('pr-7', app, 'QUEUED');
    account.startJobRun('pr-7', app, 'SUCCESS');

    const report = await teardown('pr-7');

    expect(report.result).toBe('removed');
    expect(account.calls).toEqual([
      `CancelJobRun ${running.id}`, `CancelJobRun ${queued.id}`, `StopApplication ${app}`,
      ...['query', 'compute', 'ingestion', 'catalog', 'storage'].map((c) => `DeleteStack clickstream-pr-7-${c}`),
    ]);
    expect(report.message).toContain(`removed EMR Serverless job run ${running.id}, EMR Serverless job run ${queued.id}, stack clickstream-pr-7-query`);
    expect(account.jobRuns.map((r) => r.state)).toEqual(['CANCELLED', 'CANCELLED', 'SUCCESS']);
    expect(account.applications.get(app)!.state).toBe('TERMINATED');
  });

  it('stops an application its last run left started (auto-stop waits 15 idle minutes), which its stack could not delete otherwise', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    const app = account.serverlessCompute('pr-7');
    account.startJobRun('pr-7', app, 'SUCCESS');

    const report = await teardown('pr-7');

    expect(report.result).toBe('removed');
    expect(account.calls.slice(0, 2)).toEqual([`StopApplication ${app}`, 'DeleteStack clickstream-pr-7-query']);
    expect(account.liveStacks().filter((s) => s.includes('pr-7'))).toEqual([]);
  });

  it('says how to stop an application it could not stop, and deletes no stack (CloudFormation would fail to delete it)', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    const app = account.serverlessCompute('pr-7');
    account.startJobRun('pr-7', app, 'SUCCESS');
    account.refuse('StopApplication', Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/teardown is not authorized to perform: emr-serverless:StopApplication'), { name: 'AccessDeniedException' }));

    const report = await teardown('pr-7');

    expect(report.result).toBe('incomplete');
    expect(report.left).toEqual([{
      kind: 'EMR Serverless application',
      name: app,
      status: 'STARTED: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/teardown is not authorized to perform: emr-serverless:StopApplication',
      remedy: `aws emr-serverless stop-application --region eu-west-1 --application-id ${app} (once its job runs ended), then run the teardown again`,
    }]);
    expect(account.calls.filter((c) => c.startsWith('DeleteStack'))).toEqual([]);
  });

  it('says which job run it could not cancel and how to, and deletes no stack while it may still write', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    const app = account.serverlessCompute('pr-7');
    const stuck = account.startJobRun('pr-7', app, 'RUNNING');
    stuck.failCancel = { name: 'AccessDeniedException', message: 'not authorized to perform: emr-serverless:CancelJobRun' };

    const report = await teardown('pr-7');

    expect(report.result).toBe('incomplete');
    expect(report.left).toEqual([{
      kind: 'EMR Serverless job run',
      name: `clickstream-kpi-sensor_health (${stuck.id})`,
      status: 'RUNNING: AccessDeniedException: not authorized to perform: emr-serverless:CancelJobRun',
      remedy: `aws emr-serverless cancel-job-run --region eu-west-1 --application-id ${app} --job-run-id ${stuck.id}`,
    }]);
    expect(account.calls.filter((c) => c.startsWith('DeleteStack'))).toEqual([]);
  });

  it('is harmless a second time: everything is already gone, nothing is deleted', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    await teardown('pr-7');
    account.calls.length = 0;

    const again = await teardown('pr-7');

    expect(again.result).toBe('already-gone');
    expect(account.calls).toEqual([]);
    expect(again.absent).toEqual(['query', 'compute', 'ingestion', 'catalog', 'storage'].map((c) => `clickstream-pr-7-${c}`));
    expect(again.message).toBe('pr-7 in eu-west-1 is already gone: no stack and no running EMR cluster of it.');
    expect(renderTeardownMarkdown(again)).toContain('nothing to destroy');
  });

  it('says what is left and how to remove it when a deletion fails, and finishes on the next run', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    const storage = account.stacks.find((s) => s.name === 'clickstream-pr-7-storage')!;
    storage.failDeletion = {
      logicalId: 'BronzeBucket5DFFF708',
      type: 'AWS::S3::Bucket',
      physicalId: 'clickstream-pr-7-bronze-123456789012',
      reason: 'The bucket you tried to delete is not empty (Service: S3, Status Code: 409)',
    };

    const report = await teardown('pr-7');

    expect(report.result).toBe('incomplete');
    expect(report.removed.map((r) => r.name)).toEqual(['query', 'compute', 'ingestion', 'catalog'].map((c) => `clickstream-pr-7-${c}`));
    expect(report.left).toEqual([
      {
        kind: 'stack',
        name: 'clickstream-pr-7-storage',
        status: 'DELETE_FAILED: The following resource(s) failed to delete: [BronzeBucket5DFFF708].',
        remedy: 'remove the resources below, then run `AWS_REGION=eu-west-1 npx clickstream destroy --target aws --environment pr-7` ' +
          '(or `aws cloudformation delete-stack --region eu-west-1 --stack-name clickstream-pr-7-storage --retain-resources BronzeBucket5DFFF708` and remove them by hand)',
      },
      {
        kind: 'resource',
        name: 'clickstream-pr-7-bronze-123456789012',
        type: 'AWS::S3::Bucket',
        status: 'DELETE_FAILED: The bucket you tried to delete is not empty (Service: S3, Status Code: 409)',
        remedy: 'aws s3 rb --region eu-west-1 s3://clickstream-pr-7-bronze-123456789012 --force',
      },
    ]);
    expect(report.message).toContain('pr-7 in eu-west-1 is not fully destroyed');
    expect(report.message).toContain('Running the teardown again (`AWS_REGION=eu-west-1 npx clickstream destroy --target aws --environment pr-7`) is harmless.');
    const markdown = renderTeardownMarkdown(report);
    expect(markdown).toContain('NOT fully destroyed');
    expect(markdown).toContain('`aws s3 rb --region eu-west-1 s3://clickstream-pr-7-bronze-123456789012 --force`');

    // Someone emptied the bucket: the next teardown deletes the stack left in DELETE_FAILED.
    storage.failDeletion = undefined;
    const again = await teardown('pr-7');
    expect(again.result).toBe('removed');
    expect(again.removed.map((r) => r.name)).toEqual(['clickstream-pr-7-storage']);
    expect(account.liveStacks()).toEqual([]);
  });

  it('leaves a stack whose deployment has not finished, saying to wait, and deletes nothing after it', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    account.stacks.find((s) => s.name === 'clickstream-pr-7-compute')!.status = 'UPDATE_IN_PROGRESS' as never;

    const report = await teardown('pr-7');

    expect(report.result).toBe('incomplete');
    expect(account.calls).toEqual(['DeleteStack clickstream-pr-7-query']);
    expect(report.left.map((l) => [l.name, l.status])).toEqual([
      ['clickstream-pr-7-compute', 'UPDATE_IN_PROGRESS: a deployment of it has not finished'],
      ...['ingestion', 'catalog', 'storage'].map((c) => [`clickstream-pr-7-${c}`, 'not deleted yet: the teardown stops at the first stack that fails']),
    ]);
  });

  it('counts a cluster that ends TERMINATED_WITH_ERRORS as ended, and deletes the stacks', async () => {
    account = fakeAccount();
    account.deploy('pr-7', DAY);
    const failed = account.startCluster('pr-7', DAY);
    failed.endsWithErrors = true;

    const report = await teardown('pr-7');

    expect(failed.state).toBe('TERMINATED_WITH_ERRORS');
    expect(report.result).toBe('removed');
    expect(report.removed[0]).toEqual({ kind: 'EMR cluster', name: failed.name, id: failed.id });
    expect(account.liveStacks()).toEqual([]);
  });

  it('refuses a standing environment before any AWS call', async () => {
    account = fakeAccount();
    account.deploy('staging', DAY);
    await expect(teardown('staging')).rejects.toThrow('Only a pull request\'s preview (pr-<number>) is torn down this way, not "staging".');
    expect(account.apiCalls()).toBe(0);
  });
});
