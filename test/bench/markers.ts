import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * Figures in the README and docs are written by the benchmarks that measure them, between
 * `<!-- figures:NAME -->` and `<!-- /figures:NAME -->`, never typed: a re-run replaces them.
 */
export function replaceBetweenMarkers(text: string, name: string, body: string): string {
  const open = `<!-- figures:${name} -->`;
  const close = `<!-- /figures:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`the markers ${open} ... ${close} are missing (or out of order); add them where the figures belong`);
  return `${text.slice(0, start + open.length)}\n${body.trimEnd()}\n${text.slice(end)}`;
}

/** The page, relative to the repository root, that holds each figures block a benchmark writes. */
export const FIGURES_PAGES: Readonly<Record<string, string>> = {
  'quick-start': 'README.md',
  'run-bench': 'docs/benchmarks.md',
  'replay-bench': 'docs/benchmarks.md',
  'kpis-bench': 'docs/benchmarks.md',
};

/** The machine a benchmark ran on, as its figures say it. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/** Rewrites the figures between the markers in `file`. */
export function writeFigures(file: string, name: string, body: string): void {
  fs.writeFileSync(file, replaceBetweenMarkers(fs.readFileSync(file, 'utf8'), name, body));
}
