import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the ten slowest test files at the end of a run, with their share of the run's test time:
 * where the suite's minutes go, every time it runs (CI's limit is 90 minutes; the aim is 12).
 */
export default class SlowestFiles implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const files = testModules.map((m) => ({ file: m.moduleId.replace(`${process.cwd()}/`, ''), ms: m.diagnostic().duration }));
    const total = files.reduce((sum, f) => sum + f.ms, 0);
    const slowest = [...files].sort((a, b) => b.ms - a.ms).slice(0, 10);
    const lines = slowest.map((f) => `  ${(f.ms / 1000).toFixed(1).padStart(7)} s  ${(100 * f.ms / Math.max(total, 1)).toFixed(0).padStart(3)} %  ${f.file}`);
    process.stdout.write(`\nThe ten slowest test files (of ${files.length}, ${(total / 1000).toFixed(0)} s of test time in all):\n${lines.join('\n')}\n`);
  }
}
