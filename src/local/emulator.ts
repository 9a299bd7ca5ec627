import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalPaths } from './paths';
import { freePort, isAlive, startService, tailFile, waitFor } from './processes';

/** A running AWS emulator (moto server): Kinesis, S3, Glue on one loopback endpoint. */
export interface EmulatorProcess {
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  readonly logFile: string;
}

export interface StartEmulatorOptions {
  readonly paths: LocalPaths;
  /** Port to listen on; a free one by default. */
  readonly port?: number;
  readonly timeoutMs?: number;
}

/** True when the emulator answers on its endpoint. */
export async function emulatorHealthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Starts moto server from the project's virtualenv and waits until it answers. */
export async function startEmulator(options: StartEmulatorOptions): Promise<EmulatorProcess> {
  const motoServer = path.join(options.paths.venv, 'bin', 'moto_server');
  if (!fs.existsSync(motoServer)) {
    throw new Error(`The AWS emulator is not installed (${motoServer} is missing). Run \`npx clickstream setup\` first.`);
  }
  fs.mkdirSync(options.paths.logs, { recursive: true });
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = path.join(options.paths.logs, 'emulator.log');
  const child = startService({
    command: motoServer,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    logFile,
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  const pid = child.pid!;
  await waitFor(`AWS emulator on ${endpoint}`, () => emulatorHealthy(endpoint), {
    timeoutMs: options.timeoutMs ?? 60_000,
    failFast: () => (isAlive(pid) ? undefined : `moto server exited during start; last log lines:\n${tailFile(logFile)}`),
  });
  return { pid, port, endpoint, logFile };
}
