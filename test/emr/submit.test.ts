import { EventEmitter } from 'node:events';
import { DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cluster, fakeTime, step, steps } from './fakes';
import { abortOnSignals } from '../../src/emr/abort-on-signals';
import { parseEmrRunInputs } from '../../src/emr/run-inputs';
import { runKpisOnEmr } from '../../src/emr/run-kpis';

const emrMock = mockClient(EMRClient);
const emr = new EMRClient({ region: 'eu-west-1' });
const s3 = new S3Client({ region: 'eu-west-1' });
const { options } = parseEmrRunInputs({ 'account-id': '123456789012', 'region': 'eu-west-1', 'scripts-version': 'abc', 'jobs': 'sensor_health', 'subnet-id': 'subnet-0abc1234def567890' }, {}, {});

beforeEach(() => emrMock.reset());

describe('submitting to a transient cluster', () => {
  it('looks the step ids up again when the new cluster does not list its steps yet', async () => {
    emrMock.on(RunJobFlowCommand).resolves({ $metadata: {}, JobFlowId: 'j-NEW1' });
    emrMock.on(ListStepsCommand, { ClusterId: 'j-NEW1', StepIds: undefined })
      .resolvesOnce(steps())
      .resolves(steps(step('s-A', 'clickstream-kpi-sensor_health', 'PENDING')));
    const time = fakeTime();
    const submitted: string[] = [];

    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING'));
    emrMock.on(ListStepsCommand, { StepIds: ['s-A'] }).resolves(steps(step('s-A', 'clickstream-kpi-sensor_health', 'COMPLETED')));
    const report = await runKpisOnEmr(options, { emr, s3, ...time, onSubmitted: (s) => void submitted.push(...s.stepIds) });

    expect(submitted).toEqual(['s-A']);
    expect(time.sleeps).toEqual([5_000]);
    expect(report.result).toBe('completed');
  });

  it('terminates the new cluster when its steps never show up', async () => {
    emrMock.on(RunJobFlowCommand).resolves({ $metadata: {}, JobFlowId: 'j-NEW1' });
    emrMock.on(ListStepsCommand).resolves(steps());
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });

    await expect(runKpisOnEmr(options, { emr, s3, ...fakeTime() })).rejects.toThrow(
      'Cluster j-NEW1 does not list the submitted steps clickstream-kpi-sensor_health. (after submitting to cluster j-NEW1; terminated cluster j-NEW1)',
    );
    expect(emrMock.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW1'] }]);
  });
});

describe('abortOnSignals', () => {
  it('aborts on SIGTERM and stops listening once disposed', () => {
    const proc = new EventEmitter();
    const { signal, dispose } = abortOnSignals(['SIGINT', 'SIGTERM'], proc as never);
    proc.emit('SIGTERM');
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('Received SIGTERM');
    dispose();
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });
});
