import { Severity } from './checks';
import { DayWindow } from '../kpis/day-window';

/** One check's outcome: a row of the report. */
export interface CheckResult {
  readonly table: string;
  /** The check's name, e.g. `unique-grain`. */
  readonly check: string;
  readonly severity: Severity;
  readonly passed: boolean;
  /** What the tables hold, in words and numbers (`1 duplicate row, e.g. day=2026-11-02`). */
  readonly observed: string;
  readonly expected: string;
}

/** One statement the suite ran, for cost and latency. */
export interface QueryRecord {
  /** The table it checked, or `information_schema` for the column check. */
  readonly subject: string;
  readonly queryId: string;
  readonly durationMs: number;
  readonly bytesScanned?: number;
}

export interface ReportSummary {
  readonly checks: number;
  readonly passed: number;
  /** Failed error-level checks: any of them fails the run. */
  readonly failedErrors: number;
  /** Failed warn-level checks: they fail the run only when asked to (fail-on-warn). */
  readonly failedWarnings: number;
}

export interface ValidationReport {
  readonly engine: string;
  readonly database: string;
  readonly window: DayWindow & { readonly description: string };
  readonly tables: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
  readonly queries: readonly QueryRecord[];
  readonly summary: ReportSummary;
  /** The KPI run checked, and its audit branch while it is unpublished. */
  readonly run?: { readonly runId: string; readonly branch?: string };
}

export function summarize(checks: readonly CheckResult[]): ReportSummary {
  const failed = checks.filter((c) => !c.passed);
  return {
    checks: checks.length,
    passed: checks.length - failed.length,
    failedErrors: failed.filter((c) => c.severity === 'error').length,
    failedWarnings: failed.filter((c) => c.severity === 'warn').length,
  };
}

/** Whether the run fails: any error-level failure, or also a warning with `failOnWarn`. */
export function reportFails(report: ValidationReport, failOnWarn = false): boolean {
  return report.summary.failedErrors > 0 || (failOnWarn && report.summary.failedWarnings > 0);
}

/** The failed checks that count for {@link reportFails}. */
export function failingChecks(report: ValidationReport, failOnWarn = false): CheckResult[] {
  return report.checks.filter((c) => !c.passed && (c.severity === 'error' || failOnWarn));
}

/** The report as pretty JSON, what `--json` prints and `report.json` holds. */
export function reportJson(report: ValidationReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`;
}
