import {
  CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, ListStackResourcesCommand, ListStacksCommand, StackStatus,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeClusterCommand, EMRClient, ListClustersCommand, ListStepsCommand, RunJobFlowCommand, RunJobFlowCommandInput, TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import {
  ApplicationState, CancelJobRunCommand, EMRServerlessClient, GetApplicationCommand, GetJobRunCommand, JobRunState, ListJobRunsCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-emr-serverless';
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
  /** Its outputs (DescribeStacks' Outputs). */
  outputs?: Record<string, string>;
}

/** A job run on a preview's EMR Serverless application. */
export interface FakeJobRun {
  readonly applicationId: string;
  readonly id: string;
  readonly name: string;
  state: JobRunState;
  readonly tags: Readonly<Record<string, string>>;
  /** Set: CancelJobRun answers this error (e.g. the run ended in between). */
  failCancel?: { readonly name: string; readonly message: string };
}

export interface FakeCluster {
  readonly id: string;
  readonly name: string;
  state: 'WAITING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'TERMINATED_WITH_ERRORS';
  readonly tags: Record<string, string>;
  /** Set: terminating it ends in TERMINATED_WITH_ERRORS (a spot cluster that lost its nodes, a failed step). */
  endsWithErrors?: boolean;
  readonly createdAt: Date;
  /** A cluster RunJobFlow started: its steps, run one after the other on the account's timeline. */
  readonly run?: { readonly steps: readonly string[]; readonly keepAlive: boolean; readonly idleTimeoutSeconds?: number };
  /** When it reached TERMINATED. */
  endedAt?: Date;
}

/** How long EMR takes on the fake account's timeline. */
export interface FakeEmrTimes {
  /** From RunJobFlow to the first step running. @default 420 (7 minutes) */
  readonly provisionSeconds?: number;
  /** Each step's run. @default 300 */
  readonly stepSeconds?: number;
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
export function fakeAccount(options: { readonly now?: () => number; readonly emrTimes?: FakeEmrTimes } = {}) {
  const now = options.now ?? Date.now;
  const provision = (options.emrTimes?.provisionSeconds ?? 420) * 1000;
  const stepMs = (options.emrTimes?.stepSeconds ?? 300) * 1000;
  const stacks: FakeStack[] = [];
  const clusters: FakeCluster[] = [];
  const calls: string[] = [];
  const cloudFormation = mockClient(CloudFormationClient);
  const emr = mockClient(EMRClient);
  const serverless = mockClient(EMRServerlessClient);
  const jobRuns: FakeJobRun[] = [];
  /** EMR Serverless applications by id, in their ApplicationState. */
  const applications = new Map<string, { state: ApplicationState }>();
  const live = (key: string) => stacks.find((s) => (s.name === key && s.status !== StackStatus.DELETE_COMPLETE) || s.id === key);

  cloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const stack = live(input.StackName);
    if (!stack) throw validationError(`Stack with id ${input.StackName} does not exist`);
    const description = {
      StackId: stack.id,
      StackName: stack.name,
      StackStatus: stack.status,
      StackStatusReason: stack.reason,
      Outputs: Object.entries(stack.outputs ?? {}).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    };
    return { Stacks: [{ ...description, CreationTime: stack.createdAt }] };
  });
  cloudFormation.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
    calls.push(`DeleteStack ${input.StackName}`);
    const stack = live(input.StackName);
    if (!stack) return {};
    // DeleteApplication, which CloudFormation calls for AWS::EMRServerless::Application, refuses an
    // application that is not CREATED or STOPPED (API Reference, "DeleteApplication"), and the stack's
    // deletion fails with it ("Application ... must be in of the following statuses [CREATED, STOPPED].
    // Current status: STARTED": gchq/sleeper#2909, a teardown that deleted the stack of a started application).
    const applicationId = stack.outputs?.ServerlessApplicationId;
    const application = applicationId ? applications.get(applicationId) : undefined;
    if (application && application.state !== 'CREATED' && application.state !== 'STOPPED') {
      stack.failDeletion = {
        logicalId: 'ServerlessApplication',
        type: 'AWS::EMRServerless::Application',
        physicalId: applicationId!,
        reason: `Invalid request provided: Application ${applicationId} must be in of the following statuses [CREATED, STOPPED]. Current status: ${application.state}`,
      };
    } else if (application) {
      application.state = 'TERMINATED';
    }
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

  /**
   * Moves a started cluster along the timeline (EMR API reference, JobFlowInstancesConfig:
   * KeepJobFlowAliveWhenNoSteps false ends the cluster after its last step; true keeps it WAITING
   * until terminated or, with an AutoTerminationPolicy, idle for IdleTimeout seconds).
   */
  const advance = (cluster: FakeCluster) => {
    if (!cluster.run || cluster.endedAt) return;
    const stepsEnd = cluster.createdAt.getTime() + provision + cluster.run.steps.length * stepMs;
    const end = !cluster.run.keepAlive ? stepsEnd : cluster.run.idleTimeoutSeconds ? stepsEnd + cluster.run.idleTimeoutSeconds * 1000 : undefined;
    if (end !== undefined && now() >= end) {
      cluster.state = 'TERMINATED';
      cluster.endedAt = new Date(end);
    } else {
      cluster.state = now() >= stepsEnd ? 'WAITING' : 'RUNNING';
    }
  };
  const stepState = (cluster: FakeCluster, i: number) => {
    const started = cluster.createdAt.getTime() + provision + i * stepMs;
    const at = Math.min(now(), cluster.endedAt?.getTime() ?? Infinity);
    if (at >= started + stepMs) return 'COMPLETED';
    if (cluster.endedAt) return 'CANCELLED';
    return at >= started ? 'RUNNING' : 'PENDING';
  };
  let started = 0;
  emr.on(RunJobFlowCommand).callsFake((input: RunJobFlowCommandInput) => {
    calls.push(`RunJobFlow ${input.Name}`);
    const cluster: FakeCluster = {
      id: `j-RUN${++started}`,
      name: input.Name!,
      state: 'RUNNING',
      tags: Object.fromEntries((input.Tags ?? []).map((t) => [t.Key!, t.Value!])),
      createdAt: new Date(now()),
      run: {
        steps: (input.Steps ?? []).map((step) => step.Name!),
        keepAlive: input.Instances?.KeepJobFlowAliveWhenNoSteps ?? false,
        idleTimeoutSeconds: input.AutoTerminationPolicy?.IdleTimeout,
      },
    };
    clusters.push(cluster);
    return { JobFlowId: cluster.id };
  });
  emr.on(ListStepsCommand).callsFake((input: { ClusterId: string; StepIds?: string[] }) => {
    const cluster = clusters.find((c) => c.id === input.ClusterId)!;
    advance(cluster);
    const all = (cluster.run?.steps ?? []).map((Name, i) => ({ Id: `s-${cluster.id}-${i}`, Name, Status: { State: stepState(cluster, i) } }));
    // ListSteps returns the newest step first (EMR API reference, ListSteps).
    return { Steps: all.filter((s) => !input.StepIds || input.StepIds.includes(s.Id)).reverse() };
  });

  emr.on(ListClustersCommand).callsFake((input: { ClusterStates?: string[] }) => ({
    Clusters: clusters
      .filter((c) => !input.ClusterStates || input.ClusterStates.includes(c.state))
      .map((c) => ({ Id: c.id, Name: c.name, Status: { State: c.state, Timeline: { CreationDateTime: c.createdAt } } })),
  }));
  emr.on(DescribeClusterCommand).callsFake((input: { ClusterId: string }) => {
    const cluster = clusters.find((c) => c.id === input.ClusterId)!;
    advance(cluster);
    const tags = Object.entries(cluster.tags).map(([Key, Value]) => ({ Key, Value }));
    return { Cluster: { Id: cluster.id, Name: cluster.name, Status: { State: cluster.state }, Tags: tags } };
  });
  emr.on(TerminateJobFlowsCommand).callsFake((input: { JobFlowIds: string[] }) => {
    calls.push(`TerminateJobFlows ${input.JobFlowIds.join(',')}`);
    for (const cluster of clusters.filter((c) => input.JobFlowIds.includes(c.id))) {
      advance(cluster);
      if (cluster.endedAt) continue;
      cluster.state = cluster.endsWithErrors ? 'TERMINATED_WITH_ERRORS' : 'TERMINATED';
      cluster.endedAt = new Date(now());
    }
    return {};
  });

  // EMR Serverless API Reference: ListJobRuns filters by `states`; CancelJobRun moves a run to CANCELLING.
  serverless.on(ListJobRunsCommand).callsFake((input: { applicationId: string; states?: string[] }) => ({
    jobRuns: jobRuns
      .filter((r) => r.applicationId === input.applicationId && (!input.states || input.states.includes(r.state)))
      .map((r) => ({ applicationId: r.applicationId, id: r.id, name: r.name, state: r.state, arn: 'arn', createdBy: 'x', createdAt: new Date(0), updatedAt: new Date(0), executionRole: 'x', releaseLabel: 'emr-7.12.0', type: 'Spark' })),
  }));
  serverless.on(CancelJobRunCommand).callsFake((input: { applicationId: string; jobRunId: string }) => {
    calls.push(`CancelJobRun ${input.jobRunId}`);
    const run = jobRuns.find((r) => r.applicationId === input.applicationId && r.id === input.jobRunId)!;
    if (run.failCancel) throw Object.assign(new Error(run.failCancel.message), { name: run.failCancel.name });
    run.state = 'CANCELLING';
    return { applicationId: input.applicationId, jobRunId: input.jobRunId };
  });

  // GetJobRun: a cancelled run is CANCELLING, then CANCELLED ("Job run states").
  serverless.on(GetJobRunCommand).callsFake((input: { applicationId: string; jobRunId: string }) => {
    const run = jobRuns.find((r) => r.applicationId === input.applicationId && r.id === input.jobRunId)!;
    const seen = run.state;
    if (run.state === 'CANCELLING') run.state = 'CANCELLED';
    return { jobRun: { applicationId: run.applicationId, jobRunId: run.id, name: run.name, state: seen } };
  });
  // GetApplication; StopApplication refuses while a job run is scheduled or running ("All scheduled and
  // running jobs must be completed or cancelled before stopping an application": API Reference,
  // "StopApplication"), and the application goes STOPPING, then STOPPED.
  serverless.on(GetApplicationCommand).callsFake((input: { applicationId: string }) => {
    const application = applications.get(input.applicationId)!;
    const seen = application.state;
    if (application.state === 'STOPPING') application.state = 'STOPPED';
    return { application: { applicationId: input.applicationId, state: seen, name: 'x', arn: 'arn', releaseLabel: 'emr-7.12.0', type: 'Spark' } };
  });
  /** Errors the next requests of an operation answer (an AccessDeniedException, say). */
  const refusals = new Map<string, Error>();
  serverless.on(StopApplicationCommand).callsFake((input: { applicationId: string }) => {
    const refusal = refusals.get('StopApplication');
    if (refusal) throw refusal;
    calls.push(`StopApplication ${input.applicationId}`);
    const busy = jobRuns.find((r) => r.applicationId === input.applicationId && !['SUCCESS', 'FAILED', 'CANCELLED'].includes(r.state));
    if (busy) throw Object.assign(new Error(`Application ${input.applicationId} has job run ${busy.id} in state ${busy.state}`), { name: 'ValidationException' });
    applications.get(input.applicationId)!.state = 'STOPPING';
    return {};
  });

  let ids = 0;
  return {
    jobRuns,
    applications,
    /** Makes every later request of `operation` fail with `error`. */
    refuse(operation: 'StopApplication', error: Error) {
      refusals.set(operation, error);
    },
    stacks,
    clusters,
    calls,
    clients: {
      cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }), emr: new EMRClient({ region: 'eu-west-1' }), emrServerless: new EMRServerlessClient({ region: 'eu-west-1' }),
    },
    /** Deploys an environment's stacks (or the given concerns) at a time. */
    deploy(environment: string, createdAt: Date, concerns = stackConcernsOf(environment as never)) {
      for (const concern of concerns) {
        const name = stackName(environment as never, concern);
        stacks.push({ id: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/${++ids}`, name, status: StackStatus.CREATE_COMPLETE, createdAt });
      }
    },
    /** Makes an environment's compute stack an EMR Serverless one (its outputs), returning its application's id. */
    serverlessCompute(environment: string) {
      const applicationId = `00f${environment.replace(/\W/g, '')}app`;
      applications.set(applicationId, { state: 'CREATED' });
      stacks.find((s) => s.name === stackName(environment as never, 'compute'))!.outputs = {
        Compute: 'emr-serverless', ServerlessApplicationId: applicationId, ServerlessExecutionRoleArn: `arn:aws:iam::123456789012:role/clickstream-${environment}-emr-serverless-job`,
      };
      return applicationId;
    },
    startJobRun(environment: string, applicationId: string, state: JobRunState) {
      const run: FakeJobRun = { applicationId, id: `jr-${String(++ids).padStart(4, '0')}`, name: 'clickstream-kpi-sensor_health', state, tags: { [EMR_ENVIRONMENT_TAG]: environment } };
      jobRuns.push(run);
      // An application with auto-start starts on submit, and stays started until idle for its auto-stop time.
      const application = applications.get(applicationId);
      if (application) application.state = 'STARTED';
      return run;
    },
    startCluster(environment: string, createdAt: Date) {
      const cluster: FakeCluster = { id: `j-${String(++ids).padStart(6, '0')}`, name: `clickstream-${environment}-kpis`, state: 'WAITING', tags: { [EMR_ENVIRONMENT_TAG]: environment }, createdAt };
      clusters.push(cluster);
      return cluster;
    },
    /** Every request sent to either service, for the permission contract. */
    requests: () => sentRequests(cloudFormation, emr, serverless),
    /** Minutes a cluster has been up on the account's timeline: until it ended, or until now. */
    clusterMinutes(id: string) {
      const cluster = clusters.find((c) => c.id === id)!;
      advance(cluster);
      return ((cluster.endedAt?.getTime() ?? now()) - cluster.createdAt.getTime()) / 60_000;
    },
    /** Clusters not ended yet, after moving each along the timeline. */
    runningClusters: () => clusters.filter((c) => (advance(c), !['TERMINATED', 'TERMINATED_WITH_ERRORS'].includes(c.state))).map((c) => c.id),
    /** Every call to either service, reads included. */
    apiCalls: () => cloudFormation.calls().length + emr.calls().length,
    liveStacks: () => stacks.filter((s) => s.status !== StackStatus.DELETE_COMPLETE).map((s) => s.name),
    restore() {
      cloudFormation.restore();
      emr.restore();
      serverless.restore();
    },
  };
}
