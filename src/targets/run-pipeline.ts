import type { RunEnd, TargetRun } from './target';
import type { RunReport } from '../pipeline/run-report';
import { endOfRun } from '../pipeline/shared-stages';

/** The stages of every run, on either target, in the order they run. */
export function pipelineStages(firstStage: string): readonly string[] {
  return [firstStage, 'replay', 'land', 'kpis', 'validate', 'publish'];
}

/**
 * The whole pipeline, written once: get the target ready, replay events into its stream and land
 * them in bronze, compute the KPI tables, validate them, publish the run. The first failure (or a
 * stop) ends the stages; the stages after it are reported as skipped, and the target still
 * finishes (its report's extras, stopping what the run started).
 */
export async function runPipeline<Report extends RunReport>(run: TargetRun<Report>): Promise<Report> {
  let end: RunEnd = { outcome: 'succeeded' };
  try {
    await run.prepare();
    await run.replayAndLand();
    await run.computeKpis();
    await run.validate();
    await run.publish();
  } catch (e) {
    end = endOfRun(run.runner, pipelineStages(run.firstStage), e, run.signal, run.firstStage);
  }
  return run.finish(end);
}
