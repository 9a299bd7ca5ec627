import { ProcessGroups, startedProcessGroups } from './processes';

/** The signals that stop a command: Ctrl-C, and what `kill` and a cancelled CI job send. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** Exit codes of a process ended by a signal, as shells report them (128 + the signal's number). */
export const SIGNAL_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** How a command stops on the first signal, for the message the user sees. */
export interface GracefulStop {
  /** What happens now, e.g. "stopping the KPI jobs' Spark processes". */
  readonly stopping: string;
  /** What a second signal leaves behind, if anything, e.g. "may leave the EMR steps running". */
  readonly secondSignalRisk?: string;
}

export interface InterruptHandlerOptions {
  /** The process groups to stop. @default startedProcessGroups */
  readonly groups?: ProcessGroups;
  /** Where the signals come from. @default process */
  readonly target?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** @default process.exit */
  readonly exit?: (code: number) => void;
  /** Messages. @default stderr */
  readonly write?: (text: string) => void;
  /** How long a process group has to stop after SIGTERM before SIGKILL. @default 10 s */
  readonly graceMs?: number;
}

/**
 * Ctrl-C for commands that start processes of their own (Spark, the emulator, Trino), which run
 * in their own process groups and so never see the terminal's Ctrl-C themselves.
 *
 * The first SIGINT or SIGTERM stops gracefully: a command that took {@link signal} is aborted and
 * finishes (reports, cleans up), then {@link settle} stops whatever it started that is still
 * running; any other command's processes are stopped (SIGTERM, then SIGKILL) and the process
 * exits. A second signal kills every started process group at once, synchronously, and exits:
 * nothing is left behind either way.
 */
export class InterruptHandler {
  private readonly controller = new AbortController();
  private readonly groups: ProcessGroups;
  private readonly target: Pick<NodeJS.Process, 'on' | 'off'>;
  private readonly exit: (code: number) => void;
  private readonly write: (text: string) => void;
  private readonly graceMs: number;
  private graceful?: GracefulStop;
  private first?: StopSignal;

  constructor(options: InterruptHandlerOptions = {}) {
    this.groups = options.groups ?? startedProcessGroups;
    this.target = options.target ?? process;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.write = options.write ?? ((text) => process.stderr.write(text));
    this.graceMs = options.graceMs ?? 10_000;
  }

  /** Starts listening for SIGINT and SIGTERM. */
  install(): this {
    for (const name of STOP_SIGNALS) this.target.on(name, this.onSignal);
    return this;
  }

  uninstall(): void {
    for (const name of STOP_SIGNALS) this.target.off(name, this.onSignal);
  }

  /**
   * The signal a command passes down to stop gracefully. Taking it means the first Ctrl-C only
   * aborts it: the command is trusted to finish soon (it stops its own processes, or the rest
   * are stopped when it is done).
   */
  signal(stop: GracefulStop): AbortSignal {
    this.graceful = stop;
    return this.controller.signal;
  }

  /** The first signal received, if any. */
  get interrupted(): StopSignal | undefined {
    return this.first;
  }

  /** 130 after SIGINT, 143 after SIGTERM; undefined when no signal came. */
  get exitCode(): number | undefined {
    return this.first && SIGNAL_EXIT_CODES[this.first];
  }

  /** Once the command is done: after a signal, stops whatever it started that still runs. */
  async settle(): Promise<void> {
    if (this.first) await this.groups.stopAll(this.graceMs);
  }

  private readonly onSignal = (name: StopSignal) => {
    if (this.first) {
      const killed = this.groups.killAll();
      this.write(`\n${name} again: ${killed.length > 0 ? `killed ${killed.join(', ')}; exiting` : 'exiting at once'}.\n`);
      this.exit(SIGNAL_EXIT_CODES[this.first]);
      return;
    }
    this.first = name;
    this.controller.abort(name);
    if (this.graceful) {
      const risk = this.graceful.secondSignalRisk ? `, which ${this.graceful.secondSignalRisk}` : '';
      this.write(`\n${name}: ${this.graceful.stopping} (press Ctrl-C again to stop at once${risk})\n`);
      return;
    }
    const started = this.groups.list();
    if (started.length === 0) {
      this.exit(SIGNAL_EXIT_CODES[name]);
      return;
    }
    this.write(`\n${name}: stopping ${started.map((g) => g.what).join(', ')} (press Ctrl-C again to kill at once)\n`);
    void this.groups.stopAll(this.graceMs).finally(() => this.exit(SIGNAL_EXIT_CODES[name]));
  };
}
