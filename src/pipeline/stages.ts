import { systemClock } from '../timing/clock';

/** One stage of a pipeline run, as the run report shows it. */
export interface StageReport {
  readonly name: string;
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'stopped';
  /** When the stage started (ISO 8601); stages may overlap, as the local replay and landing do. None when skipped. */
  readonly startedAt?: string;
  readonly durationMs: number;
  /** What the stage counted (records sent, landed, rows written, checks passed...). */
  readonly counts: Readonly<Record<string, number>>;
  /** One-line outcome for the summary. */
  readonly summary: string;
  /** On failure: why, where the logs are, what to try. */
  readonly error?: { readonly message: string; readonly logs?: readonly string[]; readonly hint?: string };
}

/** What a stage body returns. */
export interface StageOutcome<T> {
  readonly value: T;
  readonly counts: Readonly<Record<string, number>>;
  readonly summary: string;
}

/** A stage failure that knows where its logs are and what the user could try. */
export class StageError extends Error {
  constructor(message: string, readonly logs: readonly string[] = [], readonly hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StageError';
  }
}

/** Raised when a run stops on SIGINT/SIGTERM. */
export class RunStoppedError extends Error {
  constructor(readonly stage: string, readonly signal: string) {
    super(`stopped by ${signal} during ${stage}`);
    this.name = 'RunStoppedError';
  }
}

/**
 * Runs stages, recording each one's report when it ends; the first failure (or a stop) ends the
 * run, and the stages after it are reported as skipped. Stages usually run one after another;
 * two that run side by side (`Promise.all` of two `run` calls) each get their own report.
 */
export class StageRunner {
  readonly reports: StageReport[] = [];

  constructor(
    private readonly signal: AbortSignal,
    private readonly onStage: (event: { readonly stage: string; readonly phase: 'start' | 'end'; readonly report?: StageReport }) => void = () => undefined,
    private readonly now: () => number = systemClock,
  ) {}

  async run<T>(name: string, body: () => Promise<StageOutcome<T>>): Promise<T> {
    if (this.signal.aborted) throw new RunStoppedError(name, String(this.signal.reason ?? 'abort'));
    this.onStage({ stage: name, phase: 'start' });
    const started = this.now();
    const startedAt = new Date(started).toISOString();
    try {
      const outcome = await body();
      if (this.signal.aborted) throw new RunStoppedError(name, String(this.signal.reason ?? 'abort'));
      this.record({ name, status: 'succeeded', startedAt, durationMs: this.now() - started, counts: outcome.counts, summary: outcome.summary });
      return outcome.value;
    } catch (e) {
      const durationMs = this.now() - started;
      if (this.signal.aborted || e instanceof RunStoppedError) {
        const signal = e instanceof RunStoppedError ? e.signal : String(this.signal.reason ?? 'abort');
        this.record({ name, status: 'stopped', startedAt, durationMs, counts: {}, summary: `stopped by ${signal}` });
        throw e instanceof RunStoppedError ? e : new RunStoppedError(name, signal);
      }
      const error = e as Error;
      const stageError = e instanceof StageError ? e : undefined;
      this.record({
        name,
        status: 'failed',
        startedAt,
        durationMs,
        counts: {},
        summary: error.message.split('\n')[0],
        error: { message: error.message, logs: stageError?.logs, hint: stageError?.hint },
      });
      throw e;
    }
  }

  /** Marks stages that never ran because an earlier one failed or the run stopped. */
  skip(names: readonly string[]): void {
    for (const name of names) {
      if (!this.reports.some((r) => r.name === name)) {
        this.reports.push({ name, status: 'skipped', durationMs: 0, counts: {}, summary: 'not run' });
      }
    }
  }

  private record(report: StageReport): void {
    this.reports.push(report);
    this.onStage({ stage: report.name, phase: 'end', report });
  }
}
