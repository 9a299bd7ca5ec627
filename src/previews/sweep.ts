import { StackStatus, paginateListStacks } from '@aws-sdk/client-cloudformation';
import { EnvironmentCluster, TeardownClients, TeardownReport, activeClusters, teardownPreview } from './teardown';
import { PREVIEW_PREFIX, PreviewEnvironmentName, isPreviewEnvironment, previewNumber } from '../config/names';
import { STACK_CONCERNS } from '../config/stack-outputs';

/** Previews older than this are destroyed whatever their pull request's state. */
export const DEFAULT_MAX_AGE_HOURS = 48;

/** A preview found in the account: by its stacks' names, and by its clusters' environment tag. */
export interface FoundPreview {
  readonly environment: PreviewEnvironmentName;
  readonly pullRequest: number;
  readonly stacks: ReadonlyArray<{ readonly name: string; readonly status: string; readonly createdAt: Date }>;
  readonly clusters: readonly EnvironmentCluster[];
  /** When its first stack (or, without stacks, its first cluster) was created. */
  readonly createdAt?: Date;
}

/** What GitHub says of a pull request; `unknown` when it could not be asked (the preview is then kept). */
export type PullRequestState = { readonly state: 'open' | 'closed' | 'missing' } | { readonly state: 'unknown'; readonly error: string };

export interface SweepDecision {
  readonly preview: FoundPreview;
  readonly remove: boolean;
  /** Why, in words: `pull request #7 is closed`, `created 52 h ago (more than 48 h)`, `pull request #7 is open, 3 h old`. */
  readonly reason: string;
}

/** Every stack status but DELETE_COMPLETE: what ListStacks shows of stacks that still exist. */
const EXISTING_STACK_STATUSES = Object.values(StackStatus).filter((s) => s !== StackStatus.DELETE_COMPLETE);

/** `clickstream-pr-<n>-<concern>`: the stack names the CDK app gives a preview (stackName). */
const PREVIEW_STACK = new RegExp(`^clickstream-(${PREVIEW_PREFIX}[1-9]\\d*)-(${STACK_CONCERNS.join('|')})$`);

/**
 * The previews in the account and region: the stacks whose names the CDK app gives previews
 * (ListStacks, every status but DELETE_COMPLETE; its StackSummaries carry name and creation time,
 * CloudFormation API reference), and the running EMR clusters tagged with a preview, with or without
 * stacks (a teardown that ran before its cluster ended leaves one).
 */
export async function findPreviews(clients: TeardownClients): Promise<FoundPreview[]> {
  const stacks = new Map<string, Array<FoundPreview['stacks'][number]>>();
  for await (const page of paginateListStacks({ client: clients.cloudFormation }, { StackStatusFilter: EXISTING_STACK_STATUSES })) {
    for (const summary of page.StackSummaries ?? []) {
      const environment = PREVIEW_STACK.exec(summary.StackName ?? '')?.[1];
      if (!environment || !isPreviewEnvironment(environment)) continue;
      stacks.set(environment, [...(stacks.get(environment) ?? []), { name: summary.StackName!, status: summary.StackStatus ?? 'UNKNOWN', createdAt: summary.CreationTime ?? new Date(0) }]);
    }
  }
  const clusters = await activeClusters(clients.emr);
  const environments = [...new Set([...stacks.keys(), ...clusters.map((c) => c.environment)])].filter(isPreviewEnvironment);
  return environments.sort((a, b) => previewNumber(a) - previewNumber(b)).map((environment) => {
    const own = stacks.get(environment) ?? [];
    const ownClusters = clusters.filter((c) => c.environment === environment);
    const created = own.length > 0 ? own.map((s) => s.createdAt) : ownClusters.flatMap((c) => (c.createdAt ? [c.createdAt] : []));
    const times = created.map((d) => d.getTime());
    return {
      environment,
      pullRequest: previewNumber(environment),
      stacks: own.sort((a, b) => a.name.localeCompare(b.name)),
      clusters: ownClusters,
      createdAt: times.length > 0 ? new Date(Math.min(...times)) : undefined,
    };
  });
}

export interface PlanSweepOptions {
  readonly pullRequestState: (number: number) => Promise<PullRequestState>;
  readonly now: Date;
  /** @default DEFAULT_MAX_AGE_HOURS */
  readonly maxAgeHours?: number;
}

/**
 * Which previews to destroy: those whose pull request is closed or does not exist, and those older
 * than the maximum age (a preview of an open pull request is deployed again by its next labelled
 * run) unless its run is in progress. One whose pull request's state is unknown and that is not too
 * old is kept: it is never destroyed on a guess.
 */
export async function planSweep(previews: readonly FoundPreview[], options: PlanSweepOptions): Promise<SweepDecision[]> {
  const maxAgeHours = options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS;
  if (!(maxAgeHours > 0)) throw new Error(`The maximum age of a preview must be a positive number of hours, got ${maxAgeHours}.`);
  const decisions: SweepDecision[] = [];
  for (const preview of previews) {
    const ageHours = preview.createdAt ? (options.now.getTime() - preview.createdAt.getTime()) / 3_600_000 : undefined;
    const age = ageHours === undefined ? 'of unknown age' : `${Math.floor(ageHours)} h old`;
    const pr = `pull request #${preview.pullRequest}`;
    const github = await options.pullRequestState(preview.pullRequest);
    const busy = inUse(preview);
    if (github.state === 'closed') decisions.push({ preview, remove: true, reason: `${pr} is closed (${age})` });
    else if (github.state === 'missing') decisions.push({ preview, remove: true, reason: `${pr} does not exist (${age})` });
    // Its pull request's run is deploying or computing right now (the sweep does not share its concurrency group): the next sweep decides.
    else if (busy) decisions.push({ preview, remove: false, reason: `kept: ${pr} is ${github.state} and its run is in progress (${busy}); ${age}` });
    else if (ageHours !== undefined && ageHours > maxAgeHours) decisions.push({ preview, remove: true, reason: `${age}, more than ${maxAgeHours} h (${pr} is ${github.state})` });
    else if (github.state === 'unknown') decisions.push({ preview, remove: false, reason: `kept: the state of ${pr} could not be read (${github.error}); ${age}` });
    else decisions.push({ preview, remove: false, reason: `kept: ${pr} is open, ${age}` });
  }
  return decisions;
}

/** What of the preview is working now: a running cluster, or a stack whose deployment has not finished. */
function inUse(preview: FoundPreview): string | undefined {
  const working = [
    ...preview.clusters.map((c) => `cluster ${c.id} ${c.state}`),
    ...preview.stacks.filter((s) => s.status.endsWith('_IN_PROGRESS') && !s.status.startsWith('DELETE_')).map((s) => `${s.name} ${s.status}`),
  ];
  return working.length > 0 ? working.join(', ') : undefined;
}

export interface SweepOptions extends TeardownClients, PlanSweepOptions {
  readonly region: string;
  /** Only decide and report. @default false */
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
  /** Passed to each teardown. */
  readonly teardown?: Pick<Parameters<typeof teardownPreview>[0], 'maxWaitSeconds' | 'pollSeconds'>;
}

export interface SweepReport {
  readonly region: string;
  readonly maxAgeHours: number;
  readonly dryRun: boolean;
  readonly decisions: readonly SweepDecision[];
  readonly teardowns: readonly TeardownReport[];
  /** Whether every preview it set out to remove is gone. */
  readonly complete: boolean;
}

/** Finds the previews, decides, destroys those it should (one after another), and reports. */
export async function sweepPreviews(options: SweepOptions): Promise<SweepReport> {
  const log = options.log ?? (() => undefined);
  const previews = await findPreviews(options);
  log(`found ${previews.length} preview(s): ${previews.map((p) => p.environment).join(', ') || 'none'}`);
  const decisions = await planSweep(previews, options);
  const teardowns: TeardownReport[] = [];
  for (const decision of decisions) {
    log(`${decision.preview.environment}: ${decision.remove ? `${options.dryRun ? 'would destroy' : 'destroying'}: ` : ''}${decision.reason}`);
    if (!decision.remove || options.dryRun) continue;
    teardowns.push(await teardownPreview({ ...options, ...options.teardown, environment: decision.preview.environment, log }));
  }
  return {
    region: options.region,
    maxAgeHours: options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS,
    dryRun: options.dryRun ?? false,
    decisions,
    teardowns,
    complete: teardowns.every((t) => t.result !== 'incomplete'),
  };
}
