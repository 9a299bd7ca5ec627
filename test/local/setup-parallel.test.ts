import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { setupFailure, setupSummary } from '../../src/cli/commands/setup';
import { LocalPaths, localPaths } from '../../src/local/paths';
import { SPARK_JARS, TRINO_SERVER, coordinates } from '../../src/local/setup/artifacts';
import { InstallStep, mavenFetchPom } from '../../src/local/setup/install-steps';
import { SetupOptions, runSetup } from '../../src/local/setup/setup';
import { Toolchain } from '../../src/local/toolchain';

const TOOLCHAIN: Toolchain = { java17Home: '/jdk-17', java25Home: '/jdk-25', python: '/python3', mvn: '/mvn' };

/** Paths in a fresh folder; with fake steps, setup uses only the cache folder (for its stamps). */
function scratchPaths(): LocalPaths {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-'));
  const cache = path.join(root, '.cache');
  fs.mkdirSync(cache);
  return { ...localPaths(root), cache };
}

/** A step whose install starts when setup starts it and ends when the test says so. */
class FakeStep implements InstallStep {
  readonly outputs: readonly string[];
  readonly remedy: string;
  installs = 0;
  private begin!: () => void;
  /** Settles when setup starts the install. */
  readonly started = new Promise<void>((resolve) => (this.begin = resolve));
  private end!: (error?: Error) => void;
  private readonly ended = new Promise<Error | undefined>((resolve) => (this.end = resolve));

  constructor(readonly name: string, cache: string, readonly resources: readonly string[] = [], public fingerprint = 'v1') {
    this.outputs = [path.join(cache, `${name}.out`)];
    this.remedy = `fix ${name}`;
  }

  finish(error?: Error): void {
    this.end(error);
  }

  async install(log: (line: string) => void): Promise<void> {
    this.installs++;
    this.begin();
    log('working');
    const error = await this.ended;
    if (error) throw error;
    fs.writeFileSync(this.outputs[0], this.name);
  }
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function setup(paths: LocalPaths, steps: readonly InstallStep[], options: Partial<SetupOptions> = {}) {
  const lines: string[] = [];
  const clock = { ms: 1_000 };
  const run = runSetup({ paths, toolchain: TOOLCHAIN, steps: () => steps, log: (l) => lines.push(l), now: () => clock.ms, ...options });
  return { run, lines, clock };
}

function stamped(paths: LocalPaths, name: string): boolean {
  return fs.existsSync(path.join(paths.cache, 'stamps', `${name}.json`));
}

describe('setup runs its steps side by side', () => {
  it('starts every step before any has finished, and times each one', async () => {
    const paths = scratchPaths();
    const [venv, jars, go] = ['python', 'jars', 'go'].map((name) => new FakeStep(name, paths.cache));
    const { run, lines, clock } = setup(paths, [venv, jars, go]);
    await within(Promise.all([venv.started, jars.started, go.started]), 2_000, 'the steps did not all start before one finished');

    clock.ms = 3_000;
    jars.finish();
    await settle();
    clock.ms = 5_500;
    go.finish();
    await settle();
    clock.ms = 13_000;
    venv.finish();
    const result = await run;

    // Results keep the steps' order, whatever order they finished in.
    expect(result.steps).toEqual([
      { name: 'python', status: 'installed', seconds: 12 },
      { name: 'jars', status: 'installed', seconds: 2 },
      { name: 'go', status: 'installed', seconds: 4.5 },
    ]);
    expect(result.failed).toEqual([]);
    expect(result.nothingToDo).toBe(false);
    // Every line names its step, padded so that interleaved lines line up.
    expect(lines).toContain('python | working');
    expect(lines).toContain('jars   | working');
    expect(lines).toContain('go     | installed in 4.5 s');
    expect(lines).toContain('python | installed in 12 s');
  });

  it('runs steps that share a resource one after the other, and the rest beside them', async () => {
    const paths = scratchPaths();
    const jars = new FakeStep('jars', paths.cache, ['maven']);
    const trino = new FakeStep('trino', paths.cache, ['maven']);
    const venv = new FakeStep('venv', paths.cache);
    const { run, lines, clock } = setup(paths, [jars, trino, venv]);
    await within(Promise.all([jars.started, venv.started]), 2_000, 'the steps did not start side by side');
    await settle();
    expect(trino.installs).toBe(0);
    expect(lines).toContain('trino | waiting for maven, which jars uses first');

    clock.ms = 4_000;
    jars.finish();
    await within(trino.started, 2_000, 'trino did not start once jars was done');
    clock.ms = 10_000;
    trino.finish();
    venv.finish();
    const result = await run;
    expect(result.steps).toEqual([
      { name: 'jars', status: 'installed', seconds: 3 },
      { name: 'trino', status: 'installed', seconds: 6, waitedSeconds: 3 },
      { name: 'venv', status: 'installed', seconds: 9 },
    ]);
  });

  it('reports a failing step while the others finish and are stamped, and redoes only it next time', async () => {
    const paths = scratchPaths();
    const first = ['jars', 'trino', 'venv'].map((name, i) => new FakeStep(name, paths.cache, i < 2 ? ['maven'] : []));
    const installed = setup(paths, first);
    first.forEach((s) => s.finish());
    expect((await installed.run).steps.map((s) => s.status)).toEqual(['installed', 'installed', 'installed']);

    // A forced reinstall in which the first Maven step fails: the step after it in the queue still
    // runs, and the failed step's old stamp is gone, so it no longer counts as installed.
    const again = ['jars', 'trino', 'venv'].map((name, i) => new FakeStep(name, paths.cache, i < 2 ? ['maven'] : []));
    const forced = setup(paths, again, { force: true });
    again[0].finish(new Error('`mvn dependency:copy` failed (exit 1):\nCould not transfer artifact'));
    again[1].finish();
    again[2].finish();
    const result = await within(forced.run, 2_000, 'a step that waited for the failed one never ran');
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([['jars', 'failed'], ['trino', 'installed'], ['venv', 'installed']]);
    expect(result.failed).toEqual([expect.objectContaining({
      name: 'jars',
      error: '`mvn dependency:copy` failed (exit 1):\nCould not transfer artifact',
      remedy: 'fix jars',
    })]);
    expect(result.nothingToDo).toBe(false);
    expect(forced.lines).toContain('jars  | failed after 0 s: `mvn dependency:copy` failed (exit 1):');
    expect([stamped(paths, 'jars'), stamped(paths, 'trino'), stamped(paths, 'venv')]).toEqual([false, true, true]);

    const third = ['jars', 'trino', 'venv'].map((name, i) => new FakeStep(name, paths.cache, i < 2 ? ['maven'] : []));
    const rerun = setup(paths, third);
    third[0].finish();
    expect((await rerun.run).steps.map((s) => s.status)).toEqual(['installed', 'up-to-date', 'up-to-date']);
    expect(third.map((s) => s.installs)).toEqual([1, 0, 0]);
  });

  it('does nothing on a re-run with nothing changed, and redoes a step whose inputs or outputs changed', async () => {
    const paths = scratchPaths();
    const steps = () => ['python', 'jars'].map((name) => new FakeStep(name, paths.cache));
    const first = steps();
    const installed = setup(paths, first);
    first.forEach((s) => s.finish());
    await installed.run;

    const second = steps();
    second.forEach((s) => s.finish());
    const rerun = await setup(paths, second).run;
    expect(second.map((s) => s.installs)).toEqual([0, 0]);
    expect(rerun.steps).toEqual([
      { name: 'python', status: 'up-to-date', seconds: 0 },
      { name: 'jars', status: 'up-to-date', seconds: 0 },
    ]);
    expect(rerun.nothingToDo).toBe(true);

    const third = steps();
    third[0].fingerprint = 'v2';
    fs.rmSync(third[1].outputs[0]);
    const changed = setup(paths, third);
    third.forEach((s) => s.finish());
    expect((await changed.run).steps.map((s) => s.status)).toEqual(['installed', 'installed']);
  });
});

describe('setup summary', () => {
  it('shows each step with its status and time, and says what to do about each failure', () => {
    const result = {
      toolchain: TOOLCHAIN,
      nothingToDo: false,
      steps: [
        { name: 'python-venv', status: 'installed' as const, seconds: 71.24 },
        { name: 'trino', status: 'failed' as const, seconds: 3, error: '`mvn` failed (exit 1):\nno network', remedy: 'check the network' },
        { name: 'actionlint', status: 'skipped' as const, seconds: 0, reason: 'Go is not installed' },
        { name: 'chromium', status: 'up-to-date' as const, seconds: 0 },
      ],
    };
    const failed = [result.steps[1]];
    expect(setupSummary({ ...result, failed }, '/cache', 72.5).split('\n')).toEqual([
      'step         status      time    note',
      '-----------  ----------  ------  -------------------',
      'python-venv  installed   71.2 s',
      'trino        FAILED      3.0 s   see below',
      'actionlint   skipped             Go is not installed',
      'chromium     up-to-date',
      '1 of 4 steps failed (72.5 s); the others are installed in /cache.',
    ]);
    const error = setupFailure(failed).message;
    expect(error).toContain('- trino: `mvn` failed (exit 1):\n    no network\n  What to do: check the network.');
    expect(error).toContain('npx clickstream setup');
  });
});

describe('Maven fetch', () => {
  it('resolves every artifact in one request, without its dependencies, and copies each into its folder', () => {
    const items = [...SPARK_JARS.map((artifact) => ({ artifact, outputDirectory: '/cache/jars' })), { artifact: TRINO_SERVER, outputDirectory: '/cache/trino' }];
    const pom = mavenFetchPom(items, '/tmp/markers');
    const dependencies = [...pom.matchAll(/<dependency>(.*?)<\/dependency>/g)].map((m) => m[1]);
    expect(dependencies).toHaveLength(items.length);
    for (const dependency of dependencies) expect(dependency).toContain('<exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion>');
    const artifactItems = [...pom.matchAll(/<artifactItem><groupId>(.*?)<\/groupId><artifactId>(.*?)<\/artifactId><version>(.*?)<\/version>(?:<type>(.*?)<\/type>)?<outputDirectory>(.*?)<\/outputDirectory>/g)]
      .map(([, g, a, v, t, dir]) => [[g, a, v, ...(t ? [t] : [])].join(':'), dir]);
    expect(artifactItems).toEqual(items.map((i) => [coordinates(i.artifact), i.outputDirectory]));
    expect(pom).toContain('<markersDirectory>/tmp/markers</markersDirectory>');
  });
});
