import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceBetweenMarkers } from '../bench/markers';
import { REPO_ROOT } from '../support/cli';

describe('figures written by the benchmarks', () => {
  it('replaces what is between a pair of markers and keeps the rest', () => {
    const text = 'intro\n<!-- figures:x -->\nold\n<!-- /figures:x -->\nrest\n';
    expect(replaceBetweenMarkers(text, 'x', 'new 1\nnew 2\n')).toBe('intro\n<!-- figures:x -->\nnew 1\nnew 2\n<!-- /figures:x -->\nrest\n');
    expect(() => replaceBetweenMarkers(text, 'y', 'z')).toThrow(/<!-- figures:y --> \.\.\. <!-- \/figures:y --> are missing/);
  });

  it('the README\'s run times are the benchmark\'s, with their date and machine', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const between = (name: string) => readme.split(`<!-- figures:${name} -->`)[1]?.split(`<!-- /figures:${name} -->`)[0] ?? '';
    expect(between('quick-start')).toMatch(/measured \d{4}-\d{2}-\d{2} by `npx projen bench` on \d+ cores/);
    expect(between('run-bench')).toMatch(/^Measured \d{4}-\d{2}-\d{2} on \d+ cores/m);
    expect(between('run-bench')).toContain('| 20,000 |');
  });
});
