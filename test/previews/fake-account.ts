import {
  CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, ListStackResourcesCommand, ListStacksCommand, StackStatus,
} from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand, EMRClient, ListClustersCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { EMR_ENVIRONMENT_TAG } from '../../src/config/names';
import { stackConcernsOf, stackName } from '../../src/config/stack-outputs';
import { sentRequests } from '../contract/recorder';

/** A stack of the fake account. */
export interface FakeStack {
  readonly id: string;
  readonly name: string;
  status: StackStatus;
  readonly createdAt: Date;
  /** Set: the next deletion fails, leaving this resource (CloudFormation's DELETE_FAILED). */
  failDeletion?: { readonly logicalId: string; readonly type: string; readonly physicalId: string; readonly reason: string };
  reason?: string;
}

export interface FakeCluster {
  readonly id: string;
  readonly name: string;
  state: 'WAITING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'TERMINATED_WITH_ERRORS';
  readonly tags: Record<string, string>;
  /** Set: terminating it ends in TERMINATED_WITH_ERRORS (a spot cluster that lost its nodes, a failed step). */
  endsWithErrors?: boolean;
  readonly createdAt: Date;
}

const validationError = (message: string) => Object.assign(new Error(message), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });

/**
 * CloudFormation and EMR of one account, answering as their API references say: DescribeStacks by
 * name of a stack that does not exist (or was deleted) is a ValidationError, by its id a deleted
 * stack is DELETE_COMPLETE; DeleteStack of a stack that does not exist succeeds; ListStacks shows
 * deleted stacks only when asked for DELETE_COMPLETE; ListClusters filters by state and returns no
 * tags (DescribeCluster does); TerminateJobFlows ends the clusters, in TERMINATED or, for one that
 * failed, TERMINATED_WITH_ERRORS (EMR API reference, ClusterStatus: both are final).
 */
export function fakeAccount() {
  const stacks: FakeStack[] = [];
  const clusters: FakeCluster[] = [];
  const calls: string[] = [];
  const cloudFormation = mockClient(CloudFormationClient);
  const emr = mockClient(EMRClient);
  const live = (key: string) => stacks.find((s) => (s.name === key && s.status !== StackStatus.DELETE_COMPLETE) || s.id === key);

  cloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const stack = live(input.StackName);
    if (!stack) throw validationError(`Stack with id ${input.StackName} does not exist`);
    const description = { StackId: stack.id, StackName: stack.name, StackStatus: stack.status, StackStatusReason: stack.reason };
    return { Stacks: [{ ...description, CreationTime: stack.createdAt }] };
  });
  cloudFormation.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
    calls.push(`DeleteStack ${input.StackName}`);
    const stack = live(input.StackName);
    if (!stack) return {};
    if (stack.failDeletion) {
      stack.status = StackStatus.DELETE_FAILED;
      stack.reason = `The following resource(s) failed to delete: [${stack.failDeletion.logicalId}].`;
    } else {
      stack.status = StackStatus.DELETE_COMPLETE;
    }
    return {};
  });
  cloudFormation.on(ListStackResourcesCommand).callsFake((input: { StackName: string }) => {
    const stack = live(input.StackName)!;
    const failed = stack.failDeletion;
    return {
      StackResourceSummaries: [
        { LogicalResourceId: 'Other', ResourceType: 'AWS::S3::BucketPolicy', ResourceStatus: 'DELETE_COMPLETE' },
        ...(failed && stack.status === StackStatus.DELETE_FAILED
          ? [{ LogicalResourceId: failed.logicalId, PhysicalResourceId: failed.physicalId, ResourceType: failed.type, ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: failed.reason }]
          : []),
      ],
    };
  });
  cloudFormation.on(ListStacksCommand).callsFake((input: { StackStatusFilter?: string[] }) => ({
    StackSummaries: stacks
      .filter((s) => !input.StackStatusFilter || input.StackStatusFilter.includes(s.status))
      .map((s) => ({ StackId: s.id, StackName: s.name, StackStatus: s.status, CreationTime: s.createdAt })),
  }));

  emr.on(ListClustersCommand).callsFake((input: { ClusterStates?: string[] }) => ({
    Clusters: clusters
      .filter((c) => !input.ClusterStates || input.ClusterStates.includes(c.state))
      .map((c) => ({ Id: c.id, Name: c.name, Status: { State: c.state, Timeline: { CreationDateTime: c.createdAt } } })),
  }));
  emr.on(DescribeClusterCommand).callsFake((input: { ClusterId: string }) => {
    const cluster = clusters.find((c) => c.id === input.ClusterId)!;
    const tags = Object.entries(cluster.tags).map(([Key, Value]) => ({ Key, Value }));
    return { Cluster: { Id: cluster.id, Name: cluster.name, Status: { State: cluster.state }, Tags: tags } };
  });
  emr.on(TerminateJobFlowsCommand).callsFake((input: { JobFlowIds: string[] }) => {
    calls.push(`TerminateJobFlows ${input.JobFlowIds.join(',')}`);
    for (const cluster of clusters.filter((c) => input.JobFlowIds.includes(c.id))) cluster.state = cluster.endsWithErrors ? 'TERMINATED_WITH_ERRORS' : 'TERMINATED';
    return {};
  });

  let ids = 0;
  return {
    stacks,
    clusters,
    calls,
    clients: { cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }), emr: new EMRClient({ region: 'eu-west-1' }) },
    /** Deploys an environment's stacks (or the given concerns) at a time. */
    deploy(environment: string, createdAt: Date, concerns = stackConcernsOf(environment as never)) {
      for (const concern of concerns) {
        const name = stackName(environment as never, concern);
        stacks.push({ id: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/${++ids}`, name, status: StackStatus.CREATE_COMPLETE, createdAt });
      }
    },
    startCluster(environment: string, createdAt: Date) {
      const cluster: FakeCluster = { id: `j-${String(++ids).padStart(6, '0')}`, name: `clickstream-${environment}-kpis`, state: 'WAITING', tags: { [EMR_ENVIRONMENT_TAG]: environment }, createdAt };
      clusters.push(cluster);
      return cluster;
    },
    /** Every request sent to either service, for the permission contract. */
    requests: () => sentRequests(cloudFormation, emr),
    /** Every call to either service, reads included. */
    apiCalls: () => cloudFormation.calls().length + emr.calls().length,
    liveStacks: () => stacks.filter((s) => s.status !== StackStatus.DELETE_COMPLETE).map((s) => s.name),
    restore() {
      cloudFormation.restore();
      emr.restore();
    },
  };
}
