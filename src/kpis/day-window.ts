/**
 * A window of UTC event days: what a KPI run (re)computes and what validation checks. Both ends
 * are inclusive, `YYYY-MM-DD`, named like the jobs' `--from-date`/`--to-date` arguments.
 */
export interface DayWindow {
  readonly fromDate: string;
  readonly toDate: string;
}

declare const CHECKED: unique symbol;

/**
 * A {@link DayWindow} of real days, from <= to: made only by {@link dayWindow} and
 * {@link windowFromOptions} (or {@link ALL_DAYS}), so what receives one checks nothing again.
 */
export type ValidDayWindow = DayWindow & { readonly [CHECKED]: true };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Whether `value` is a real calendar day as `YYYY-MM-DD`, years 0001 to 9999: the rule of the jobs'
 * `--from-date`/`--to-date` too (test/fixtures/argument-corpus.json holds both to it).
 */
export function isDay(value: string): boolean {
  const match = DAY.exec(value);
  if (!match || Number(match[1]) < 1) return false;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999.
  date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date.toISOString().slice(0, 10) === value;
}

/** Checks that `value` is a real calendar day as `YYYY-MM-DD`, naming `what` when it is not. */
export function parseDay(what: string, value: string): string {
  if (!isDay(value)) throw new Error(dayProblem(what, value));
  return value;
}

const dayProblem = (what: string, value: string) => `${what} must be a UTC day as YYYY-MM-DD, got "${value}".`;

/** How a window's problems name its two ends: the commands' options by default, an action's inputs otherwise. */
export interface WindowNames {
  readonly fromDate: string;
  readonly toDate: string;
}

/** The commands' options, `--from-date`/`--to-date`. */
export const WINDOW_OPTIONS: WindowNames = { fromDate: '--from-date', toDate: '--to-date' };

/**
 * What is wrong with the window `fromDate..toDate`, each problem a sentence naming its end: a day that
 * is not real, or from after to. Empty when it is a window. The one copy of the rule.
 */
export function dayWindowProblems(fromDate: string, toDate: string, names: WindowNames = WINDOW_OPTIONS): string[] {
  const problems = [[names.fromDate, fromDate], [names.toDate, toDate]]
    .filter(([, value]) => !isDay(value))
    .map(([what, value]) => dayProblem(what, value));
  if (problems.length === 0 && fromDate > toDate) {
    problems.push(`${names.fromDate} (${fromDate}) is after ${names.toDate} (${toDate}); swap them or widen the window.`);
  }
  return problems;
}

/** The window `fromDate..toDate`: real days, from <= to; else it throws naming every problem ({@link dayWindowProblems}). */
export function dayWindow(fromDate: string, toDate: string, names: WindowNames = WINDOW_OPTIONS): ValidDayWindow {
  const problems = dayWindowProblems(fromDate, toDate, names);
  if (problems.length > 0) throw new Error(problems.join(' '));
  return { fromDate, toDate } as ValidDayWindow;
}

/** Every day a table can hold: validation's window when none is given. */
export const ALL_DAYS: ValidDayWindow = dayWindow('1970-01-01', '9999-12-31');

/**
 * The window of a command's `--from-date`/`--to-date` (or an action's inputs, named by `names`): both
 * (validated), or neither (undefined). One alone fails, saying what leaving both out means
 * (`neitherMeans`): a half-open window would silently mean something else.
 */
export function windowFromOptions(
  fromDate: string | undefined, toDate: string | undefined, neitherMeans: string, names: WindowNames = WINDOW_OPTIONS,
): ValidDayWindow | undefined {
  const from = fromDate?.trim() || undefined;
  const to = toDate?.trim() || undefined;
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined || to === undefined) {
    throw new Error(`${names.fromDate} and ${names.toDate} go together: give both (UTC days, inclusive), or neither to ${neitherMeans}.`);
  }
  return dayWindow(from, to, names);
}

/**
 * What a KPI run recomputes: the event days that received arrivals since the last run
 * (incremental), the days of a window (from every arrival since the day before it), or every day.
 * A window and `--all` together cannot be expressed.
 */
export type KpiScope =
  | { readonly kind: 'incremental' }
  | { readonly kind: 'window'; readonly window: ValidDayWindow }
  | { readonly kind: 'all' };

/** The scope of a window when there is one, else an incremental run. */
export function windowScope(window: ValidDayWindow | undefined): KpiScope {
  return window ? { kind: 'window', window } : { kind: 'incremental' };
}

/** Why a run cannot have both a window and `--all`: the one message of that rule. */
export const WINDOW_WITH_ALL = '--all recomputes every day and a window recomputes its days: give --from-date/--to-date, or --all, not both.';

/** The scope of a command's `--from-date`/`--to-date`/`--all`, parsed once: a window and `--all` together are refused here. */
export function kpiScopeFromOptions(fromDate: string | undefined, toDate: string | undefined, all: boolean): KpiScope {
  const window = windowFromOptions(fromDate, toDate, 'run incrementally');
  if (window && all) throw new Error(WINDOW_WITH_ALL);
  return all ? { kind: 'all' } : windowScope(window);
}

export function isAllDays(window: DayWindow): boolean {
  return window.fromDate === ALL_DAYS.fromDate && window.toDate === ALL_DAYS.toDate;
}

/** `2026-11-01..2026-11-07`, or `all days`. */
export function describeWindow(window: DayWindow): string {
  return isAllDays(window) ? 'all days' : `${window.fromDate}..${window.toDate}`;
}

const SECONDS_PER_DAY = 86_400;
const MS_PER_DAY = SECONDS_PER_DAY * 1000;

/**
 * The UTC day of an epoch second, `YYYY-MM-DD`: the one definition in TypeScript of the KPIs' `day`
 * (the Spark jobs' `utc_day` and the validation SQL's `date_add` render the same rule, and the
 * validity corpus test holds all three to it).
 */
export function utcDay(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds / SECONDS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `day` moved by `days` (negative: earlier). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included (none when `to` is earlier). */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
