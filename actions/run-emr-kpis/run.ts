import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { STATE } from './state';
import { CloudFormationLike } from '../../src/config/stack-outputs';
import { priceTableFor } from '../../src/cost/prices';
import { abortOnSignals } from '../../src/emr/abort-on-signals';
import { createEmrClients, EmrClients } from '../../src/emr/clients';
import { emrRunFromStacks } from '../../src/emr/run-from-stacks';
import { EMR_RUN_INPUT_NAMES, EmrRunInputs, validateEmrRunInputs } from '../../src/emr/run-inputs';
import { kpiComputeSucceeded, renderKpiComputeReport, runKpisOnDeployedCompute } from '../../src/emr-serverless/run-on-deployed-compute';
import { ValidDayWindow, dayWindow, describeWindow } from '../../src/kpis/day-window';
import { Clock, Sleep } from '../../src/timing/clock';
import { expectationsWindow, loadExpectations } from '../../src/validation/expectations';
import { ActionIo } from '../lib/io';

export interface RunDeps {
  /** @default clients with the SDK's adaptive retry */
  readonly createClients?: (region: string) => EmrClients;
  /** Reads the environment's stack outputs. @default an SDK client for the region */
  readonly createCloudFormation?: (region: string) => CloudFormationLike;
  /** Runs the jobs of an environment whose compute is emr-serverless. @default an SDK client for the region */
  readonly createServerless?: (region: string) => Pick<EMRServerlessClient, 'send'>;
  /** Where GITHUB_REPOSITORY, GITHUB_RUN_ID and AWS_REGION are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** @default aborts on SIGINT/SIGTERM, which the runner sends when the workflow is cancelled */
  readonly signal?: AbortSignal;
}

/** The action's inputs beyond the runner's: a replay manifest whose days are the window when none is given. */
const MANIFEST_INPUT = 'manifest';

/** The window of a replay manifest; a manifest that cannot be read fails the step before any AWS call. */
function manifestWindow(file: string): ValidDayWindow | undefined {
  const window = file ? expectationsWindow(loadExpectations(file)) : undefined;
  return window && dayWindow(window.fromDate, window.toDate);
}

/**
 * The run-emr-kpis action: validate every input, complete them from the environment's stack
 * outputs (buckets, database, scripts version, EMR roles), run the steps, report, fail unless all
 * completed.
 */
export async function run(io: ActionIo, deps: RunDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  const inputs: EmrRunInputs = Object.fromEntries(EMR_RUN_INPUT_NAMES.map((name) => [name, io.getInput(name)]));
  let validated;
  let window: ValidDayWindow | undefined;
  try {
    validated = validateEmrRunInputs(inputs, env, { namesFromStack: true });
    window = validated.window ?? manifestWindow(io.getInput(MANIFEST_INPUT).trim());
  } catch (e) {
    io.setFailed((e as Error).message);
    return;
  }
  const { region } = validated;
  io.saveState(STATE.region, region);
  const signals = deps.signal ? undefined : abortOnSignals();
  try {
    const cloudFormation = (deps.createCloudFormation ?? ((r) => new CloudFormationClient({ region: r })))(region);
    const { options, resolved } = await emrRunFromStacks(validated, {
      cloudFormation, identity: { repository: env.GITHUB_REPOSITORY, runId: env.GITHUB_RUN_ID, attempt: env.GITHUB_RUN_ATTEMPT }, window, env,
    });
    io.info(`Environment ${validated.settings.environment} in ${region}: bronze ${resolved.names.bronzeUri}, database ${resolved.names.glueDatabase}, ` +
      `scripts ${options.steps.scriptsVersion}; ${window ? `days ${describeWindow(window)}` : 'no window: the jobs decide which days to recompute'}.`);
    const clients = (deps.createClients ?? ((r) => createEmrClients({ region: r })))(region);
    const outcome = await runKpisOnDeployedCompute(options, resolved.names, {
      ...clients,
      cloudFormation,
      serverless: (deps.createServerless ?? ((r) => new EMRServerlessClient({ region: r })))(region),
      prices: priceTableFor(undefined, env),
      clock: deps.clock,
      sleep: deps.sleep,
      signal: deps.signal ?? signals?.signal,
      log: (line) => io.info(line),
      onClusterCreated: (clusterId) => {
        io.saveState(STATE.clusterId, clusterId);
        io.saveState(STATE.createdCluster, 'true');
      },
      onSubmitted: (submission) => {
        io.saveState(STATE.clusterId, submission.clusterId);
        io.saveState(STATE.stepIds, submission.stepIds.join(','));
      },
      onJobRunsStarted: (applicationId, jobRunIds) => {
        io.saveState(STATE.applicationId, applicationId);
        io.saveState(STATE.jobRunIds, jobRunIds.join(','));
      },
    });
    io.saveState(STATE.result, outcome.report.result);
    io.setOutput('compute', outcome.compute);
    io.setOutput('result', outcome.report.result);
    io.setOutput('duration-seconds', String(outcome.report.durationSeconds));
    if (outcome.compute === 'emr') {
      const report = outcome.report;
      io.setOutput('cluster-id', report.clusterId);
      if (report.runId) io.setOutput('run-id', report.runId);
      io.setOutput('step-ids', report.steps.map((s) => s.id).join(','));
      if (report.normalizedInstanceHours !== undefined) io.setOutput('normalized-instance-hours', String(report.normalizedInstanceHours));
      for (const problem of report.cleanup?.problems ?? []) io.warning(problem);
      if (report.logs?.found) {
        for (const tail of report.logs.tails) io.info(`--- last ${tail.lines.length} lines of ${tail.uri}\n${tail.lines.join('\n')}`);
      }
    } else {
      const report = outcome.report;
      if (options.steps.run?.runId) io.setOutput('run-id', options.steps.run.runId);
      io.setOutput('application-id', report.applicationId);
      io.setOutput('job-run-ids', report.jobRuns.map((r) => r.jobRunId).join(','));
      for (const failed of report.jobRuns.filter((r) => r.stderrTail)) {
        io.info(`--- last ${failed.stderrTail!.lines.length} lines of ${failed.stderrTail!.uri}\n${failed.stderrTail!.lines.join('\n')}`);
      }
    }
    await io.writeSummary(renderKpiComputeReport(outcome));
    if (!kpiComputeSucceeded(outcome)) io.setFailed(outcome.report.message);
  } catch (e) {
    io.setFailed((e as Error).message);
  } finally {
    signals?.dispose();
  }
}
