/** An inclusive range of UTC days, `YYYY-MM-DD`. */
export interface DayWindow {
  readonly from: string;
  readonly to: string;
}

/** The window used when none is given: every day a table can hold. */
export const ALL_DAYS: DayWindow = { from: '1970-01-01', to: '9999-12-31' };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks that `value` is a real calendar day as `YYYY-MM-DD`, naming `what` when it is not. */
export function parseDay(what: string, value: string): string {
  const match = DAY.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!date || date.toISOString().slice(0, 10) !== value) throw new Error(`${what} must be a UTC day as YYYY-MM-DD, got "${value}".`);
  return value;
}

export interface WindowOptions {
  readonly fromDate?: string;
  readonly toDate?: string;
}

/**
 * The window to validate: both bounds, or neither (then `fallback`, e.g. the days of a replay
 * manifest, or {@link ALL_DAYS}).
 */
export function resolveWindow(options: WindowOptions, fallback: DayWindow = ALL_DAYS): DayWindow {
  const from = options.fromDate?.trim() || undefined;
  const to = options.toDate?.trim() || undefined;
  if (!from && !to) return fallback;
  if (!from || !to) throw new Error('Give both --from-date and --to-date, or neither to validate every day.');
  parseDay('--from-date', from);
  parseDay('--to-date', to);
  if (from > to) throw new Error(`--from-date ${from} is after --to-date ${to}; swap them.`);
  return { from, to };
}

export function isAllDays(window: DayWindow): boolean {
  return window.from === ALL_DAYS.from && window.to === ALL_DAYS.to;
}

/** `2026-11-01..2026-11-07`, or `all days`. */
export function describeWindow(window: DayWindow): string {
  return isAllDays(window) ? 'all days' : `${window.from}..${window.to}`;
}
