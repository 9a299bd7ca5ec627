import * as fs from 'node:fs';

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
};

/** Rewrites the figures between the markers in `file`. */
export function writeFigures(file: string, name: string, body: string): void {
  fs.writeFileSync(file, replaceBetweenMarkers(fs.readFileSync(file, 'utf8'), name, body));
}
