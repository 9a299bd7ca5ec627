import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Files that start JVMs: Spark or Trino, on the suite's shared stack (test/support/test-stack.ts) or
 * on a stack of their own. Two cores run one of them at a time; every other file only computes
 * (moto, fakes, synthesis, node subprocesses) and runs beside them, two at a time.
 */
const STARTS_JVMS = [
  'test/actions/validate-athena.test.ts',
  'test/kpis/incremental-runs.test.ts',
  'test/kpis/kpi-jobs.test.ts',
  'test/kpis/spark-transformations.test.ts',
  'test/kpis/write-audit-publish.test.ts',
  'test/local/ctrl-c.test.ts',
  'test/local/down.test.ts',
  'test/local/environments.test.ts',
  'test/local/spark-server.test.ts',
  'test/local/stack.test.ts',
  'test/local/toolchain-smoke.test.ts',
  'test/maintenance/maintain-tables.test.ts',
  'test/pipeline/aws-run.test.ts',
  'test/pipeline/run.test.ts',
  'test/report/html-report.test.ts',
  'test/repository/pytest-cases.test.ts',
  'test/simulation/simulate.test.ts',
  'test/validation/validation.test.ts',
];

const shared = {
  root: fileURLToPath(new URL('..', import.meta.url)),
  // Suites that start the embedded stack or Spark take their own time limits.
  testTimeout: 30_000,
  hookTimeout: 300_000,
  // Python's bytecode caches would land beside the sources (spark/, test/) of every script a test runs.
  env: { PYTHONDONTWRITEBYTECODE: '1' },
};

export default defineConfig({
  test: {
    // Every case by name, the pytest tests' included (test/support/pytest.ts), and the slowest files.
    reporters: ['verbose', './test/support/slowest-files.ts'],
    // The run fails when a test leaves a file outside the repository's working folders; it also stops
    // the shared stack at the end.
    globalSetup: ['test/support/working-folders.ts'],
    // The two projects run side by side.
    projects: [
      { test: { ...shared, name: 'jvm', include: STARTS_JVMS, fileParallelism: false } },
      { test: { ...shared, name: 'compute', include: ['test/**/*.test.ts'], exclude: STARTS_JVMS, maxWorkers: 2 } },
    ],
  },
});
