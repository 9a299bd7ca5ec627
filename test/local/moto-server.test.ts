import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localPaths } from '../../src/local/paths';

/**
 * The emulator launcher (src/local/moto_server.py) swaps moto's linear Kinesis shard lookups for
 * constant-time ones; its pytest suite checks they answer exactly what moto's own code answers.
 */
describe('moto launcher (pytest)', () => {
  it('answers every shard lookup as moto does', () => {
    const paths = localPaths();
    const result = spawnSync(paths.python, ['-m', 'pytest', path.join(paths.root, 'test', 'local', 'test_moto_server.py'), '-q', '-p', 'no:cacheprovider'], {
      cwd: paths.root,
      encoding: 'utf8',
    });
    const summary = result.stdout.trim().split('\n').pop() ?? '';
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(summary).toMatch(/^\d+ passed/);
  }, 60_000);
});
