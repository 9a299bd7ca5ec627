import { jobsAndTables } from './shared-stages';
import { checkReplayAllowed } from '../config/guards';
import { ENVIRONMENTS, EnvironmentName, StandingEnvironmentName } from '../config/names';
import { KpiJobName, KpiTableName, parseJobList } from '../kpis/catalog';
import { ValidDayWindow, dayWindow, dayWindowProblems, describeWindow } from '../kpis/day-window';

/** A KPI run's requested settings, as a dispatch gives them (strings; empty means unset). */
export interface KpiRunRequest {
  readonly environment: string;
  readonly fromDate: string;
  readonly toDate: string;
  readonly jobs: string;
  /** Replay generated events first. */
  readonly replay: boolean;
  /** The operator's override for replaying into production. */
  readonly allowProdReplay: boolean;
}

/** What a KPI run will do, decided before anything else runs. */
export interface KpiRunPlan {
  readonly environment: Exclude<EnvironmentName, 'local'>;
  /** The explicit window; undefined: the replay's days with a replay, else an incremental run. */
  readonly window?: ValidDayWindow;
  readonly jobs: readonly KpiJobName[];
  readonly tables: readonly KpiTableName[];
  readonly replay: boolean;
  /** Which days the run computes, for people. */
  readonly days: string;
}

/** How a request's problems name its settings (the action's input names by default). */
export interface KpiRunRequestNames {
  readonly environment: string;
  readonly fromDate: string;
  readonly toDate: string;
  readonly jobs: string;
  readonly allowProdReplay: string;
}

const INPUT_NAMES: KpiRunRequestNames = {
  environment: 'environment', fromDate: 'from-date', toDate: 'to-date', jobs: 'jobs', allowProdReplay: 'allow-prod-replay',
};

const DEPLOYED = ENVIRONMENTS.filter((e): e is Exclude<StandingEnvironmentName, 'local'> => e !== 'local');

/**
 * Checks a KPI run's request and decides its days: an explicit window (both ends, real UTC days,
 * from <= to), else the replayed days, else none: the jobs then recompute the event days that
 * received arrivals since the last successful run. Throws naming every problem.
 */
export function planKpiRun(request: KpiRunRequest, names: KpiRunRequestNames = INPUT_NAMES): KpiRunPlan {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  const environment = request.environment.trim();
  if (!(DEPLOYED as readonly string[]).includes(environment)) {
    problems.push(`${names.environment} must be one of ${DEPLOYED.join(', ')}, got "${environment}".`);
  }
  const from = request.fromDate.trim();
  const to = request.toDate.trim();
  let window: ValidDayWindow | undefined;
  if (Boolean(from) !== Boolean(to)) {
    problems.push(`${names.fromDate} and ${names.toDate} go together: give both (UTC days, inclusive), or neither for ` +
      `${request.replay ? 'the replayed days' : 'an incremental run'}.`);
  } else if (from && to) {
    const windowProblems = dayWindowProblems(from, to, names);
    problems.push(...windowProblems);
    if (windowProblems.length === 0) window = dayWindow(from, to, names);
  }
  const jobs = attempt(() => parseJobList(request.jobs));
  if (request.replay && (DEPLOYED as readonly string[]).includes(environment)) {
    attempt(() => checkReplayAllowed({
      environment: environment as EnvironmentName,
      origin: 'generated',
      allowProduction: request.allowProdReplay,
      override: `${names.allowProdReplay} to true`,
      environmentOption: names.environment,
    }));
  }
  if (problems.length > 0 || !jobs) throw new Error(`The KPI run cannot start:\n- ${problems.join('\n- ')}`);
  const days = window ? describeWindow(window) : request.replay ? 'the days the replay delivers' : 'incremental: the event days that received arrivals since the last successful run';
  return { environment: environment as KpiRunPlan['environment'], window, ...jobsAndTables(jobs), replay: request.replay, days };
}
