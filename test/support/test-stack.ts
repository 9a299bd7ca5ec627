import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { EnvironmentName, ResourceNames, previewEnvironment } from '../../src/config/names';
import { TrinoEngine } from '../../src/engines/trino';
import { EmulatorClients, emulatorClients } from '../../src/local/bootstrap';
import { LocalPaths, localPaths } from '../../src/local/paths';
import { stackDown, stackUp } from '../../src/local/stack';

/**
 * The suite's embedded stack: one emulator, one warm Spark and one Trino for every test file that
 * needs them, started by the first such file and stopped when the run ends (test/support/working-folders.ts).
 * Each file works in an environment of its own (`pr-<n>`: its own stream, buckets and Glue database,
 * from the naming module), so its tables start empty and no other file sees them.
 */
export const TEST_STACK_ENV = 'CLICKSTREAM_TEST_STACK_DIR';

/** The shared stack's state folder (set by the suite's global setup; a folder of its own outside the suite). */
export function testStackDir(): string {
  const dir = process.env[TEST_STACK_ENV];
  if (dir) return dir;
  process.env[TEST_STACK_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-test-stack-'));
  return process.env[TEST_STACK_ENV]!;
}

export function testStackPaths(dir: string = testStackDir()): LocalPaths {
  return { ...localPaths(), state: dir, stateFile: path.join(dir, 'stack.json'), logs: path.join(dir, 'logs') };
}

/** An environment of a test file's own on the suite's stack. */
export interface TestEnvironment {
  readonly environment: EnvironmentName;
  readonly names: ResourceNames;
  /** Scratch folder of the test, removed by {@link endTestEnvironment}. */
  readonly work: string;
  /** The shared stack's paths (its state file names its services). */
  readonly paths: LocalPaths;
  /** The emulator's endpoint. */
  readonly aws: string;
  readonly spark: string;
  /** Trino's endpoint (for what takes one, such as an action's `trino-endpoint` input). */
  readonly trinoEndpoint: string;
  readonly clients: EmulatorClients;
  readonly trino: TrinoEngine;
  /**
   * What a `clickstream` command needs to act on this environment of this stack (the state folder,
   * and CLICKSTREAM_ENV, which `--environment` and `loadConfig` default to).
   */
  readonly cliEnv: Readonly<Record<string, string>>;
}

/** The next unused preview number in the stack's folder; creating its marker file is atomic, so files running at once never share one. */
function claimEnvironment(dir: string): EnvironmentName {
  fs.mkdirSync(path.join(dir, 'environments'), { recursive: true });
  // From 1001: tests that name their own previews (pr-1, pr-2, ...) on a stack of their own never clash with these.
  for (let n = 1001; ; n++) {
    try {
      fs.closeSync(fs.openSync(path.join(dir, 'environments', String(n)), 'wx'));
      return previewEnvironment(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Waits for the stack's start lock (two files starting the stack at once would start two). */
async function withStartLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'start.lock');
  fs.mkdirSync(dir, { recursive: true });
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * An environment of its own on the suite's stack, which this starts when it is not running yet;
 * `label` names the test's scratch folder.
 */
export async function testEnvironment(label: string): Promise<TestEnvironment> {
  const dir = testStackDir();
  const paths = testStackPaths(dir);
  const environment = claimEnvironment(dir);
  const names = loadConfig({ target: 'local', environment }).names;
  const up = await withStartLock(dir, () => stackUp({ paths, names }));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `clickstream-${label}-`));
  return {
    environment,
    names,
    work,
    paths,
    aws: up.endpoints.aws,
    spark: up.endpoints.spark,
    trinoEndpoint: up.endpoints.trino,
    clients: emulatorClients(up.endpoints.aws),
    trino: new TrinoEngine({ endpoint: up.endpoints.trino, schema: names.glueDatabase }),
    cliEnv: { CLICKSTREAM_STATE_DIR: dir, CLICKSTREAM_ENV: environment },
  };
}

/** Removes the test's scratch folder; the stack stays up for the next file. */
export function endTestEnvironment(env: Pick<TestEnvironment, 'work'> | undefined): void {
  if (env) fs.rmSync(env.work, { recursive: true, force: true });
}

/** Stops the suite's stack (the global teardown). */
export async function stopTestStack(dir: string): Promise<void> {
  await stackDown({ paths: testStackPaths(dir) });
}
