/** How a command talks to the user: progress on stderr, the final summary on stdout. */
export interface CommandOutput {
  /** Progress and log lines (stderr, so `--json` stdout stays one JSON object). */
  progress(line: string): void;
  /** The final summary: one JSON object with `--json`, readable text otherwise. */
  summary(value: unknown, text: () => string): void;
}

export function commandOutput(json: boolean, quiet = false): CommandOutput {
  return {
    progress(line) {
      if (!quiet) process.stderr.write(`${line}\n`);
    },
    summary(value, text) {
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
    },
  };
}
