import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Every file's test time of the last run, slowest first: what to move or shrink next. */
export const DURATIONS_FILE = path.join('reports', 'test-durations.json');

/**
 * Prints the ten slowest test files at the end of a run, with their project and share of the run's
 * test time, and the run's wall time: where the suite's minutes go, every time it runs (CI's limit is
 * 90 minutes; the aim is 12). Writes every file's time to {@link DURATIONS_FILE}.
 */
export default class SlowestFiles implements Reporter {
  private readonly started = Date.now();

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const files = testModules
      .map((m) => ({ file: m.moduleId.replace(`${process.cwd()}/`, ''), project: m.project.name, ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms);
    const total = files.reduce((sum, f) => sum + f.ms, 0);
    const lines = files.slice(0, 10).map((f) =>
      `  ${(f.ms / 1000).toFixed(1).padStart(7)} s  ${(100 * f.ms / Math.max(total, 1)).toFixed(0).padStart(3)} %  ${f.project.padEnd(8)} ${f.file}`);
    const wall = (Date.now() - this.started) / 1000;
    process.stdout.write(`\nThe ten slowest test files (of ${files.length}; ${(total / 1000).toFixed(0)} s of test time in all, ` +
      `${wall.toFixed(0)} s of wall time):\n${lines.join('\n')}\n`);
    fs.mkdirSync(path.dirname(DURATIONS_FILE), { recursive: true });
    fs.writeFileSync(DURATIONS_FILE, `${JSON.stringify({ wallSeconds: Math.round(wall), files: files.map((f) => ({ ...f, seconds: +(f.ms / 1000).toFixed(1), ms: undefined })) }, null, 2)}\n`);
  }
}
