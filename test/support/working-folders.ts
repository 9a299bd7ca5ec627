import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_STACK_ENV, stopTestStack } from './test-stack';

/**
 * Vitest's global setup: the suite may write only into the repository's ignored working folders.
 * It records `git status` (ignored files included) before the run and, after it, fails the run
 * naming every file or folder that appeared elsewhere: a stray marker folder, a bytecode cache
 * beside the sources, a report written into the tree. Temporary folders go under one folder of the
 * run's own (TMPDIR, which os.tmpdir() and Python's tempfile read), removed when the run ends, so a
 * test that keeps its scratch folder for a look afterwards does not fill the machine's /tmp.
 */

/** Where the tools and the tests keep what they make: the toolchain, local state, reports, npm's install. */
export const WORKING_FOLDERS = ['.cache/', '.clickstream/', 'reports/', 'node_modules/'] as const;

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** `git status` lines (porcelain: two status letters, a space, the path), ignored entries included; undefined outside a git checkout. */
export function worktreeEntries(root: string = REPO_ROOT): Set<string> | undefined {
  const result = spawnSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=normal'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  return new Set(result.stdout.split('\n').filter(Boolean));
}

/**
 * Files and folders in `after` that were not in `before` and lie outside the working folders:
 * untracked (`??`) and ignored (`!!`) ones. Changes to tracked files are left out, since those are
 * what a developer edits while the suite runs.
 */
export function strayEntries(before: ReadonlySet<string>, after: ReadonlySet<string>): string[] {
  return [...after].filter((line) => /^(\?\?|!!) /.test(line) && !before.has(line) && !WORKING_FOLDERS.some((folder) => line.slice(3).startsWith(folder)));
}

export default function setup(): () => Promise<void> {
  const runTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-tests-'));
  // Set before vitest starts its workers, which inherit the environment (and pass it to what they spawn).
  process.env.TMPDIR = runTemp;
  // The suite's one embedded stack lives here; the first file that needs it starts it (test/support/test-stack.ts).
  const stackDir = path.join(runTemp, 'stack');
  process.env[TEST_STACK_ENV] = stackDir;
  const before = worktreeEntries();
  return async () => {
    await stopTestStack(stackDir);
    fs.rmSync(runTemp, { recursive: true, force: true });
    if (!before) return;
    const stray = strayEntries(before, worktreeEntries() ?? before);
    if (stray.length === 0) return;
    process.stderr.write(`\nThe tests left files outside ${WORKING_FOLDERS.join(', ')} (git status):\n${stray.map((l) => `  ${l}`).join('\n')}\n` +
      'A test must write into a temporary folder or one of those folders (unless you created these yourself while the tests ran).\n');
    // A throwing teardown only prints; the exit code is what CI reads.
    process.exitCode = 1;
  };
}
