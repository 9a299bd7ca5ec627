import { systemClock } from '../timing/clock';

/**
 * Progress of a long run: on a terminal, one status line per stage redrawn in place; elsewhere
 * (CI logs, pipes) plain lines, at most one per interval per stage, so logs stay readable.
 */
export interface ProgressReporter {
  /** A stage's running status, e.g. `replay: 12,000 / 20,000 records (4,100/s)`. */
  update(stage: string, status: string): void;
  /** A line that must stay in the log (stage start and end, warnings). */
  line(text: string): void;
  /** Ends the in-place line, if any. */
  close(): void;
}

export interface ProgressOptions {
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Minimum time between two plain status lines of one stage. @default 5000 */
  readonly plainIntervalMs?: number;
  readonly now?: () => number;
  /** Print nothing (e.g. under --quiet). @default false */
  readonly silent?: boolean;
}

export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? systemClock;
  if (options.silent) return { update: () => undefined, line: () => undefined, close: () => undefined };
  if (stream.isTTY) {
    let open = false;
    const clear = () => {
      if (open) stream.write('\r\x1b[2K');
      open = false;
    };
    return {
      update(stage, status) {
        const width = Math.max(20, (stream.columns ?? 100) - 1);
        clear();
        stream.write(`${stage}: ${status}`.slice(0, width));
        open = true;
      },
      line(text) {
        clear();
        stream.write(`${text}\n`);
      },
      close: clear,
    };
  }
  const interval = options.plainIntervalMs ?? 5000;
  const last = new Map<string, number>();
  return {
    update(stage, status) {
      const t = now();
      if (t - (last.get(stage) ?? -Infinity) < interval) return;
      last.set(stage, t);
      stream.write(`${stage}: ${status}\n`);
    },
    line(text) {
      stream.write(`${text}\n`);
    },
    close: () => undefined,
  };
}
