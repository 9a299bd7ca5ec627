/** What one check found: fine (with what it saw), or a failure that says what to do. */
export type CheckOutcome =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly fix: string };

export const passed = (detail: string): CheckOutcome => ({ ok: true, detail });
export const failed = (fix: string): CheckOutcome => ({ ok: false, fix });

/** One named, read-only probe of a prerequisite. */
export interface DoctorCheck<Context> {
  /** Shown at the start of its line, e.g. `credentials`. */
  readonly name: string;
  /**
   * Checks that must pass first; when one did not, this one is skipped (its answer would only
   * repeat their failure). @default none
   */
  readonly needs?: readonly string[];
  run(context: Context): Promise<CheckOutcome>;
}

export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  /** What the check saw (ok), what to do (fail), or which check it waits for (skip). */
  readonly detail: string;
}

export interface DoctorReport {
  readonly target: string;
  readonly environment: string;
  readonly checks: readonly CheckResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** True when no check failed. */
  readonly ok: boolean;
}

/**
 * Runs the checks one after the other, in order. A check that throws counts as failed with its
 * error; a check whose `needs` did not all pass is skipped.
 */
export async function runChecks<Context>(
  checks: ReadonlyArray<DoctorCheck<Context>>,
  context: Context,
  header: { readonly target: string; readonly environment: string },
): Promise<DoctorReport> {
  const results: CheckResult[] = [];
  const statusOf = new Map<string, CheckStatus>();
  for (const check of checks) {
    const blocking = (check.needs ?? []).filter((name) => statusOf.get(name) !== 'ok');
    let result: CheckResult;
    if (blocking.length > 0) {
      result = { name: check.name, status: 'skip', detail: `needs ${blocking.join(' and ')}` };
    } else {
      const outcome = await check.run(context).catch((e: unknown) => failed(`the check itself failed: ${e instanceof Error ? e.message : String(e)}`));
      result = outcome.ok ? { name: check.name, status: 'ok', detail: outcome.detail } : { name: check.name, status: 'fail', detail: outcome.fix };
    }
    statusOf.set(check.name, result.status);
    results.push(result);
  }
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  return { ...header, checks: results, passed: count('ok'), failed: count('fail'), skipped: count('skip'), ok: count('fail') === 0 };
}

const LABELS: Record<CheckStatus, string> = { ok: '[OK]', fail: '[FAIL]', skip: '[SKIP]' };

/** The report as `dbt debug` shapes it: one line per check, then a summary line. */
export function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = report.checks.map((c) => `  ${c.name.padEnd(width)}  ${LABELS[c.status]} ${c.detail}`);
  const total = report.checks.length;
  const summary = report.ok
    ? `All ${total} checks passed.`
    : `${report.failed} of ${total} checks failed${report.skipped > 0 ? `, ${report.skipped} skipped` : ''}: fix the [FAIL] lines and run \`clickstream doctor\` again.`;
  return [`clickstream doctor: target ${report.target}, environment ${report.environment}`, ...lines, summary].join('\n');
}
