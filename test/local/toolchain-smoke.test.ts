import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLUE_DATABASE } from '../../src/config/names';
import { formatBytes } from '../../src/format/numbers';
import { CliResult, parseJsonOutput, runCli } from '../support/cli';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

interface SmokeJson {
  table: string;
  sparkRows: Array<{ id: number; name: string; value: number }>;
  trinoRows: Array<{ id: number; name: string; value: number }>;
  match: boolean;
  sparkSeconds: number;
  peakMemoryBytes: { spark: number; trino: number };
}

// On the suite's stack: the command reuses a running stack (its own start is what `up` and `run` prove
// in test/local/stack.test.ts and test/pipeline/run.test.ts); its Spark is a spark-submit of its own.
let stack: TestEnvironment | undefined;
afterAll(() => endTestEnvironment(stack));

describe('toolchain smoke: Spark writes Iceberg through the glue catalog, Trino reads it', () => {
  // Two smoke runs, the second over the first one's table; the cases look at them.
  let first: CliResult;
  let second: CliResult;
  beforeAll(async () => {
    stack = await testEnvironment('smoke');
    const env = { CLICKSTREAM_STATE_DIR: stack.paths.state };
    first = await runCli(['smoke', '--json'], env);
    second = await runCli(['smoke', '--json'], env);
  }, 1_200_000);

  it('returns the same rows from both engines', () => {
    expect(first.code, first.stderr.slice(-4000)).toBe(0);
    const smoke = parseJsonOutput<SmokeJson>(first);
    const expected = [
      { id: 1, name: 'alpha', value: 1.5 },
      { id: 2, name: 'beta', value: -2.25 },
      { id: 3, name: 'gamma', value: 1e6 },
    ];
    expect(smoke.table).toBe(`${GLUE_DATABASE}.toolchain_smoke`);
    expect(smoke.sparkRows).toEqual(expected);
    expect(smoke.trinoRows).toEqual(expected);
    expect(smoke.match).toBe(true);
    // Both processes were really sampled (a JVM takes well over 100 MiB).
    expect(smoke.peakMemoryBytes.spark).toBeGreaterThan(100 * 1024 ** 2);
    expect(smoke.peakMemoryBytes.trino).toBeGreaterThan(100 * 1024 ** 2);
    process.stderr.write(
      `toolchain smoke: Spark ${smoke.sparkSeconds.toFixed(1)} s, peak memory Spark ${formatBytes(smoke.peakMemoryBytes.spark)}, ` +
        `Trino ${formatBytes(smoke.peakMemoryBytes.trino)}\n`,
    );
  });

  it('overwrites on a re-run instead of appending', () => {
    expect(second.code, second.stderr.slice(-4000)).toBe(0);
    expect(parseJsonOutput<SmokeJson>(second).trinoRows.map((r) => r.id)).toEqual([1, 2, 3]);
  });
});
