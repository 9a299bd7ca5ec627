import { LocalRun, kpisStage, localPublishStage, localValidateStage, replayAndLandStage, stackStage, startLocalRun } from './local-stages';
import type { LocalRunReport } from './run-report';
import { EventSource, RunProgress, endOfRun, runPublication } from './shared-stages';
import { ResourceNames } from '../config/names';
import { PriceTable, priceTableFor } from '../cost/prices';
import { KpiJobName } from '../kpis/catalog';
import { emulatorClients } from '../local/bootstrap';
import { LocalPaths } from '../local/paths';
import { sparkEventLogDir } from '../local/spark-submit';
import { stackDown } from '../local/stack';
import { chartDataOrWarn, localScanOrWarn } from '../report/run-extras';

// The report's type lives with the other run reports; tests and the benchmark read it from here.
export type { LocalRunReport } from './run-report';
export { reconcile } from './local-stages';

export interface LocalRunOptions {
  readonly paths: LocalPaths;
  /** The environment's names on the embedded stack (its stream, buckets, database). @default the local environment's */
  readonly names?: ResourceNames;
  readonly source: EventSource;
  /** @default all jobs */
  readonly jobs?: readonly KpiJobName[];
  /** Leave the stack running at the end when this run started it. @default false */
  readonly keep?: boolean;
  /**
   * Shift event times so the newest event is now. Bronze is partitioned by arrival time and the
   * jobs read a window's arrival folders plus a few days of lateness, so events dated weeks before
   * they arrive fall outside every window unless shifted. @default true
   */
  readonly shiftToNow?: boolean;
  /** Exit non-zero on failed warn-level checks too. @default false */
  readonly failOnWarn?: boolean;
  /** Prices for the report's "what this would cost on Athena". @default priceTableFor() */
  readonly prices?: PriceTable;
  /** Aborting (SIGINT/SIGTERM) stops the current stage and everything the run started. */
  readonly signal: AbortSignal;
  /** Stage progress: `update` for running counts, `line` for lines that stay. */
  readonly progress: RunProgress;
}

export const STAGES = ['stack', 'replay', 'land', 'kpis', 'validate', 'publish'] as const;

/**
 * The whole pipeline on the embedded stack: stack up (or reuse), replay events into the
 * emulator's Kinesis, land them into bronze Parquet, compute the KPI tables with Spark, validate
 * them on Trino. Stops what it started unless `keep`, also when a stage fails or the run is stopped.
 */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunReport> {
  const run = startLocalRun(options);
  try {
    const stack = await stackStage(run);
    const clients = emulatorClients(stack.aws);
    const { replayed, landed } = await replayAndLandStage(run, clients);
    const kpis = await kpisStage(run, stack);
    await localValidateStage(run, stack, replayed, landed, kpis);
    await localPublishStage(run, stack, kpis);
  } catch (e) {
    ({ outcome: run.outcome, failure: run.failure } = endOfRun(run.runner, STAGES, e, options.signal, 'stack'));
  }
  const extras = await localExtras(run);
  const stopped = await stopStack(run);
  return localRunReport(run, extras, stopped);
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
    durationMs: Date.now() - run.started,
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
