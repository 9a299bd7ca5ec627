import { describe, expect, it } from 'vitest';
import { discoverToolchain } from '../../src/local/toolchain';
import { parseJsonOutput, runCli } from '../support/cli';

describe('clickstream setup', () => {
  // The test task runs setup before the suites, so a re-run must find everything current.
  it('does no work on a re-run with nothing changed, and says so', async () => {
    const result = await runCli(['setup', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJsonOutput<{ nothingToDo: boolean; steps: Array<{ name: string; status: string }> }>(result);
    expect(summary.steps.map((s) => [s.name, s.status])).toEqual([
      ['python-venv', 'up-to-date'],
      ['spark-jars', 'up-to-date'],
      ['trino', 'up-to-date'],
      // actionlint is built only where Go exists; without Go setup skips it and says why.
      ['actionlint', discoverToolchain().go ? 'up-to-date' : 'skipped'],
      // Debian's Chromium for the HTML report's browser test, installed with apt-get when missing.
      ['chromium', 'up-to-date'],
    ]);
    expect(summary.nothingToDo).toBe(true);
    const text = await runCli(['setup']);
    expect(text.stdout).toMatch(/Nothing to do: the toolchain in .* is up to date\./);
  }, 120_000);
});
