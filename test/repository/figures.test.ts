import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentationPages } from './markdown';
import { FIGURES_PAGES, replaceBetweenMarkers } from '../bench/markers';
import { REPO_ROOT } from '../support/cli';

describe('figures written by the benchmarks', () => {
  it('replaces what is between a pair of markers and keeps the rest', () => {
    const text = 'intro\n<!-- figures:x -->\nold\n<!-- /figures:x -->\nrest\n';
    expect(replaceBetweenMarkers(text, 'x', 'new 1\nnew 2\n')).toBe('intro\n<!-- figures:x -->\nnew 1\nnew 2\n<!-- /figures:x -->\nrest\n');
    expect(() => replaceBetweenMarkers(text, 'y', 'z')).toThrow(/<!-- figures:y --> \.\.\. <!-- \/figures:y --> are missing/);
  });

  it('each figures block is on one page, and a benchmark\'s on the page the benchmark writes', () => {
    const pages = new Map<string, string[]>();
    for (const page of documentationPages(REPO_ROOT)) {
      for (const [, name] of page.text.matchAll(/<!-- figures:([\w-]+) -->/g)) pages.set(name, [...(pages.get(name) ?? []), page.path]);
    }
    for (const [name, where] of pages) expect(where, `<!-- figures:${name} -->`).toHaveLength(1);
    for (const [name, page] of Object.entries(FIGURES_PAGES)) expect(pages.get(name), `<!-- figures:${name} -->`).toEqual([page]);
  });

  it('the quick start\'s run time and the benchmark page\'s whole-run and replay tables are the benchmarks\', with their date and machine', () => {
    const between = (name: string) => {
      const text = fs.readFileSync(path.join(REPO_ROOT, FIGURES_PAGES[name]), 'utf8');
      return text.split(`<!-- figures:${name} -->`)[1]?.split(`<!-- /figures:${name} -->`)[0] ?? '';
    };
    expect(FIGURES_PAGES['quick-start']).toBe('README.md');
    expect(between('quick-start')).toMatch(/measured \d{4}-\d{2}-\d{2} by `npx projen bench` on \d+ cores/);
    expect(between('run-bench')).toMatch(/^Measured \d{4}-\d{2}-\d{2} on \d+ cores/m);
    expect(between('run-bench')).toContain('| 20,000 |');
    expect(between('replay-bench')).toMatch(/measured \d{4}-\d{2}-\d{2} by `npx projen bench:replay` on \d+ cores/);
    expect(between('replay-bench')).toContain('| ours (batched PutRecords, paced, retries) |');
  });
});
