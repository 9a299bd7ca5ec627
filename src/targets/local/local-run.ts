import {
  LocalRun, LocalRunOptions, kpisStage, localPublishStage, localValidateStage, replayAndLandStage, stackStage, startLocalRun,
} from './local-stages';
import { priceTableFor } from '../../cost/prices';
import { emulatorClients } from '../../local/bootstrap';
import { sparkEventLogDir } from '../../local/spark-submit';
import { stackDown } from '../../local/stack';
import type { LocalRunReport } from '../../pipeline/run-report';
import { runPublication } from '../../pipeline/shared-stages';
import { chartDataOrWarn, localScanOrWarn } from '../../report/run-extras';
import { systemClock } from '../../timing/clock';
import { runPipeline } from '../run-pipeline';
import { RunEnd, TargetRun } from '../target';

export type { LocalRunOptions } from './local-stages';

/**
 * The whole pipeline on the embedded stack: stack up (or reuse), replay events into the
 * emulator's Kinesis, land them into bronze Parquet, compute the KPI tables with Spark, validate
 * them on Trino. Stops what it started unless `keep`, also when a stage fails or the run is stopped.
 */
export function localRun(options: LocalRunOptions): TargetRun<LocalRunReport> {
  const run = startLocalRun(options);
  return {
    runner: run.runner,
    firstStage: 'stack',
    signal: options.signal,
    prepare: async () => {
      await stackStage(run);
    },
    replayAndLand: async () => {
      ({ replayed: run.replayed, landed: run.landed } = await replayAndLandStage(run, emulatorClients(run.stack!.aws)));
    },
    computeKpis: async () => {
      run.kpis = await kpisStage(run, run.stack!);
    },
    validate: () => localValidateStage(run, run.stack!, run.replayed!, run.landed!, run.kpis!),
    publish: () => localPublishStage(run, run.stack!, run.kpis!),
    finish: async (end: RunEnd) => {
      run.outcome = end.outcome;
      run.failure = end.failure;
      const extras = await localExtras(run);
      const stopped = await stopStack(run);
      return localRunReport(run, extras, stopped);
    },
  };
}

/** `localRun` from start to end. */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunReport> {
  return runPipeline(localRun(options));
}

/** Before the stack stops: the KPI rows the HTML report charts, and what the run scanned. */
async function localExtras(run: LocalRun): Promise<Pick<LocalRunReport, 'charts' | 'cost'>> {
  const { options: { progress, signal, paths, prices }, names, engine } = run;
  const warn = (line: string) => progress.line(line);
  const charts = engine && run.outcome !== 'stopped' && run.runner.reports.some((s) => s.name === 'kpis' && s.status === 'succeeded')
    ? await chartDataOrWarn({ engine, database: names.glueDatabase, tables: run.tables, window: run.window, versions: run.versions, signal, warn })
    : undefined;
  const cost = await localScanOrWarn({
    prices: prices ?? priceTableFor(),
    queries: engine?.queries ?? [],
    eventLogDir: sparkEventLogDir(paths),
    kpisStartedAt: run.kpisStartedAt,
    kpisEndedAt: run.kpisEndedAt,
    sparkRequests: run.kpiSparkRequests,
    bronzeUri: names.bronzeUri,
    warn,
  });
  return { charts, cost };
}

/** Stops what this run started, unless it is to be kept; a stopped run always stops it. */
async function stopStack(run: LocalRun): Promise<LocalRunReport['stack']> {
  const { options: { paths, progress, keep }, outcome } = run;
  const startedByRun = (run.stack?.startedServices.length ?? 0) > 0;
  const stopAtEnd = startedByRun && (!keep || outcome === 'stopped');
  if (stopAtEnd) {
    progress.line(`stack: stopping what this run started${outcome === 'stopped' ? ' (stopped by signal)' : ''}`);
    await stackDown({ paths, log: (line) => progress.line(`stack: ${line}`) });
  }
  return { endpoints: run.up?.endpoints, startedByRun, stoppedAtEnd: stopAtEnd };
}

/** The run report, from what the stages left in the run. */
function localRunReport(run: LocalRun, extras: Pick<LocalRunReport, 'charts' | 'cost'>, stack: LocalRunReport['stack']): LocalRunReport {
  const { kpiRunId, failure } = run;
  return {
    target: 'local',
    startedAt: new Date(run.started).toISOString(),
    durationMs: systemClock() - run.started,
    outcome: run.outcome,
    stages: run.runner.reports,
    peakMemoryBytes: run.peaks,
    window: run.window,
    reconciliation: run.reconciliation,
    tables: run.previews,
    validation: run.validation,
    publication: kpiRunId ? runPublication(kpiRunId, run.published, run.versions, run.names.glueDatabase, failure?.message) : undefined,
    charts: extras.charts,
    cost: extras.cost,
    stack,
    failure,
  };
}
