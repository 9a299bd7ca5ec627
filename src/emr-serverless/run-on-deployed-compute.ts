import type { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { DeployedCompute, deployedCompute } from './deployed-compute';
import { runJobRuns, ServerlessRunResult } from './run-job-runs';
import { BilledCost, billedCost, renderServerlessReport } from './serverless-run-report';
import { ResourceNames } from '../config/names';
import { CloudFormationLike } from '../config/stack-outputs';
import { PriceTable } from '../cost/prices';
import { EmrRunReport, renderReportMarkdown } from '../emr/emr-run-report';
import { EmrRunDeps, EmrRunOptions, runKpisOnEmr } from '../emr/run-kpis';
import { kpiSparkSubmits } from '../emr/steps';
import { newRunId } from '../kpis/run-ledger';
import { sleep as realSleep, systemClock } from '../timing/clock';

/** A KPI run on whichever compute the environment deployed. */
export type KpiComputeReport =
  | { readonly compute: 'emr'; readonly report: EmrRunReport }
  | { readonly compute: 'emr-serverless'; readonly report: ServerlessRunResult; readonly cost: BilledCost };

export interface KpiComputeDeps extends EmrRunDeps {
  /** Reads the compute stack's outputs. */
  readonly cloudFormation: CloudFormationLike;
  readonly serverless: Pick<EMRServerlessClient, 'send'>;
  /** Prices what EMR Serverless billed. */
  readonly prices: PriceTable;
  /** See ServerlessRunDeps.onJobRunsStarted. */
  readonly onJobRunsStarted?: (applicationId: string, jobRunIds: readonly string[]) => void | Promise<void>;
}

/**
 * Runs the KPI jobs on the environment's compute, as its compute stack says (deployedCompute): EMR
 * steps on a cluster, or EMR Serverless job runs with the same scripts and arguments. A cluster named
 * by hand (mode existing) is always EMR. The one place `kpis --target aws` and the run-emr-kpis action
 * choose, so no workflow branches on the compute. A caller that has read the stack already passes
 * what it found (`known`).
 */
export async function runKpisOnDeployedCompute(
  options: EmrRunOptions, names: ResourceNames, deps: KpiComputeDeps, known?: DeployedCompute,
): Promise<KpiComputeReport> {
  const environment = names.environment as Exclude<ResourceNames['environment'], 'local'>;
  const compute = known ?? await computeOfRun(options, deps.cloudFormation, environment, names);
  if (compute.compute === 'emr') {
    if (options.target.mode === 'serverless') throw new Error(`The compute stack of ${environment} no longer runs EMR Serverless (its Compute output changed during the run); run again.`);
    return { compute: 'emr', report: await runKpisOnEmr(options, deps) };
  }
  const clock = deps.clock ?? systemClock;
  deps.log?.(`${environment} runs its jobs on EMR Serverless (application ${compute.target.applicationId})`);
  const report = await runJobRuns({
    target: compute.target,
    submits: kpiSparkSubmits(options.steps),
    runId: options.steps.run?.runId ?? newRunId(new Date(clock())),
    timeoutMs: options.timeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    maxPollIntervalMs: options.maxPollIntervalMs,
    signal: deps.signal,
  }, { client: deps.serverless, s3: deps.s3, clock, sleep: deps.sleep ?? realSleep, log: deps.log, onJobRunsStarted: deps.onJobRunsStarted });
  return { compute: 'emr-serverless', report, cost: billedCost(report.billed, deps.prices, options.steps.region) };
}

/** What runs a run's jobs: a cluster named by hand (mode existing) is always EMR; otherwise the compute stack says (deployedCompute). */
export async function computeOfRun(
  options: Pick<EmrRunOptions, 'target'>, cloudFormation: CloudFormationLike, environment: Exclude<ResourceNames['environment'], 'local'>, names: ResourceNames,
): Promise<DeployedCompute> {
  return options.target.mode === 'existing' ? { compute: 'emr' } : deployedCompute(cloudFormation, environment, names);
}

/** The run as Markdown, for the terminal and the job summary. */
export function renderKpiComputeReport(run: KpiComputeReport): string {
  return run.compute === 'emr' ? renderReportMarkdown(run.report) : renderServerlessReport(run.report, run.cost);
}

/** Whether every job ended well. */
export function kpiComputeSucceeded(run: KpiComputeReport): boolean {
  return run.report.result === 'completed';
}
