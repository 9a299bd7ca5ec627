import { DescribeClusterCommand, EMRClient, ListStepsCommand } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cluster, fakeTime, step, steps } from './fakes';
import { waitForSteps } from '../../src/emr/wait-for-steps';

const emrMock = mockClient(EMRClient);
const emr = new EMRClient({ region: 'eu-west-1' });
const ids = ['s-1', 's-2'];
const HOUR = 3_600_000;

beforeEach(() => emrMock.reset());

function run(time = fakeTime(), timeoutMs = HOUR, signal?: AbortSignal) {
  return waitForSteps({ clusterId: 'j-CLUSTER1', stepIds: ids, timeoutMs, signal }, { emr, clock: time.clock, sleep: time.sleep });
}

describe('waitForSteps', () => {
  it('completes when every step is COMPLETED, after polling through PENDING and RUNNING', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING', { hours: 16 }));
    emrMock.on(ListStepsCommand)
      .resolvesOnce(steps(step('s-2', 'clickstream-kpi-temp_humidity', 'PENDING'), step('s-1', 'clickstream-kpi-sensor_health', 'RUNNING')))
      .resolvesOnce(steps(step('s-2', 'clickstream-kpi-temp_humidity', 'RUNNING'), step('s-1', 'clickstream-kpi-sensor_health', 'COMPLETED')))
      .resolves(steps(step('s-2', 'clickstream-kpi-temp_humidity', 'COMPLETED'), step('s-1', 'clickstream-kpi-sensor_health', 'COMPLETED')));
    const time = fakeTime();

    const outcome = await run(time);

    expect(outcome.kind).toBe('completed');
    expect(outcome.message).toBe('All 2 step(s) completed on cluster j-CLUSTER1: s-1 (clickstream-kpi-sensor_health), s-2 (clickstream-kpi-temp_humidity).');
    expect(outcome.steps.map((s) => s.id)).toEqual(ids);
    expect(outcome.cluster.normalizedInstanceHours).toBe(16);
    expect(time.sleeps).toEqual([15_000, 22_500]);
    expect(emrMock.commandCalls(ListStepsCommand)[0].args[0].input).toEqual({ ClusterId: 'j-CLUSTER1', StepIds: ids });
  });

  it('reports a FAILED step with EMR\'s failure details and log file, after the other steps end', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    const failure = { Reason: 'Py4JJavaError', Message: 'Table glue.analytics.sensor_health not found', LogFile: 's3://logs/emr/j-CLUSTER1/steps/s-1/stderr.gz' };
    emrMock.on(ListStepsCommand)
      .resolvesOnce(steps(step('s-1', 'clickstream-kpi-sensor_health', 'FAILED', { FailureDetails: failure }), step('s-2', 'clickstream-kpi-temp_humidity', 'RUNNING')))
      .resolves(steps(step('s-1', 'clickstream-kpi-sensor_health', 'FAILED', { FailureDetails: failure }), step('s-2', 'clickstream-kpi-temp_humidity', 'COMPLETED')));

    const outcome = await run();

    expect(outcome.kind).toBe('step-failed');
    if (outcome.kind !== 'step-failed') return;
    expect(outcome.failedSteps.map((s) => s.id)).toEqual(['s-1']);
    expect(outcome.message).toBe(
      'Step s-1 (clickstream-kpi-sensor_health) FAILED on cluster j-CLUSTER1: Py4JJavaError: Table glue.analytics.sensor_health not found. ' +
      'Log: s3://logs/emr/j-CLUSTER1/steps/s-1/stderr.gz.',
    );
    expect(emrMock.commandCalls(ListStepsCommand)).toHaveLength(2);
  });

  it('names every failed step and says when EMR gave no details', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'FAILED'), step('s-2', 'b', 'FAILED')));

    const outcome = await run();

    expect(outcome.message).toBe('Step s-1 (a) FAILED on cluster j-CLUSTER1: EMR gave no failure details. Also failed: s-2 (b).');
  });

  it('reports a step CANCELLED by someone else', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'COMPLETED'), step('s-2', 'b', 'CANCELLED')));

    const outcome = await run();

    expect(outcome.kind).toBe('step-cancelled');
    expect(outcome.message).toContain('Step(s) s-2 (b) were CANCELLED on cluster j-CLUSTER1');
  });

  it('reports an INTERRUPTED step with EMR\'s reason', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    emrMock.on(ListStepsCommand).resolves(steps(
      step('s-1', 'a', 'INTERRUPTED', { StateChangeReason: { Message: 'The core node running the step was lost' } }),
      step('s-2', 'b', 'COMPLETED'),
    ));

    const outcome = await run();

    expect(outcome.kind).toBe('step-interrupted');
    expect(outcome.message).toBe('Step s-1 (a) was INTERRUPTED on cluster j-CLUSTER1: The core node running the step was lost.');
  });

  it('reports a cluster that dies mid-run with its state-change reason, without waiting for its steps', async () => {
    emrMock.on(DescribeClusterCommand)
      .resolvesOnce(cluster('RUNNING'))
      .resolves(cluster('TERMINATED_WITH_ERRORS', { reason: { Code: 'INSTANCE_FAILURE', Message: 'Primary instance i-0abc failed' } }));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'RUNNING'), step('s-2', 'b', 'PENDING')));

    const outcome = await run();

    expect(outcome.kind).toBe('cluster-terminated');
    expect(outcome.message).toBe(
      'Cluster j-CLUSTER1 is TERMINATED_WITH_ERRORS (INSTANCE_FAILURE: Primary instance i-0abc failed) before all steps completed: s-1 (a) RUNNING, s-2 (b) PENDING.',
    );
    expect(emrMock.commandCalls(DescribeClusterCommand)).toHaveLength(2);
  });

  it('blames the cluster when its death left the steps cancelled', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATED_WITH_ERRORS', { reason: { Code: 'BOOTSTRAP_FAILURE', Message: 'On the master instance, bootstrap action 1 returned a non-zero return code' } }));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'CANCELLED'), step('s-2', 'b', 'CANCELLED')));

    const outcome = await run();

    expect(outcome.kind).toBe('cluster-terminated');
    expect(outcome.message).toContain('BOOTSTRAP_FAILURE: On the master instance, bootstrap action 1 returned a non-zero return code');
  });

  it('reports a failed step, and the cluster\'s own error, when the cluster failed too', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATED_WITH_ERRORS', { reason: { Code: 'INTERNAL_ERROR', Message: 'EMR internal error' } }));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'FAILED', { FailureDetails: { Reason: 'Unknown Error.' } }), step('s-2', 'b', 'CANCELLED')));

    const outcome = await run();

    expect(outcome.kind).toBe('step-failed');
    expect(outcome.message).toBe('Step s-1 (a) FAILED on cluster j-CLUSTER1: Unknown Error. Cluster j-CLUSTER1 is TERMINATED_WITH_ERRORS (INTERNAL_ERROR: EMR internal error).');
  });

  it('does not call a transient cluster that ended after its last step a failure', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATING', { reason: { Code: 'ALL_STEPS_COMPLETED', Message: 'Steps completed' } }));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'COMPLETED'), step('s-2', 'b', 'COMPLETED')));

    expect((await run()).kind).toBe('completed');
  });

  it('times out under the overall limit, backing off between polls and never sleeping past the deadline', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING'));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'RUNNING'), step('s-2', 'b', 'PENDING')));
    const time = fakeTime();

    const outcome = await run(time, 4 * 60_000);

    expect(outcome.kind).toBe('timed-out');
    expect(outcome.message).toBe(
      'Timed out after 4 minute(s) with 2 unfinished step(s) (s-1 (a) RUNNING, s-2 (b) PENDING) on cluster j-CLUSTER1; raise timeout-minutes or shrink the date window.',
    );
    expect(time.sleeps).toEqual([15_000, 22_500, 33_750, 50_625, 60_000, 58_125]);
    expect(time.sleeps.reduce((a, b) => a + b)).toBe(4 * 60_000);
  });

  it('stops with an aborted outcome when the signal fires', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING'));
    emrMock.on(ListStepsCommand).resolves(steps(step('s-1', 'a', 'RUNNING'), step('s-2', 'b', 'PENDING')));
    const controller = new AbortController();
    const time = fakeTime();
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      controller.abort();
    };

    const outcome = await waitForSteps(
      { clusterId: 'j-CLUSTER1', stepIds: ids, timeoutMs: HOUR, signal: controller.signal },
      { emr, clock: time.clock, sleep },
    );

    expect(outcome.kind).toBe('aborted');
    expect(outcome.message).toBe('The run was cancelled while 2 unfinished step(s) (s-1 (a) RUNNING, s-2 (b) PENDING) on cluster j-CLUSTER1.');
  });
});
