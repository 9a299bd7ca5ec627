import {
  EMRServerlessClient, GetJobRunCommand, JobRun, JobRunState, StartJobRunCommand,
} from '@aws-sdk/client-emr-serverless';
import type { S3Client } from '@aws-sdk/client-s3';
import { ENDED_JOB_RUN_STATES, cancelJobRuns } from './cancel-job-runs';
import { buildJobRunRequest, driverLogUri, ServerlessTarget } from './job-run-request';
import { BilledUsage, NOTHING_BILLED, addBilledUsage, billedUsageOf } from '../cost/serverless-usage';
import { LogTail, waitForLogTail } from '../emr/step-logs';
import { SparkSubmit } from '../emr/steps';
import { Clock, secondsSince, Sleep } from '../timing/clock';
import { pollUntil } from '../timing/poll';

/** A job run's states that end it. */
const ENDED: ReadonlySet<JobRunState> = new Set<JobRunState>(ENDED_JOB_RUN_STATES);

export type { BilledUsage } from '../cost/serverless-usage';

export interface JobRunReport {
  /** The KPI job, or the table maintenance. */
  readonly job: string;
  readonly jobRunId: string;
  /** The last state seen. */
  readonly state: JobRunState;
  /** EMR Serverless's explanation of the state, when it gives one (a failure's reason). */
  readonly stateDetails?: string;
  /** What was billed (GetJobRun's billedResourceUtilization), once the run has ended. */
  readonly billed?: BilledUsage;
  /** The driver's logs, and for a failed run the tail of its stderr. */
  readonly logs: { readonly stderr: string; readonly stdout: string };
  readonly stderrTail?: LogTail;
}

export interface ServerlessRunOptions {
  readonly target: ServerlessTarget;
  /** One job run per Spark job, in this order. */
  readonly submits: readonly SparkSubmit[];
  /** The run's id: the job runs' idempotency tokens derive from it. */
  readonly runId: string;
  /** Cancel the job runs still going after this long. */
  readonly timeoutMs: number;
  /** @default 15_000, growing 1.5 times to {@link maxPollIntervalMs} */
  readonly pollIntervalMs?: number;
  /** @default 60_000 */
  readonly maxPollIntervalMs?: number;
  /** How long to wait for a failed run's driver log to be uploaded. @default 120_000 */
  readonly logWaitMs?: number;
  /** Aborting (Ctrl-C, a cancelled workflow) cancels the job runs still going. */
  readonly signal?: AbortSignal;
}

export interface ServerlessRunDeps {
  readonly client: Pick<EMRServerlessClient, 'send'>;
  readonly s3: S3Client;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** A line whenever a job run changes state. */
  readonly log?: (line: string) => void;
  /** Called after each job run is submitted, with every one so far, so a caller that dies later can still cancel them. */
  readonly onJobRunsStarted?: (applicationId: string, jobRunIds: readonly string[]) => void | Promise<void>;
}

export interface ServerlessRunResult {
  /** `completed`: every job run succeeded. */
  readonly result: 'completed' | 'job-failed' | 'timed-out' | 'aborted';
  /** One sentence: which job runs, what happened, where their logs are. */
  readonly message: string;
  readonly applicationId: string;
  readonly jobRuns: readonly JobRunReport[];
  /** The job runs' billed usage added up (those that report it). */
  readonly billed: BilledUsage;
  /** The job runs that this run cancelled (timed out or aborted). */
  readonly cancelled: readonly string[];
  /** Job runs this run meant to cancel and could not, each with the command that cancels it. */
  readonly cleanupProblems: readonly string[];
  readonly durationSeconds: number;
}


/**
 * Runs Spark jobs (the KPI jobs, the table maintenance) as EMR Serverless job runs on the environment's application (started by
 * StartJobRun: the application starts on submit and stops when idle), waits through every state with
 * the one wait loop, cancels what is still going on timeout or abort (CancelJobRun), and reports each
 * run's state, billed usage and log location, with a failed driver's stderr tail.
 */
export async function runJobRuns(options: ServerlessRunOptions, deps: ServerlessRunDeps): Promise<ServerlessRunResult> {
  const started = deps.clock();
  const log = deps.log ?? (() => undefined);
  const { applicationId, logUri } = options.target;
  const ids: Array<{ job: string; jobRunId: string }> = [];
  for (const submit of options.submits) {
    try {
      const response = await deps.client.send(new StartJobRunCommand(buildJobRunRequest(submit, options.target, options.runId)));
      ids.push({ job: submit.job, jobRunId: response.jobRunId! });
      await deps.onJobRunsStarted?.(applicationId, ids.map((i) => i.jobRunId));
      log(`${submit.job}: job run ${response.jobRunId} submitted to application ${applicationId}`);
    } catch (error) {
      // A run is all its jobs or none: the ones already started are cancelled, so nothing writes half a run.
      const undo = uncancelledProblems(await cancelJobRuns(deps.client, applicationId, ids.map((i) => i.jobRunId)));
      const e = error as Error;
      const undone = [
        ...(undo.cancelled.length > 0 ? [`cancelled ${undo.cancelled.join(', ')}, already started`] : []),
        ...undo.problems,
      ];
      throw new Error(`Could not start the ${submit.job} job run on EMR Serverless application ${applicationId}: ${e.name}: ${e.message}` +
        `${undone.length > 0 ? ` (${undone.join('; ')})` : ''}`, { cause: error });
    }
  }

  const latest = new Map<string, JobRun>();
  const outcome = await pollUntil(async () => {
    for (const { job, jobRunId } of ids) {
      const known = latest.get(jobRunId);
      if (known?.state && ENDED.has(known.state)) continue;
      const run = (await deps.client.send(new GetJobRunCommand({ applicationId, jobRunId }))).jobRun!;
      if (run.state !== known?.state) log(`${job}: ${run.state}${run.stateDetails ? ` (${run.stateDetails})` : ''}`);
      latest.set(jobRunId, run);
    }
    const going = ids.filter(({ jobRunId }) => !ENDED.has(latest.get(jobRunId)!.state!));
    return going.length === 0 ? { done: true as const, value: undefined } : { done: false as const, pending: going };
  }, {
    timeoutMs: options.timeoutMs,
    backoff: { initialMs: options.pollIntervalMs ?? 15_000, factor: 1.5, maxMs: options.maxPollIntervalMs ?? 60_000 },
    signal: options.signal,
    clock: deps.clock,
    sleep: deps.sleep,
  });

  const undo = outcome.kind === 'done'
    ? { cancelled: [], problems: [] }
    : uncancelledProblems(await cancelJobRuns(deps.client, applicationId, outcome.pending.map((p) => p.jobRunId)));
  const { cancelled, problems: cleanupProblems } = undo;
  for (const { job, jobRunId } of ids.filter((i) => cancelled.includes(i.jobRunId))) log(`${job}: cancelled job run ${jobRunId}`);

  const jobRuns: JobRunReport[] = [];
  for (const { job, jobRunId } of ids) {
    const run = latest.get(jobRunId);
    const logs = {
      stderr: driverLogUri(logUri, applicationId, jobRunId, 'stderr.gz'),
      stdout: driverLogUri(logUri, applicationId, jobRunId, 'stdout.gz'),
    };
    let stderrTail: LogTail | undefined;
    if (run?.state === 'FAILED') {
      const wait = { maxWaitMs: options.logWaitMs ?? 120_000, signal: options.signal };
      const read = await waitForLogTail(logs.stderr, 50, wait, { s3: deps.s3, clock: deps.clock, sleep: deps.sleep });
      if (read.kind === 'tail') stderrTail = read.tail;
    }
    jobRuns.push({ job, jobRunId, state: run?.state ?? 'SUBMITTED', stateDetails: run?.stateDetails || undefined, billed: run?.billedResourceUtilization && billedUsageOf(run.billedResourceUtilization), logs, stderrTail });
  }
  const billed = jobRuns.reduce((sum, r) => (r.billed ? addBilledUsage(sum, r.billed) : sum), NOTHING_BILLED);
  const failed = jobRuns.filter((r) => r.state === 'FAILED' || r.state === 'CANCELLED');
  const result = outcome.kind === 'timed-out' ? 'timed-out' : outcome.kind === 'aborted' ? 'aborted' : failed.length > 0 ? 'job-failed' : 'completed';
  const message = [describe(result, jobRuns, failed, cancelled, options), ...cleanupProblems].join(' ');
  return { result, message, applicationId, jobRuns, billed, cancelled, cleanupProblems, durationSeconds: secondsSince(started, deps.clock) };
}

/** What cancelling did, the failures as sentences that end with the command to run. */
function uncancelledProblems(outcome: Awaited<ReturnType<typeof cancelJobRuns>>): { cancelled: string[]; problems: string[] } {
  return {
    cancelled: outcome.cancelled,
    problems: outcome.failed.map((f) => `Could not cancel job run ${f.jobRunId} (${f.error}); if it still runs, cancel it with \`${f.command}\`.`),
  };
}

function describe(
  result: ServerlessRunResult['result'], runs: readonly JobRunReport[], failed: readonly JobRunReport[], cancelled: readonly string[], options: ServerlessRunOptions,
): string {
  const app = `application ${options.target.applicationId}`;
  if (result === 'completed') return `${runs.length} job run(s) on ${app} succeeded: ${runs.map((r) => `${r.job} ${r.jobRunId}`).join(', ')}.`;
  if (result === 'timed-out' || result === 'aborted') {
    const why = result === 'timed-out' ? `still going after ${Math.round(options.timeoutMs / 60_000)} min` : 'the run was stopped';
    return `${cancelled.length} job run(s) on ${app} cancelled (${why}): ${cancelled.join(', ')}.`;
  }
  return failed.map((r) => `Job run ${r.jobRunId} (${r.job}) on ${app} ended ${r.state}${r.stateDetails ? `: ${r.stateDetails}` : ''}; driver log ${r.logs.stderr}.`).join(' ');
}
