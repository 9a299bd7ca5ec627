import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { STATE } from './state';
import { cancelRun } from '../../src/emr/cancel';
import { createEmrClients, EmrClients } from '../../src/emr/clients';
import { cancelGoingJobRuns } from '../../src/emr-serverless/cancel-job-runs';
import { ActionIo } from '../lib/io';

export interface CleanupDeps {
  /** @default clients with the SDK's adaptive retry */
  readonly createClients?: (region: string) => EmrClients;
  /** @default an SDK client for the region */
  readonly createServerless?: (region: string) => Pick<EMRServerlessClient, 'send'>;
}

/**
 * The post step: after a run that did not complete (failed, timed out, or killed when the workflow
 * was cancelled), cancels its unfinished steps and terminates the cluster it created, or, on EMR
 * Serverless, cancels its job runs that still go. Repeating
 * what the main step already cleaned up is harmless; doing nothing after a completed run matters,
 * since an existing cluster may be running other work.
 */
export async function cleanup(io: ActionIo, deps: CleanupDeps = {}): Promise<void> {
  const clusterId = io.getState(STATE.clusterId);
  const result = io.getState(STATE.result);
  if (result === 'completed') return;
  const applicationId = io.getState(STATE.applicationId);
  if (applicationId) {
    const region = io.getState(STATE.region);
    const jobRunIds = io.getState(STATE.jobRunIds).split(',').filter(Boolean);
    const serverless = (deps.createServerless ?? ((r) => new EMRServerlessClient({ region: r })))(region);
    const done = await cancelGoingJobRuns(serverless, applicationId, jobRunIds, region);
    if (done.cancelled.length > 0) io.info(`Cancelled job run(s) ${done.cancelled.join(', ')} on application ${applicationId} (run result: ${result || 'none, the run was stopped'}).`);
    if (done.failed.length > 0) io.setFailed(done.failed.map((f) => `Could not cancel job run ${f.jobRunId} (${f.error}): run \`${f.command}\`.`).join(' '));
    return;
  }
  if (!clusterId) return;
  const createdCluster = io.getState(STATE.createdCluster) === 'true';
  const stepIds = io.getState(STATE.stepIds).split(',').filter(Boolean);
  const { emr } = (deps.createClients ?? ((region) => createEmrClients({ region })))(io.getState(STATE.region));
  const done = await cancelRun({ clusterId, stepIds, terminateCluster: createdCluster }, emr);
  if (done.cancelledStepIds.length > 0) io.info(`Cancelled step(s) ${done.cancelledStepIds.join(', ')} on cluster ${clusterId}.`);
  if (done.terminatedClusterId) io.info(`Terminated cluster ${done.terminatedClusterId}, which this run created (run result: ${result || 'none, the run was stopped'}).`);
  if (done.problems.length > 0) io.setFailed(done.problems.join(' '));
}
