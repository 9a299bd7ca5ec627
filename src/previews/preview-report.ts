import { DEFAULT_MAX_AGE_HOURS, SweepReport } from './sweep';
import { LeftResource, TeardownReport } from './teardown';
import { PreviewEnvironmentName, resourceNames } from '../config/names';
import { stackConcernsOf, stackName } from '../config/stack-outputs';
import { renderCostMarkdown } from '../cost/cost-text';
import { RunCost } from '../cost/run-cost';
import { BilledUsage } from '../cost/serverless-usage';
import { formatBytes } from '../format/numbers';
import { renderReportMarkdown } from '../validation/markdown';
import { ValidationReport } from '../validation/validation-report';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function leftTable(left: readonly LeftResource[]): string[] {
  return [
    '| left | type | state | to remove it |',
    '|---|---|---|---|',
    ...left.map((l) => `| ${l.kind} \`${cell(l.name)}\` | ${l.type ?? ''} | ${cell(l.status)} | ${l.remedy.startsWith('aws ') || l.remedy.includes('npx ') ? `\`${cell(l.remedy)}\`` : cell(l.remedy)} |`),
  ];
}

/** A teardown as Markdown (job summary, pull request comment). */
export function renderTeardownMarkdown(report: TeardownReport): string {
  const heading = {
    'removed': `### Preview \`${report.environment}\` destroyed`,
    'already-gone': `### Preview \`${report.environment}\`: nothing to destroy`,
    'incomplete': `### Preview \`${report.environment}\`: NOT fully destroyed`,
  }[report.result];
  const lines = [heading, '', report.result === 'incomplete' ? 'Something is left; it keeps costing until it is removed.' : report.message];
  if (report.removed.length > 0) {
    lines.push('', '| removed | name |', '|---|---|', ...report.removed.map((r) => `| ${r.kind} | \`${r.kind === 'EMR cluster' ? `${r.id} (${r.name})` : r.name}\` |`));
  }
  if (report.absent.length > 0) lines.push('', `Already gone: ${report.absent.map((s) => `\`${s}\``).join(', ')}.`);
  if (report.left.length > 0) lines.push('', ...leftTable(report.left), '', 'Running the teardown again is harmless: it removes what is left and counts the rest as gone.');
  return `${lines.join('\n')}\n`;
}

/** A sweep as Markdown (job summary). */
export function renderSweepMarkdown(report: SweepReport): string {
  const removed = report.decisions.filter((d) => d.remove);
  const lines = [
    `## Sweep of preview environments (${report.region}${report.dryRun ? ', dry run' : ''})`,
    '',
    report.decisions.length === 0
      ? 'No preview environment found (no `clickstream-pr-<number>-*` stack, no running cluster tagged with a preview).'
      : `${report.decisions.length} preview(s) found; ${removed.length} ${report.dryRun ? 'would be destroyed' : 'destroyed'} (closed pull request, or older than ${report.maxAgeHours} h).`,
  ];
  if (report.decisions.length > 0) {
    lines.push('', '| preview | stacks | running clusters | decision |', '|---|---:|---:|---|');
    for (const d of report.decisions) {
      const teardown = report.teardowns.find((t) => t.environment === d.preview.environment);
      const outcome = !d.remove ? d.reason : report.dryRun ? `would destroy: ${d.reason}` : `${teardown?.result === 'incomplete' ? 'NOT fully destroyed' : 'destroyed'}: ${d.reason}`;
      lines.push(`| \`${d.preview.environment}\` | ${d.preview.stacks.length} | ${d.preview.clusters.length} | ${cell(outcome)} |`);
    }
  }
  for (const teardown of report.teardowns) lines.push('', renderTeardownMarkdown(teardown).trimEnd());
  return `${lines.join('\n')}\n`;
}

/** The stages of a preview's run, in order, as the workflow's steps report them (a step's `outcome`). */
export const PREVIEW_STAGES = ['deploy', 'replay', 'kpis', 'validate', 'publish'] as const;
export type PreviewStage = (typeof PREVIEW_STAGES)[number];
/** success, failure, cancelled or skipped; empty when the step never ran (GitHub docs, "steps context"). */
export type StepOutcome = 'success' | 'failure' | 'cancelled' | 'skipped' | '';

export interface PreviewRunSummary {
  readonly environment: PreviewEnvironmentName;
  readonly region: string;
  /** The commit the preview runs. */
  readonly commit?: string;
  /** Where the workflow run is. */
  readonly runUrl?: string;
  readonly outcomes: Readonly<Record<PreviewStage, StepOutcome>>;
  readonly clusterId?: string;
  /** EMR's own measure of the cluster's use (DescribeCluster). */
  readonly normalizedInstanceHours?: number;
  /** The EMR Serverless job runs, when the KPI jobs ran there. */
  readonly serverless?: PreviewServerlessRuns;
  readonly cost?: RunCost;
  readonly validation?: ValidationReport;
  /** What could not be measured, and why. */
  readonly notes?: readonly string[];
}

export interface PreviewServerlessRuns {
  readonly applicationId: string;
  readonly jobRunIds: readonly string[];
  /** What EMR Serverless billed (GetJobRun), added up over `billedJobRuns` of them; absent when none told it. */
  readonly billed?: BilledUsage;
  readonly billedJobRuns: number;
}

function serverlessLine(runs: PreviewServerlessRuns): string {
  const jobRuns = runs.jobRunIds.length > 0 ? `, job runs ${runs.jobRunIds.map((id) => `\`${id}\``).join(', ')}` : '';
  const share = runs.billedJobRuns < runs.jobRunIds.length ? ` for ${runs.billedJobRuns} of them` : '';
  const billed = runs.billed
    ? `; billed ${runs.billed.vCpuHours.toFixed(3)} vCPU-hours, ${runs.billed.memoryGbHours.toFixed(3)} GB-hours of memory` +
      `${runs.billed.storageGbHours > 0 ? `, ${runs.billed.storageGbHours.toFixed(3)} GB-hours of storage` : ''}${share}`
    : '';
  return `EMR Serverless: application \`${runs.applicationId}\`${jobRuns}${billed}.`;
}

/**
 * The pull request's one comment about its preview: which environment, how the run went stage by
 * stage, what it used and cost in EMR and Athena terms (instance time and normalized instance hours,
 * bytes scanned), then the validation report, and what happens to the environment next.
 */
export function renderPreviewRunMarkdown(summary: PreviewRunSummary): string {
  const failed = PREVIEW_STAGES.find((stage) => summary.outcomes[stage] === 'failure' || summary.outcomes[stage] === 'cancelled');
  const passed = PREVIEW_STAGES.every((stage) => summary.outcomes[stage] === 'success');
  const verdict = passed ? ':white_check_mark: passed' : failed ? `:x: ${summary.outcomes[failed] === 'cancelled' ? 'cancelled' : 'FAILED'} at ${failed}` : ':x: did not finish';
  const names = resourceNames(summary.environment);
  const lines = [
    `## Preview \`${summary.environment}\`: ${verdict}`,
    '',
    `The run of ${summary.commit ? `commit ${summary.commit.slice(0, 12)}` : 'this pull request'} in its own environment \`${summary.environment}\` (${summary.region})` +
      `${summary.runUrl ? `, [workflow run](${summary.runUrl})` : ''}: stacks ${stackConcernsOf(summary.environment).map((c) => `\`${stackName(summary.environment, c)}\``).join(', ')}, ` +
      `database \`${names.glueDatabase}\`, stream \`${names.streamName}\`, workgroup \`${names.athenaWorkgroup}\`.`,
    '',
    '| stage | outcome |',
    '|---|---|',
    ...PREVIEW_STAGES.map((stage) => `| ${stage} | ${summary.outcomes[stage] || 'did not run'} |`),
  ];
  const emr = [
    summary.clusterId ? `cluster \`${summary.clusterId}\`` : undefined,
    summary.normalizedInstanceHours !== undefined ? `${summary.normalizedInstanceHours} normalized instance hours` : undefined,
  ].filter(Boolean);
  if (emr.length > 0) lines.push('', `EMR: ${emr.join(', ')}.`);
  if (summary.serverless) lines.push('', serverlessLine(summary.serverless));
  if (summary.validation) {
    const scanned = summary.validation.queries.reduce((n, q) => n + (q.bytesScanned ?? 0), 0);
    lines.push(`Athena: ${summary.validation.queries.length} queries scanned ${formatBytes(scanned)}.`);
  }
  if (summary.cost) lines.push(...renderCostMarkdown(summary.cost));
  for (const note of summary.notes ?? []) lines.push('', `- ${note}`);
  if (summary.validation) {
    lines.push('', '<details><summary>Validation report</summary>', '', renderReportMarkdown(summary.validation).trimEnd(), '', '</details>');
  }
  lines.push('', `\`${summary.environment}\` stays up for the next commit's run; closing this pull request or removing the label destroys it ` +
    `(and the scheduled sweep destroys previews of closed pull requests and those older than ${DEFAULT_MAX_AGE_HOURS} hours).`);
  return `${lines.join('\n')}\n`;
}
