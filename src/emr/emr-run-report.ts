import type { CancelRunResult } from './cancel';
import type { StepSnapshot } from './snapshots';
import type { StepLogResult } from './step-logs';
import type { WaitOutcomeKind } from './wait-for-steps';

export interface StepReport {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  /** Run time from start to end (or to the last poll, for a step still running). */
  readonly durationSeconds?: number;
}

/** Everything a user needs after a run, for the job summary, the CLI and the action's outputs. */
export interface EmrRunReport {
  /** `completed` is the only success. */
  readonly result: WaitOutcomeKind;
  readonly message: string;
  readonly clusterId: string;
  readonly createdCluster: boolean;
  /** The KPI run's id: its tables are on the audit branch `audit_<run id>` until published. */
  readonly runId?: string;
  readonly steps: readonly StepReport[];
  /** Wall-clock seconds from submitting to the end of the run. */
  readonly durationSeconds: number;
  /** EMR's count for the cluster when last seen (EMR updates it about hourly). */
  readonly normalizedInstanceHours?: number;
  /** The failing step's log tail, for `step-failed`. */
  readonly logs?: StepLogResult;
  /** What was cancelled or terminated, after a timeout or a cancellation. */
  readonly cleanup?: CancelRunResult;
}

export function toStepReport(step: StepSnapshot, now: Date): StepReport {
  const end = step.endedAt ?? (step.startedAt ? now : undefined);
  return {
    id: step.id,
    name: step.name,
    state: step.state,
    ...(step.startedAt && end ? { durationSeconds: Math.round((end.getTime() - step.startedAt.getTime()) / 1000) } : {}),
  };
}

/** The job summary / PR comment: verdict, per-step table, cleanup and the failing log's tail. */
export function renderReportMarkdown(report: EmrRunReport, what = 'KPI jobs'): string {
  const verdict = report.result === 'completed' ? `✅ ${what} completed on EMR` : `❌ ${what} on EMR: ${report.result}`;
  const lines = [
    `### ${verdict}`,
    '',
    report.message,
    '',
    `Cluster \`${report.clusterId}\`${report.createdCluster ? ' (transient, created by this run)' : ''} · ${report.durationSeconds} s` +
      (report.normalizedInstanceHours !== undefined ? ` · ${report.normalizedInstanceHours} normalized instance hours` : ''),
    '',
    '| Step | Id | State | Duration |',
    '|---|---|---|---|',
    ...report.steps.map((s) => `| ${s.name || '?'} | \`${s.id}\` | ${s.state} | ${s.durationSeconds !== undefined ? `${s.durationSeconds} s` : ''} |`),
  ];
  if (report.cleanup) {
    const c = report.cleanup;
    lines.push('', `Cleanup: cancelled ${c.cancelledStepIds.length ? c.cancelledStepIds.map((id) => `\`${id}\``).join(', ') : 'no steps'}` +
      (c.terminatedClusterId ? `; terminated cluster \`${c.terminatedClusterId}\`` : '') + '.');
    lines.push(...c.problems.map((p) => `- ⚠️ ${p}`));
  }
  if (report.logs) {
    if (report.logs.found) {
      for (const tail of report.logs.tails) {
        lines.push('', `<details open><summary>Last ${tail.lines.length} lines of <code>${tail.uri}</code></summary>`, '', '```text', ...tail.lines, '```', '', '</details>');
      }
    } else {
      lines.push('', `Log: ${report.logs.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
