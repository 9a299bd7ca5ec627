import { ActionIo, actionsCoreIo, STATE } from './io';
import { abortOnSignals } from '../../src/emr/abort-on-signals';
import { createEmrClients, EmrClients } from '../../src/emr/clients';
import { renderReportMarkdown } from '../../src/emr/report';
import { EMR_RUN_INPUT_NAMES, EmrRunInputs, parseEmrRunInputs } from '../../src/emr/run-inputs';
import { runKpisOnEmr } from '../../src/emr/run-kpis';
import { Clock, Sleep } from '../../src/timing/clock';

export interface RunDeps {
  /** @default @actions/core */
  readonly io?: ActionIo;
  /** @default clients with the SDK's adaptive retry */
  readonly createClients?: (region: string) => EmrClients;
  /** Where GITHUB_REPOSITORY, GITHUB_RUN_ID and AWS_REGION are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** @default aborts on SIGINT/SIGTERM, which the runner sends when the workflow is cancelled */
  readonly signal?: AbortSignal;
}

/** The run-emr-kpis action: validate every input, run the steps, report, fail unless all completed. */
export async function run(deps: RunDeps = {}): Promise<void> {
  const io = deps.io ?? actionsCoreIo;
  const env = deps.env ?? process.env;
  const inputs: EmrRunInputs = Object.fromEntries(EMR_RUN_INPUT_NAMES.map((name) => [name, io.getInput(name)]));
  let parsed;
  try {
    parsed = parseEmrRunInputs(inputs, { repository: env.GITHUB_REPOSITORY, runId: env.GITHUB_RUN_ID }, env);
  } catch (e) {
    io.setFailed((e as Error).message);
    return;
  }
  const { region, options } = parsed;
  io.saveState(STATE.region, region);
  const clients = (deps.createClients ?? ((r) => createEmrClients({ region: r })))(region);
  const signals = deps.signal ? undefined : abortOnSignals();
  try {
    const report = await runKpisOnEmr(options, {
      ...clients,
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
    });
    io.saveState(STATE.result, report.result);
    io.setOutput('cluster-id', report.clusterId);
    io.setOutput('step-ids', report.steps.map((s) => s.id).join(','));
    io.setOutput('result', report.result);
    io.setOutput('duration-seconds', String(report.durationSeconds));
    if (report.normalizedInstanceHours !== undefined) io.setOutput('normalized-instance-hours', String(report.normalizedInstanceHours));
    for (const problem of report.cleanup?.problems ?? []) io.warning(problem);
    if (report.logs?.found) {
      for (const tail of report.logs.tails) io.info(`--- last ${tail.lines.length} lines of ${tail.uri}\n${tail.lines.join('\n')}`);
    }
    await io.writeSummary(renderReportMarkdown(report));
    if (report.result !== 'completed') io.setFailed(report.message);
  } catch (e) {
    io.setFailed((e as Error).message);
  } finally {
    signals?.dispose();
  }
}
