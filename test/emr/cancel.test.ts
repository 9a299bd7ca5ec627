import { CancelStepsCommand, EMRClient, ListStepsCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { step, steps } from './fakes';
import { cancelRun } from '../../src/emr/cancel';

const emrMock = mockClient(EMRClient);
const emr = new EMRClient({ region: 'eu-west-1' });

beforeEach(() => emrMock.reset());

describe('cancelRun', () => {
  it('terminates the cluster even when cancelling its steps fails, and reports both', async () => {
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', 'a', 'RUNNING')));
    emrMock.on(CancelStepsCommand).rejects(Object.assign(new Error('Cluster is terminating'), { name: 'InvalidRequestException' }));
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });

    const result = await cancelRun({ clusterId: 'j-NEW1', stepIds: ['s-A'], terminateCluster: true }, emr);

    expect(emrMock.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW1'] }]);
    expect(result).toEqual({
      cancelledStepIds: [],
      terminatedClusterId: 'j-NEW1',
      problems: ['Could not cancel steps s-A on cluster j-NEW1: InvalidRequestException: Cluster is terminating.'],
    });
  });

  it('reports a step EMR refused to cancel', async () => {
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', 'a', 'RUNNING'), step('s-B', 'b', 'PENDING')));
    emrMock.on(CancelStepsCommand).resolves({
      $metadata: {},
      CancelStepsInfoList: [{ StepId: 's-A', Status: 'FAILED', Reason: 'Step is already completing' }, { StepId: 's-B', Status: 'SUBMITTED' }],
    });

    const result = await cancelRun({ clusterId: 'j-EXISTING1', stepIds: ['s-A', 's-B'], terminateCluster: false }, emr);

    expect(result).toEqual({
      cancelledStepIds: ['s-B'],
      problems: ['EMR refused to cancel step s-A on cluster j-EXISTING1: Step is already completing.'],
    });
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });

  it('cancels nothing when every step has already ended', async () => {
    emrMock.on(ListStepsCommand).resolves(steps());

    const result = await cancelRun({ clusterId: 'j-EXISTING1', stepIds: ['s-A'], terminateCluster: false }, emr);

    expect(result).toEqual({ cancelledStepIds: [], problems: [] });
    expect(emrMock.commandCalls(CancelStepsCommand)).toHaveLength(0);
  });

  it('tells the user to terminate by hand when termination fails', async () => {
    emrMock.on(ListStepsCommand).resolves(steps());
    emrMock.on(TerminateJobFlowsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    const result = await cancelRun({ clusterId: 'j-NEW1', stepIds: [], terminateCluster: true }, emr);

    expect(result.problems).toEqual([
      'Could not terminate cluster j-NEW1: AccessDeniedException: not authorized. Terminate it in the EMR console: it costs money while it runs.',
    ]);
  });
});
