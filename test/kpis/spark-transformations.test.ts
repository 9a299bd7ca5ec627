import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localPaths } from '../../src/local/paths';
import { findJavaHome } from '../../src/local/toolchain';

/** The pytest suite of the PySpark transformations (spark/tests), run on small frames in local Spark. */
describe('PySpark transformations (pytest)', () => {
  it('pass', () => {
    const paths = localPaths();
    const java17Home = findJavaHome(17, true);
    expect(java17Home, 'a JDK 17 (set CLICKSTREAM_JAVA17_HOME)').toBeDefined();
    const result = spawnSync(paths.python, ['-m', 'pytest', path.join(paths.root, 'spark', 'tests'), '-q', '-p', 'no:cacheprovider'], {
      cwd: paths.root,
      encoding: 'utf8',
      env: { ...process.env, JAVA_HOME: java17Home, PYSPARK_PYTHON: paths.python, SPARK_LOCAL_IP: '127.0.0.1' },
    });
    const summary = result.stdout.trim().split('\n').pop() ?? '';
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(summary).toMatch(/^\d+ passed/);
  }, 300_000);
});
