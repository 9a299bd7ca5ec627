import { gzipSync } from 'node:zlib';
import {
  AddJobFlowStepsCommand, CancelStepsCommand, DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand, TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cluster, fakeTime, step, steps } from './fakes';
import { parseEmrRunInputs } from '../../src/emr/run-inputs';
import { EmrRunOptions, runKpisOnEmr } from '../../src/emr/run-kpis';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

// EMR cannot run here, so it is mocked; the step logs are read from the emulator's S3.
const emrMock = mockClient(EMRClient);
const emr = new EMRClient({ region: 'eu-west-1' });
let fixture: EmulatorFixture;

beforeAll(async () => {
  fixture = await startEmulatorFixture();
});
afterAll(async () => {
  await fixture?.stop();
});

const inputs = {
  'account-id': '123456789012',
  'region': 'eu-west-1',
  'scripts-version': '0f3c2a9d',
  'from-date': '2026-11-01',
  'to-date': '2026-11-02',
  'jobs': 'sensor_health,temp_humidity',
  'use-spot': 'true',
  'subnet-id': 'subnet-0abc1234def567890',
};
const identity = { repository: 'acme/clickstream', runId: '4242' };
const transient = parseEmrRunInputs(inputs, identity, {}).options;
const existing = parseEmrRunInputs({ ...inputs, 'mode': 'existing', 'cluster-id': 'j-EXISTING1' }, identity, {}).options;

const NAMES = ['clickstream-kpi-sensor_health', 'clickstream-kpi-temp_humidity'];
const t0 = Date.parse('2026-11-20T06:00:00Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

beforeEach(() => {
  emrMock.reset();
});

/** A transient cluster whose steps are listed by name after RunJobFlow, and then report `final`. */
function transientCluster(final: ListStepsOutputs) {
  emrMock.on(RunJobFlowCommand).resolves({ $metadata: {}, JobFlowId: 'j-NEW1' });
  emrMock.on(ListStepsCommand).resolves(final);
  emrMock.on(ListStepsCommand, { ClusterId: 'j-NEW1', StepIds: undefined }).resolves(steps(step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'PENDING')));
}
type ListStepsOutputs = ReturnType<typeof steps>;

function run(options: EmrRunOptions, extra: { signal?: AbortSignal; events?: string[] } = {}) {
  const time = fakeTime(t0);
  return runKpisOnEmr(options, {
    emr,
    s3: fixture.clients.s3,
    clock: time.clock,
    sleep: time.sleep,
    signal: extra.signal,
    onClusterCreated: (id) => void extra.events?.push(`created ${id}`),
    onSubmitted: (s) => void extra.events?.push(`submitted ${s.clusterId} ${s.stepIds.join(',')}`),
  });
}

describe('runKpisOnEmr, transient cluster', () => {
  it('sends the exact RunJobFlow request and reports each step, the cluster and its instance hours', async () => {
    transientCluster(steps(
      step('s-B', NAMES[1], 'COMPLETED', { Timeline: { StartDateTime: at(10), EndDateTime: at(14) } }),
      step('s-A', NAMES[0], 'COMPLETED', { Timeline: { StartDateTime: at(6), EndDateTime: at(10) } }),
    ));
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATING', { hours: 24, reason: { Code: 'ALL_STEPS_COMPLETED' } }));
    const events: string[] = [];

    const report = await run(transient, { events });

    expect(emrMock.commandCalls(RunJobFlowCommand)[0].args[0].input).toMatchSnapshot();
    expect(events).toEqual(['created j-NEW1', 'submitted j-NEW1 s-A,s-B']);
    expect(report).toEqual({
      result: 'completed',
      message: `All 2 step(s) completed on cluster j-NEW1: s-A (${NAMES[0]}), s-B (${NAMES[1]}).`,
      clusterId: 'j-NEW1',
      createdCluster: true,
      // The steps' one run id, named after the workflow run: its tables wait on audit_run_4242.
      runId: 'run_4242',
      steps: [
        { id: 's-A', name: NAMES[0], state: 'COMPLETED', durationSeconds: 240 },
        { id: 's-B', name: NAMES[1], state: 'COMPLETED', durationSeconds: 240 },
      ],
      durationSeconds: 0,
      normalizedInstanceHours: 24,
    });
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });

  it('on timeout cancels the unfinished steps and terminates the cluster it created', async () => {
    transientCluster(steps(step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'RUNNING')));
    emrMock.on(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] }).resolves(steps(step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'RUNNING')));
    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING'));
    emrMock.on(CancelStepsCommand).resolves({
      $metadata: {},
      CancelStepsInfoList: [{ StepId: 's-B', Status: 'SUBMITTED' }, { StepId: 's-A', Status: 'SUBMITTED' }],
    });
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });

    const report = await run(transient);

    expect(report.result).toBe('timed-out');
    expect(report.message).toMatch(/^Timed out after 60 minute\(s\) with 2 unfinished step\(s\)/);
    expect(report.durationSeconds).toBe(3600);
    expect(emrMock.commandCalls(CancelStepsCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterId: 'j-NEW1', StepIds: ['s-B', 's-A'], StepCancellationOption: 'SEND_INTERRUPT' },
    ]);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW1'] }]);
    expect(report.cleanup).toEqual({ cancelledStepIds: ['s-B', 's-A'], terminatedClusterId: 'j-NEW1', problems: [] });
  });

  it('on abort (SIGINT, a cancelled workflow) cancels and terminates too', async () => {
    transientCluster(steps(step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'PENDING')));
    emrMock.on(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] }).resolves(steps(step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'PENDING')));
    emrMock.on(DescribeClusterCommand).resolves(cluster('STARTING'));
    emrMock.on(CancelStepsCommand).resolves({ $metadata: {}, CancelStepsInfoList: [{ StepId: 's-B', Status: 'SUBMITTED' }, { StepId: 's-A', Status: 'SUBMITTED' }] });
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });
    const controller = new AbortController();
    controller.abort();

    const report = await run(transient, { signal: controller.signal });

    expect(report.result).toBe('aborted');
    expect(emrMock.commandCalls(CancelStepsCommand)).toHaveLength(1);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW1'] }]);
  });

  it('terminates the cluster it created when polling fails, and says so in the error', async () => {
    transientCluster(steps(step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'PENDING')));
    emrMock.on(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] }).resolves(steps());
    emrMock.on(DescribeClusterCommand).rejects(Object.assign(new Error('User is not authorized to perform: elasticmapreduce:DescribeCluster'), { name: 'AccessDeniedException' }));
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });

    await expect(run(transient)).rejects.toThrow(
      'User is not authorized to perform: elasticmapreduce:DescribeCluster (after submitting to cluster j-NEW1; terminated cluster j-NEW1)',
    );
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
  });

  it('on a failed step shows the tail of its gzipped log from the cluster\'s log bucket', async () => {
    const failure = { Reason: 'Unknown Error.', LogFile: 's3://clickstream-dev-logs-123456789012/emr/j-NEW1/steps/s-A/stderr.gz' };
    transientCluster(steps(step('s-B', NAMES[1], 'CANCELLED'), step('s-A', NAMES[0], 'FAILED', { FailureDetails: failure })));
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATED_WITH_ERRORS', { reason: { Code: 'STEP_FAILURE', Message: 'Shut down as step failed' } }));
    await fixture.clients.s3.send(new CreateBucketCommand({ Bucket: 'clickstream-dev-logs-123456789012' }));
    await fixture.clients.s3.send(new PutObjectCommand({
      Bucket: 'clickstream-dev-logs-123456789012',
      Key: 'emr/j-NEW1/steps/s-A/stderr.gz',
      Body: gzipSync('Traceback (most recent call last):\nValueError: BRONZE_PATH has no Parquet files\n'),
    }));

    const report = await run(transient);

    expect(report.result).toBe('step-failed');
    expect(report.message).toBe(
      `Step s-A (${NAMES[0]}) FAILED on cluster j-NEW1: Unknown Error. Log: s3://clickstream-dev-logs-123456789012/emr/j-NEW1/steps/s-A/stderr.gz.`,
    );
    expect(report.logs).toEqual({
      found: true,
      tails: [{
        uri: 's3://clickstream-dev-logs-123456789012/emr/j-NEW1/steps/s-A/stderr.gz',
        lines: ['Traceback (most recent call last):', 'ValueError: BRONZE_PATH has no Parquet files'],
      }],
    });
  });
});

describe('runKpisOnEmr, existing cluster', () => {
  it('sends the exact AddJobFlowSteps request and never terminates the cluster', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    emrMock.on(AddJobFlowStepsCommand).resolves({ $metadata: {}, StepIds: ['s-A', 's-B'] });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', NAMES[0], 'COMPLETED'), step('s-B', NAMES[1], 'COMPLETED')));

    const report = await run(existing);

    expect(emrMock.commandCalls(AddJobFlowStepsCommand)[0].args[0].input).toMatchSnapshot();
    expect(report.result).toBe('completed');
    expect(report.createdCluster).toBe(false);
    expect(emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(0);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });

  it('on timeout cancels its own unfinished steps but leaves the cluster running', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING'));
    emrMock.on(AddJobFlowStepsCommand).resolves({ $metadata: {}, StepIds: ['s-A', 's-B'] });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', NAMES[0], 'COMPLETED'), step('s-B', NAMES[1], 'RUNNING')));
    emrMock.on(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] }).resolves(steps(step('s-B', NAMES[1], 'RUNNING')));
    emrMock.on(CancelStepsCommand).resolves({ $metadata: {}, CancelStepsInfoList: [{ StepId: 's-B', Status: 'SUBMITTED' }] });

    const report = await run(existing);

    expect(report.result).toBe('timed-out');
    expect(emrMock.commandCalls(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] })[0].args[0].input.StepIds).toEqual(['s-A', 's-B']);
    expect(emrMock.commandCalls(CancelStepsCommand).map((c) => c.args[0].input.StepIds)).toEqual([['s-B']]);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
    expect(report.cleanup).toEqual({ cancelledStepIds: ['s-B'], problems: [] });
  });

  it('refuses a cluster that has ended, before adding steps', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATED', { reason: { Code: 'USER_REQUEST', Message: 'Terminated by user request' } }));

    await expect(run(existing)).rejects.toThrow(
      'Cluster j-EXISTING1 is TERMINATED (USER_REQUEST: Terminated by user request) and cannot run steps; pass the id of a WAITING or RUNNING cluster, or use mode "transient".',
    );
    expect(emrMock.commandCalls(AddJobFlowStepsCommand)).toHaveLength(0);
  });
});
