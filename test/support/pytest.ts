import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { localPaths } from '../../src/local/paths';

/** One pytest test's result, as test/support/pytest_outcomes.py writes it. */
export interface PytestOutcome {
  readonly nodeid: string;
  readonly outcome: 'passed' | 'failed' | 'error' | 'skipped';
  readonly details: string;
}

export interface PytestSuiteOptions {
  /** The test file or folder, relative to the repository root. */
  readonly target: string;
  /** Variables pytest needs beyond this process's (JAVA_HOME for PySpark). Called when pytest runs. */
  readonly env?: () => NodeJS.ProcessEnv;
  /** Time for the one pytest run of every test. */
  readonly timeoutMs: number;
}

const SUPPORT_DIR = __dirname;

/** The pytest test ids under `target`, from `pytest --collect-only -q`; or why there are none. */
export function collectPytest(python: string, root: string, target: string): { ids: string[]; error?: string } {
  const result = spawnSync(python, ['-m', 'pytest', '--collect-only', '-q', '-p', 'no:cacheprovider', target], { cwd: root, encoding: 'utf8' });
  const ids = (result.stdout ?? '').split('\n').filter((line) => line.includes('::'));
  if (result.status !== 0 || ids.length === 0) {
    const output = `${result.stdout}\n${result.stderr}${result.error?.message ?? ''}`;
    return { ids: [], error: `pytest could not collect ${target} (exit ${result.status}; run \`npx clickstream setup\` first?):\n${output}` };
  }
  return { ids };
}

export interface PytestRun {
  readonly outcomes: Map<string, PytestOutcome>;
  /** pytest's own output, for a test it reported nothing about. */
  readonly output: string;
}

/** Runs pytest once over `target` and resolves with every test's outcome and pytest's own output. */
export function runPytest(python: string, root: string, options: PytestSuiteOptions): Promise<PytestRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-pytest-'));
  const file = path.join(dir, 'outcomes.jsonl');
  const env = {
    ...process.env,
    ...options.env?.(),
    PYTHONPATH: [SUPPORT_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTEST_OUTCOMES_FILE: file,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'pytest_outcomes', options.target], { cwd: root, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
      fs.rmSync(dir, { recursive: true, force: true });
      const outcomes = new Map(lines.map((line) => JSON.parse(line) as PytestOutcome).map((o) => [o.nodeid, o]));
      resolve({ outcomes, output });
    });
  });
}

/**
 * A pytest suite as vitest cases, one per pytest test: the ids are collected when the file loads,
 * pytest runs once before the cases, and each case passes, fails with its own test's failure text,
 * or is skipped with pytest's reason.
 */
export function describePytest(title: string, options: PytestSuiteOptions): void {
  const paths = localPaths();
  const { ids, error } = collectPytest(paths.python, paths.root, options.target);
  describe(title, () => {
    let run: PytestRun;
    beforeAll(async () => {
      if (ids.length > 0) run = await runPytest(paths.python, paths.root, options);
    }, options.timeoutMs);

    if (error) {
      it('collects its tests', () => {
        throw new Error(error);
      });
    }
    for (const id of ids) {
      const [file, ...name] = id.split('::');
      it(`${path.basename(file)}::${name.join('::')}`, (context) => {
        const outcome = run.outcomes.get(id);
        expect(outcome, `pytest reported nothing for ${id}; its output:\n${run.output.slice(-4000)}`).toBeDefined();
        if (outcome!.outcome === 'skipped') context.skip(outcome!.details);
        expect(outcome!.outcome, outcome!.details).toBe('passed');
      });
    }
  });
}
