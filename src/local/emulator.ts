import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalPaths } from './paths';
import { freePort, isAlive, processStartTime, startService, stopProcessGroup, tailFile, waitFor } from './processes';
import { ServiceRecord } from './stack-state';

/** A running AWS emulator (moto server): Kinesis, S3, Glue on one loopback endpoint. */
export type EmulatorProcess = ServiceRecord;

export interface StartEmulatorOptions {
  readonly paths: LocalPaths;
  /** Port to listen on; a free one by default. */
  readonly port?: number;
  readonly timeoutMs?: number;
  /** Stops the server while it starts (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** The launcher that starts moto server with constant-time Kinesis shard lookups; its name is on the emulator's command line. */
export const MOTO_LAUNCHER = path.join(__dirname, 'moto_server.py');

/** True when the emulator answers on its endpoint. */
export async function emulatorHealthy(endpoint: string): Promise<boolean> {
  try {
    // moto's configuration: a constant-size answer. (`/moto-api/data.json` serializes every model's data,
    // which on a stack holding a few replays takes longer than the timeout: a busy stack read as down.)
    const response = await fetch(`${endpoint}/moto-api/config`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts moto server from the project's virtualenv and waits until it answers. It starts through
 * `moto_server.py` beside this file, which makes moto's Kinesis shard lookups constant-time
 * (moto's own are linear in the records a shard holds, which stalls million-event replays).
 */
export async function startEmulator(options: StartEmulatorOptions): Promise<EmulatorProcess> {
  if (!fs.existsSync(path.join(options.paths.venv, 'bin', 'moto_server'))) {
    throw new Error(`The AWS emulator is not installed (moto is missing from ${options.paths.venv}). Run \`npx clickstream setup\` first.`);
  }
  fs.mkdirSync(options.paths.logs, { recursive: true });
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = path.join(options.paths.logs, 'emulator.log');
  const child = startService({
    name: 'emulator',
    command: options.paths.python,
    args: [MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', String(port)],
    logFile,
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  const pid = child.pid!;
  const startTime = processStartTime(pid);
  try {
    await waitFor(`AWS emulator on ${endpoint}`, () => emulatorHealthy(endpoint), {
      timeoutMs: options.timeoutMs ?? 60_000,
      failFast: () => (isAlive(pid) ? undefined : `moto server exited during start; last log lines:\n${tailFile(logFile)}`),
      signal: options.signal,
    });
  } catch (e) {
    // Nothing records a server that never became ready: stop it here, or it outlives the failure.
    await stopProcessGroup(pid);
    throw e;
  }
  return { pid, startTime, port, endpoint, logFile };
}
