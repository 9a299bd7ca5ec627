import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    // Suites that start the embedded stack or Spark take their own time limits.
    testTimeout: 30_000,
    hookTimeout: 300_000,
    // Two cores: suites that start JVMs must not run side by side. Files that need the embedded stack
    // share one (test/support/test-stack.ts), started once and stopped by the global setup.
    fileParallelism: false,
    // Every case by name, the pytest tests' included (test/support/pytest.ts).
    reporters: ['verbose', './test/support/slowest-files.ts'],
    // The run fails when a test leaves a file outside the repository's working folders.
    globalSetup: ['test/support/working-folders.ts'],
    // Python's bytecode caches would land beside the sources (spark/, test/) of every script a test runs.
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  },
});
