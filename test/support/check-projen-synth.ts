/**
 * Fails when `npx projen` would change any file: generated files must only change through
 * .projenrc.ts. Compares the working tree's state before and after a synth, so it works with
 * uncommitted edits too.
 */
import { execFileSync } from 'node:child_process';

function treeState(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' });
  return git('status', '--porcelain=v1', '--untracked-files=all') + git('diff');
}

const before = treeState();
execFileSync('npx', ['projen', '--no-post'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PROJEN_DISABLE_POST: 'true' } });
const after = treeState();
if (before !== after) {
  const changed = execFileSync('git', ['status', '--porcelain=v1'], { encoding: 'utf8' });
  process.stderr.write(
    `check:synth failed: \`npx projen\` changed generated files. Edit .projenrc.ts, run \`npx projen\`, and commit both.\n${changed}`,
  );
  process.exit(1);
}
process.stdout.write('check:synth: generated files are in sync with .projenrc.ts\n');
