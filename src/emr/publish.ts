import { TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { EmrRunReport } from './report';
import { EmrRunDeps, runStepsOnEmr } from './run-kpis';
import { PublishStepOptions, buildPublishStep } from './steps';
import { QueryEngine } from '../engines/query-engine';
import { PublishRefusedError, PublishedRun } from '../kpis/publication';
import { auditBranch } from '../kpis/run-ledger';
import { RUN_TABLES } from '../validation/run-scope';
import { publicationState } from '../validation/verdict';

export interface PublishOnEmrOptions {
  /** The cluster the run's KPI steps ran on, kept alive for this step. */
  readonly clusterId: string;
  /** Terminate the cluster once the step ended (a transient cluster this run created). */
  readonly terminateAfter: boolean;
  readonly step: PublishStepOptions;
  readonly timeoutMs: number;
  /** @default the runner's */
  readonly logWaitMs?: number;
}

/**
 * Publishes a validated run as an EMR step on the cluster its KPI steps ran on, then terminates a
 * transient cluster. The step (spark/publish_run.py) refuses, failing, a run without a passing
 * verdict or one cut from a main that moved since; the caller reads why from the warehouse.
 */
export async function publishOnEmr(options: PublishOnEmrOptions, deps: EmrRunDeps): Promise<EmrRunReport> {
  try {
    const report = await runStepsOnEmr(
      { target: { mode: 'existing', clusterId: options.clusterId }, timeoutMs: options.timeoutMs, logWaitMs: options.logWaitMs },
      [buildPublishStep(options.step)],
      deps,
    );
    return { ...report, runId: options.step.runId, createdCluster: options.terminateAfter };
  } finally {
    if (options.terminateAfter) {
      await deps.emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [options.clusterId] }));
      deps.log?.(`Terminated cluster ${options.clusterId}.`);
    }
  }
}

export interface PublishRunOnEmrDeps extends EmrRunDeps {
  /** Reads the run's verdict and branches (Athena). */
  readonly engine: QueryEngine;
  readonly catalog: string;
}

/**
 * Publishes the run on EMR and says what happened, from the warehouse: the tables now published,
 * or why it was refused (the verdict's failed checks, or main having moved), or the step's failure.
 */
export async function publishRunOnEmr(
  options: PublishOnEmrOptions, deps: PublishRunOnEmrDeps,
): Promise<{ report: EmrRunReport; published: PublishedRun }> {
  const { runId, database } = options.step;
  const report = await publishOnEmr(options, deps);
  const state = await publicationState(deps.engine, { catalog: deps.catalog, database, runId, tables: RUN_TABLES, signal: deps.signal });
  if (report.result === 'completed' && state.pendingTables.length === 0) {
    return {
      report,
      published: {
        runId,
        branch: auditBranch(runId),
        published: Object.entries(state.mainSnapshots).map(([table, snapshot]) => ({ table, snapshot })),
      },
    };
  }
  if (!state.verdict) throw new PublishRefusedError(runId, `run ${runId} has not been validated: validate it first`);
  if (!state.verdict.passed) throw new PublishRefusedError(runId, `run ${runId} failed validation (${state.verdict.engine}): ${state.verdict.failedChecks}`);
  if (report.result === 'step-failed' && state.pendingTables.length > 0) {
    throw new PublishRefusedError(runId, `the publish step failed with ${state.pendingTables.join(', ')} still unpublished: either main moved since run ${runId} ` +
      `was cut (another run published, or table maintenance committed; run the KPIs again), or the step broke: ${report.message}`);
  }
  throw new Error(`Publishing run ${runId} on cluster ${options.clusterId} ended ${report.result}: ${report.message}`);
}
