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

/** A fixed-width text table for terminal summaries. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
