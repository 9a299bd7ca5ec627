import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrinoEngine } from '../../src/engines/trino';
import { EmulatorClients, emulatorClients } from '../../src/local/bootstrap';
import { LocalPaths, localPaths } from '../../src/local/paths';
import { stackDown, stackUp } from '../../src/local/stack';

/** An embedded stack of a test file's own, so its tables start empty and no other test sees them. */
export interface PrivateStack {
  /** Scratch folder of the test; the stack's state, logs and anything else the test writes go under it. */
  readonly work: string;
  readonly paths: LocalPaths;
  /** The emulator's endpoint. */
  readonly aws: string;
  readonly clients: EmulatorClients;
  readonly trino: TrinoEngine;
}

/**
 * Starts a private stack under a new temporary folder named `clickstream-<name>-...`. When the start
 * fails, what was started is stopped and the folder removed before the error is rethrown.
 */
export async function startPrivateStack(name: string): Promise<PrivateStack> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `clickstream-${name}-`));
  const paths: LocalPaths = { ...localPaths(), state: work, stateFile: path.join(work, 'stack.json'), logs: path.join(work, 'logs') };
  try {
    const up = await stackUp({ paths });
    const aws = up.endpoints.aws;
    return { work, paths, aws, clients: emulatorClients(aws), trino: new TrinoEngine({ endpoint: up.endpoints.trino }) };
  } catch (error) {
    await stopPrivateStack({ work, paths });
    throw error;
  }
}

/** Stops a private stack and removes its folder; does nothing for one that never started. */
export async function stopPrivateStack(stack: Pick<PrivateStack, 'work' | 'paths'> | undefined): Promise<void> {
  if (!stack) return;
  try {
    await stackDown({ paths: stack.paths });
  } finally {
    fs.rmSync(stack.work, { recursive: true, force: true });
  }
}
