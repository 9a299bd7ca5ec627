import {
  AddJobFlowStepsCommand, DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommandInput, RunJobFlowCommand, StepConfig,
} from '@aws-sdk/client-emr';
import { isClusterEnding, toClusterSnapshot, describeClusterReason } from './snapshots';
import { Sleep } from '../timing/clock';

/** Where a run's steps went. */
export interface Submission {
  readonly clusterId: string;
  /** In the order of the submitted steps. */
  readonly stepIds: readonly string[];
  /** True when this run created the cluster, and so must make sure it ends. */
  readonly createdCluster: boolean;
}

export interface SubmitDeps {
  readonly emr: EMRClient;
  readonly sleep: Sleep;
}

/**
 * Starts a transient cluster that runs `request.Steps`. RunJobFlow returns only the cluster id, so
 * the step ids are looked up by step name. `onClusterCreated` is called as soon as the cluster
 * exists, before anything else can fail, so the caller can always clean it up.
 */
export async function submitToNewCluster(
  request: RunJobFlowCommandInput,
  deps: SubmitDeps,
  onClusterCreated: (clusterId: string) => void | Promise<void>,
): Promise<Submission> {
  const started = await deps.emr.send(new RunJobFlowCommand(request));
  const clusterId = started.JobFlowId;
  if (!clusterId) throw new Error('RunJobFlow returned no cluster id.');
  await onClusterCreated(clusterId);
  const names = (request.Steps ?? []).map((s) => s.Name ?? '');
  // Steps are listed right after RunJobFlow returns, as a rule; a few short retries cover the exception.
  for (let attempt = 1; ; attempt++) {
    const listed = await deps.emr.send(new ListStepsCommand({ ClusterId: clusterId }));
    const idByName = new Map((listed.Steps ?? []).map((s) => [s.Name, s.Id]));
    const stepIds = names.map((n) => idByName.get(n));
    if (stepIds.every((id): id is string => Boolean(id))) return { clusterId, stepIds, createdCluster: true };
    if (attempt === 3) {
      throw new Error(`Cluster ${clusterId} does not list the submitted steps ${names.filter((_, i) => !stepIds[i]).join(', ')}.`);
    }
    await deps.sleep(5_000);
  }
}

/** Adds the steps to a running cluster, after checking it can still run them. */
export async function submitToExistingCluster(clusterId: string, steps: readonly StepConfig[], deps: SubmitDeps): Promise<Submission> {
  const described = await deps.emr.send(new DescribeClusterCommand({ ClusterId: clusterId }));
  const cluster = toClusterSnapshot(clusterId, described.Cluster);
  if (isClusterEnding(cluster)) {
    throw new Error(`Cluster ${clusterId} is ${cluster.state} (${describeClusterReason(cluster)}) and cannot run steps; pass the id of a WAITING or RUNNING cluster, or use mode "transient".`);
  }
  const added = await deps.emr.send(new AddJobFlowStepsCommand({ JobFlowId: clusterId, Steps: [...steps] }));
  const stepIds = added.StepIds ?? [];
  if (stepIds.length !== steps.length) {
    throw new Error(`AddJobFlowSteps on cluster ${clusterId} returned ${stepIds.length} step id(s) for ${steps.length} step(s).`);
  }
  return { clusterId, stepIds, createdCluster: false };
}
