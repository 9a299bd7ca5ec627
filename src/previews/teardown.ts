import {
  CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, Stack, StackResourceSummary,
  paginateListStackResources, waitUntilStackDeleteComplete,
} from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand, EMRClient, TerminateJobFlowsCommand, paginateListClusters, waitUntilClusterTerminated } from '@aws-sdk/client-emr';
import { EMRServerlessClient, GetApplicationCommand, GetJobRunCommand, StopApplicationCommand, paginateListJobRuns } from '@aws-sdk/client-emr-serverless';
import { EMR_ENVIRONMENT_TAG, PreviewEnvironmentName, isPreviewEnvironment } from '../config/names';
import { OUTPUT_KEYS, isMissingStack, stackConcernsOf, stackName } from '../config/stack-outputs';
import { ENDED_JOB_RUN_STATES, GOING_JOB_RUN_STATES, cancelJobRuns } from '../emr-serverless/cancel-job-runs';
import { pollUntil } from '../timing/poll';

/** The clients a teardown uses (the SDK's waiters and paginators need whole clients; tests mock them). */
export interface TeardownClients {
  readonly cloudFormation: CloudFormationClient;
  readonly emr: EMRClient;
  /** Cancels the job runs of a preview that runs on EMR Serverless. @default - an SDK client for the region */
  readonly emrServerless?: EMRServerlessClient;
}

/** Clients that retry throttling on their own: a sweep may tear down several previews in a row. */
export function createTeardownClients(region: string): TeardownClients {
  const retry = { region, maxAttempts: 10, retryMode: 'adaptive' as const };
  return { cloudFormation: new CloudFormationClient(retry), emr: new EMRClient(retry), emrServerless: new EMRServerlessClient(retry) };
}

/** EMR states of a cluster that still runs, and so still costs and still writes (ListClusters' ClusterStates). */
export const ACTIVE_CLUSTER_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING', 'TERMINATING'] as const;

export interface TeardownOptions extends TeardownClients {
  readonly environment: PreviewEnvironmentName;
  readonly region: string;
  /** Longest wait for one stack's deletion or the clusters' termination. @default 30 minutes */
  readonly maxWaitSeconds?: number;
  /** First and longest pause between polls. @default the SDK waiters' (CloudFormation 30-120 s, EMR 30-120 s) */
  readonly pollSeconds?: { readonly min: number; readonly max: number };
  readonly log?: (line: string) => void;
}

/** Something the teardown removed, or found already gone. */
export interface RemovedResource {
  readonly kind: 'EMR cluster' | 'EMR Serverless job run' | 'stack';
  readonly name: string;
  /** `j-...` for a cluster, the job run id for a job run. */
  readonly id?: string;
}

/** Something that is still there after the teardown, and how to remove it. */
export interface LeftResource {
  readonly kind: 'EMR cluster' | 'EMR Serverless job run' | 'EMR Serverless application' | 'stack' | 'resource';
  /** The stack, or the resource's physical id. */
  readonly name: string;
  readonly type?: string;
  /** Its state and CloudFormation's or EMR's reason. */
  readonly status: string;
  /** What to do about it, as a command where there is one. */
  readonly remedy: string;
}

export interface TeardownReport {
  readonly environment: PreviewEnvironmentName;
  readonly region: string;
  /** removed: something was destroyed; already-gone: nothing was there; incomplete: something is left. */
  readonly result: 'removed' | 'already-gone' | 'incomplete';
  readonly removed: readonly RemovedResource[];
  /** Stacks that did not exist (a second teardown finds every one of them gone). */
  readonly absent: readonly string[];
  readonly left: readonly LeftResource[];
  readonly message: string;
}

const DEFAULT_MAX_WAIT_SECONDS = 30 * 60;

/** The command a person runs to try the teardown again, once the cause is fixed. */
export function teardownCommand(environment: string, region: string): string {
  return `AWS_REGION=${region} npx clickstream destroy --target aws --environment ${environment}`;
}

/**
 * Destroys a preview environment on AWS: terminates the EMR clusters tagged for it (a running cluster
 * writes into its buckets and uses its roles), then deletes its stacks in reverse deployment order,
 * each with CloudFormation, whose custom resources empty the buckets first. Stops at the first stack
 * that fails to delete, and reports what is left and how to remove it. Running it again is harmless:
 * a stack that does not exist is counted as absent, not as an error. Only previews: a standing
 * environment is never destroyed by this.
 */
export async function teardownPreview(options: TeardownOptions): Promise<TeardownReport> {
  const { environment, region } = options;
  if (!isPreviewEnvironment(environment)) {
    throw new Error(`Only a pull request's preview (pr-<number>) is torn down this way, not "${environment}".`);
  }
  const log = options.log ?? (() => undefined);
  const removed: RemovedResource[] = [];
  const absent: string[] = [];
  const left: LeftResource[] = [];

  // A serverless preview's job runs go first, as clusters do, and its application is stopped: the
  // compute stack deletes it, which EMR Serverless refuses while it is started.
  await stopPreviewApplication(options, removed, left, log);

  const clusters = await activeClusters(options.emr, environment);
  if (clusters.length > 0) {
    log(`${environment}: terminating EMR cluster(s) ${clusters.map((c) => c.id).join(', ')}`);
    try {
      await options.emr.send(new TerminateJobFlowsCommand({ JobFlowIds: clusters.map((c) => c.id) }));
      for (const cluster of clusters) {
        await waitUntilEnded(cluster.id, options);
        removed.push({ kind: 'EMR cluster', name: cluster.name, id: cluster.id });
      }
    } catch (e) {
      for (const cluster of clusters.filter((c) => !removed.some((r) => r.id === c.id))) {
        left.push({
          kind: 'EMR cluster',
          name: `${cluster.name} (${cluster.id})`,
          status: `${cluster.state}: ${waiterReason(e)}`,
          remedy: `aws emr terminate-clusters --region ${region} --cluster-ids ${cluster.id}`,
        });
      }
    }
  }

  if (left.length === 0) {
    const stacks = [...stackConcernsOf(environment)].reverse().map((concern) => stackName(environment, concern));
    for (const [i, name] of stacks.entries()) {
      const outcome = await deleteStack(name, options, log);
      if (outcome.kind === 'absent') {absent.push(name);} else if (outcome.kind === 'deleted') {removed.push({ kind: 'stack', name });} else {
        left.push(...outcome.left);
        for (const rest of stacks.slice(i + 1)) {
          left.push({ kind: 'stack', name: rest, status: 'not deleted yet: the teardown stops at the first stack that fails', remedy: 'deleted by the next teardown' });
        }
        break;
      }
    }
  }

  const result = left.length > 0 ? 'incomplete' : removed.length > 0 ? 'removed' : 'already-gone';
  return { environment, region, result, removed, absent, left, message: describe(environment, region, result, removed, left) };
}

/**
 * Readies a serverless preview's application for its compute stack's deletion, when the stack has
 * one (its ServerlessApplicationId output): cancels the job runs still going (ListJobRuns filtered by
 * state, then CancelJobRun: the run goes CANCELLING, then CANCELLED), waits for them to end, then
 * stops the application. DeleteApplication, which CloudFormation calls when it deletes the stack,
 * refuses an application that is not CREATED or STOPPED (API Reference, "DeleteApplication"), and an
 * application stays STARTED for its auto-stop time (15 minutes) after its last job; StopApplication
 * refuses while a job is scheduled or running (API Reference, "StopApplication").
 */
async function stopPreviewApplication(
  options: TeardownOptions, removed: RemovedResource[], left: LeftResource[], log: (line: string) => void,
): Promise<void> {
  const compute = stackName(options.environment, 'compute');
  let applicationId: string | undefined;
  try {
    const outputs = (await options.cloudFormation.send(new DescribeStacksCommand({ StackName: compute }))).Stacks?.[0]?.Outputs ?? [];
    applicationId = outputs.find((o) => o.OutputKey === OUTPUT_KEYS.serverlessApplicationId)?.OutputValue;
  } catch (e) {
    if (isMissingStack(e)) return;
    throw e;
  }
  if (!applicationId) return;
  const client = options.emrServerless ?? new EMRServerlessClient({ region: options.region });
  const going: Array<{ id: string; name: string; state: string }> = [];
  for await (const page of paginateListJobRuns({ client }, { applicationId, states: [...GOING_JOB_RUN_STATES, 'CANCELLING'] })) {
    going.push(...(page.jobRuns ?? []).map((r) => ({ id: r.id!, name: r.name ?? r.id!, state: r.state ?? '?' })));
  }
  const toCancel = going.filter((r) => r.state !== 'CANCELLING');
  for (const run of toCancel) log(`${options.environment}: cancelling EMR Serverless job run ${run.id} (${run.state})`);
  const outcome = await cancelJobRuns(client, applicationId, toCancel.map((r) => r.id), options.region);
  for (const run of going.filter((r) => outcome.cancelled.includes(r.id))) removed.push({ kind: 'EMR Serverless job run', name: run.name, id: run.id });
  for (const failure of outcome.failed) {
    const run = going.find((r) => r.id === failure.jobRunId)!;
    left.push({ kind: 'EMR Serverless job run', name: `${run.name} (${run.id})`, status: `${run.state}: ${failure.error}`, remedy: failure.command });
  }
  if (left.length > 0) return;

  const stopCommand = `aws emr-serverless stop-application --region ${options.region} --application-id ${applicationId}`;
  const wait = {
    timeoutMs: (options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS) * 1000,
    backoff: { initialMs: (options.pollSeconds?.min ?? 5) * 1000, factor: 1.5, maxMs: (options.pollSeconds?.max ?? 30) * 1000 },
  };
  let state = '?';
  try {
    const ended = await pollUntil(async () => {
      const pending: string[] = [];
      for (const run of going) {
        const current = (await client.send(new GetJobRunCommand({ applicationId, jobRunId: run.id }))).jobRun?.state;
        if (current && !ENDED_JOB_RUN_STATES.includes(current)) pending.push(`${run.id} ${current}`);
      }
      return pending.length === 0 ? { done: true as const, value: undefined } : { done: false as const, pending };
    }, wait);
    if (ended.kind !== 'done') throw new Error(`job run(s) ${ended.pending.join(', ')} still going after ${Math.round(ended.waitedMs / 1000)} s`);
    const stopped = await pollUntil(async () => {
      state = (await client.send(new GetApplicationCommand({ applicationId }))).application?.state ?? '?';
      if (state === 'CREATED' || state === 'STOPPED') return { done: true as const, value: undefined };
      if (state === 'STARTED' || state === 'STARTING') {
        log(`${options.environment}: stopping EMR Serverless application ${applicationId} (${state}) so its stack can delete it`);
        await client.send(new StopApplicationCommand({ applicationId }));
      }
      return { done: false as const, pending: state };
    }, wait);
    if (stopped.kind !== 'done') throw new Error(`still ${stopped.pending} after ${Math.round(stopped.waitedMs / 1000)} s`);
  } catch (e) {
    const error = e as Error;
    left.push({
      kind: 'EMR Serverless application',
      name: applicationId,
      status: `${state === '?' ? 'not stopped yet' : state}: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`,
      remedy: `${stopCommand} (once its job runs ended), then run the teardown again`,
    });
  }
}

/**
 * Waits until the cluster has ended. The SDK's ClusterTerminated waiter fails on TERMINATED_WITH_ERRORS,
 * but that too is a final state (EMR API reference, ClusterStatus): a spot cluster that lost its
 * nodes, or one whose step failed, ends there and holds nothing the stacks need any more.
 */
async function waitUntilEnded(clusterId: string, options: TeardownOptions): Promise<void> {
  try {
    await waitUntilClusterTerminated(waiterConfig(options.emr, options), { ClusterId: clusterId });
  } catch (e) {
    const state = (await options.emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster?.Status?.State;
    if (state !== 'TERMINATED_WITH_ERRORS') throw e;
  }
}

type StackOutcome = { readonly kind: 'absent' } | { readonly kind: 'deleted' } | { readonly kind: 'failed'; readonly left: LeftResource[] };

async function deleteStack(name: string, options: TeardownOptions, log: (line: string) => void): Promise<StackOutcome> {
  const { cloudFormation, region } = options;
  let stack: Stack | undefined;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (e) {
    // CloudFormation API reference, DescribeStacks: a stack that does not exist is a ValidationError.
    if (isMissingStack(e)) return { kind: 'absent' };
    throw e;
  }
  if (!stack) return { kind: 'absent' };
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (status.endsWith('_IN_PROGRESS') && status !== 'DELETE_IN_PROGRESS') {
    // A deployment (or its rollback) is still running: deleting now would fail, the next teardown will not.
    return {
      kind: 'failed',
      left: [{
        kind: 'stack',
        name,
        status: `${status}: a deployment of it has not finished`,
        remedy: `wait until it has, then run \`${teardownCommand(options.environment, region)}\` (the scheduled sweep of previews also removes a closed pull request's preview)`,
      }],
    };
  }
  if (status !== 'DELETE_IN_PROGRESS') {
    log(`${options.environment}: deleting stack ${name} (${status})`);
    await cloudFormation.send(new DeleteStackCommand({ StackName: name }));
  }
  try {
    // By id: a deleted stack is still described by its id (as DELETE_COMPLETE), no longer by its name.
    await waitUntilStackDeleteComplete(waiterConfig(cloudFormation, options), { StackName: stack.StackId ?? name });
    return { kind: 'deleted' };
  } catch (e) {
    return { kind: 'failed', left: await failedResources(name, stack.StackId ?? name, waiterReason(e), options) };
  }
}

/**
 * What a failed deletion left: the stack, and each resource CloudFormation could not delete with its
 * reason. DeleteStack's RetainResources applies only to a stack in DELETE_FAILED (CloudFormation API
 * reference), which is where a stack whose resources would not go ends up.
 */
async function failedResources(name: string, stackId: string, reason: string, options: TeardownOptions): Promise<LeftResource[]> {
  const retry = teardownCommand(options.environment, options.region);
  const failed: StackResourceSummary[] = [];
  try {
    for await (const page of paginateListStackResources({ client: options.cloudFormation }, { StackName: stackId })) {
      failed.push(...(page.StackResourceSummaries ?? []).filter((r) => r.ResourceStatus === 'DELETE_FAILED'));
    }
  } catch (e) {
    return [{ kind: 'stack', name, status: `${reason} (its resources could not be listed: ${(e as Error).message})`, remedy: `see the stack's events in the CloudFormation console, then run \`${retry}\`` }];
  }
  const retain = failed.map((r) => r.LogicalResourceId).filter(Boolean).join(' ');
  return [
    {
      kind: 'stack',
      name,
      status: reason,
      remedy: failed.length > 0
        ? `remove the resources below, then run \`${retry}\` (or \`aws cloudformation delete-stack --region ${options.region} --stack-name ${name} --retain-resources ${retain}\` and remove them by hand)`
        : `see the stack's events in the CloudFormation console, then run \`${retry}\``,
    },
    ...failed.map((r): LeftResource => ({
      kind: 'resource',
      name: r.PhysicalResourceId ?? r.LogicalResourceId ?? '?',
      type: r.ResourceType,
      status: `DELETE_FAILED: ${r.ResourceStatusReason ?? 'no reason given'}`,
      remedy: resourceRemedy(r, options.region),
    })),
  ];
}

function resourceRemedy(resource: StackResourceSummary, region: string): string {
  const id = resource.PhysicalResourceId;
  switch (resource.ResourceType) {
    case 'AWS::S3::Bucket':
      return `aws s3 rb --region ${region} s3://${id} --force`;
    case 'AWS::Glue::Database':
      return `aws glue delete-database --region ${region} --name ${id}`;
    case 'AWS::Kinesis::Stream':
      return `aws kinesis delete-stream --region ${region} --stream-name ${id} --enforce-consumer-deletion`;
    case 'AWS::Athena::WorkGroup':
      return `aws athena delete-work-group --region ${region} --work-group ${id} --recursive-delete-option`;
    case 'AWS::EMRServerless::Application':
      return `aws emr-serverless stop-application --region ${region} --application-id ${id} && aws emr-serverless delete-application --region ${region} --application-id ${id}`;
    case 'AWS::Logs::LogGroup':
      return `aws logs delete-log-group --region ${region} --log-group-name ${id}`;
    default:
      return `delete ${resource.ResourceType} ${id} in the console`;
  }
}

/** A cluster of the environment that still runs. */
export interface EnvironmentCluster {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly environment: string;
  readonly createdAt?: Date;
}

/**
 * The clusters that still run, by their environment tag: ListClusters returns no tags, so each is
 * described (EMR API reference, ListClusters and DescribeCluster). `environment` undefined: every
 * cluster tagged with a preview.
 */
export async function activeClusters(emr: EMRClient, environment?: string): Promise<EnvironmentCluster[]> {
  const found: EnvironmentCluster[] = [];
  for await (const page of paginateListClusters({ client: emr }, { ClusterStates: [...ACTIVE_CLUSTER_STATES] })) {
    for (const summary of page.Clusters ?? []) {
      if (!summary.Id) continue;
      const cluster = (await emr.send(new DescribeClusterCommand({ ClusterId: summary.Id }))).Cluster;
      const tag = cluster?.Tags?.find((t) => t.Key === EMR_ENVIRONMENT_TAG)?.Value;
      if (!tag || (environment ? tag !== environment : !isPreviewEnvironment(tag))) continue;
      found.push({ id: summary.Id, name: summary.Name ?? summary.Id, state: summary.Status?.State ?? 'UNKNOWN', environment: tag, createdAt: summary.Status?.Timeline?.CreationDateTime });
    }
  }
  return found;
}

function waiterConfig<C>(client: C, options: TeardownOptions) {
  return {
    client,
    maxWaitTime: options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS,
    ...(options.pollSeconds ? { minDelay: options.pollSeconds.min, maxDelay: options.pollSeconds.max } : {}),
  };
}

/**
 * Why a waiter gave up, in CloudFormation's or EMR's words: the SDK's waiters reject with their last
 * result (`{ state, reason }`, the reason being the last response) as JSON in the message.
 */
function waiterReason(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  type LastResponse = { Stacks?: Stack[]; Cluster?: { Status?: { State?: string; StateChangeReason?: { Message?: string } } } };
  let result: { state?: string; reason?: LastResponse | string };
  try {
    result = JSON.parse(message) as typeof result;
  } catch {
    return message;
  }
  const reason = result.reason;
  if (reason && typeof reason === 'object') {
    const stack = reason.Stacks?.[0];
    if (stack) return [stack.StackStatus, stack.StackStatusReason].filter(Boolean).join(': ');
    const status = reason.Cluster?.Status;
    if (status) return [status.State, status.StateChangeReason?.Message].filter(Boolean).join(': ');
  }
  return typeof reason === 'string' ? reason : `waiter ${result.state ?? 'failed'}`;
}

function describe(environment: string, region: string, result: TeardownReport['result'], removed: readonly RemovedResource[], left: readonly LeftResource[]): string {
  if (result === 'already-gone') return `${environment} in ${region} is already gone: no stack and no running EMR cluster of it.`;
  const what = removed.map((r) => (r.kind === 'stack' ? `stack ${r.name}` : `${r.kind} ${r.id}`)).join(', ');
  if (result === 'removed') return `${environment} in ${region} is destroyed: removed ${what}.`;
  return `${environment} in ${region} is not fully destroyed${removed.length > 0 ? ` (removed ${what})` : ''}; left: ` +
    `${left.map((l) => `${l.kind} ${l.name}${l.type ? ` (${l.type})` : ''}: ${l.status}; to remove it: ${l.remedy}`).join('. ')}. ` +
    `Running the teardown again (\`${teardownCommand(environment, region)}\`) is harmless.`;
}
