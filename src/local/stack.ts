import * as path from 'node:path';
import { bootstrapLocalResources, emulatorClients } from './bootstrap';
import { MOTO_LAUNCHER, emulatorHealthy, startEmulator } from './emulator';
import { LocalPaths } from './paths';
import { stopProcessGroup } from './processes';
import { ServiceRecord, StackState, readStackState, recordedProcess, removeStackState, writeStackState } from './stack-state';
import { discoverToolchain } from './toolchain';
import { TRINO_MAIN_CLASS, startTrino, trinoHealthy } from './trino';
import { loadConfig } from '../config/config';
import { ResourceNames } from '../config/names';

export type ServiceHealth = 'healthy' | 'unhealthy' | 'stopped';

export interface ServiceStatus {
  readonly name: 'emulator' | 'trino';
  readonly health: ServiceHealth;
  readonly pid?: number;
  readonly endpoint?: string;
  readonly logFile?: string;
}

export interface StackStatus {
  readonly running: boolean;
  readonly startedAt?: string;
  readonly services: readonly ServiceStatus[];
}

/** Endpoints of a running stack, what the pipeline stages need. */
export interface StackEndpoints {
  /** The emulator's endpoint for Kinesis, S3 and Glue. */
  readonly aws: string;
  /** Trino's HTTP endpoint. */
  readonly trino: string;
}

export interface UpResult {
  readonly reused: boolean;
  readonly endpoints: StackEndpoints;
  readonly startedServices: readonly string[];
  readonly bootstrap: { readonly created: readonly string[]; readonly existing: readonly string[] };
  readonly seconds: number;
}

export interface StackOptions {
  readonly paths: LocalPaths;
  readonly log?: (line: string) => void;
  /** Aborting (Ctrl-C) while services start stops what started. */
  readonly signal?: AbortSignal;
}

/** What each service's command line contains: how a recorded pid without a start time is recognised. */
const SERVICE_COMMANDS: Record<ServiceStatus['name'], string> = { emulator: path.basename(MOTO_LAUNCHER), trino: TRINO_MAIN_CLASS };

export interface StackUpOptions extends StackOptions {
  /**
   * The environment whose resources `up` creates on the emulator (idempotently; other environments'
   * are left as they are). @default the local environment's
   */
  readonly names?: ResourceNames;
}

async function serviceStatus(name: ServiceStatus['name'], record: ServiceRecord | undefined): Promise<ServiceStatus> {
  if (!record || recordedProcess(record, SERVICE_COMMANDS[name]).state !== 'running') return { name, health: 'stopped' };
  const healthy = name === 'emulator' ? await emulatorHealthy(record.endpoint) : await trinoHealthy(record.endpoint);
  return { name, health: healthy ? 'healthy' : 'unhealthy', pid: record.pid, endpoint: record.endpoint, logFile: record.logFile };
}

/** Reports each service of the stack recorded in the state file. */
export async function stackStatus(options: StackOptions): Promise<StackStatus> {
  const state = readStackState(options.paths.stateFile);
  const services = [await serviceStatus('emulator', state?.emulator), await serviceStatus('trino', state?.trino)];
  return { running: services.every((s) => s.health === 'healthy'), startedAt: state?.startedAt, services };
}

/**
 * Brings the embedded stack up: the AWS emulator, then Trino over it, then the pipeline's
 * resources. A healthy stack is reused; a partly dead one is stopped and started afresh, because
 * Trino's configuration names the emulator's port.
 */
export async function stackUp(options: StackUpOptions): Promise<UpResult> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const status = await stackStatus(options);
  let state = readStackState(options.paths.stateFile);
  const startedServices: string[] = [];
  let reused = status.running && state?.emulator !== undefined && state.trino !== undefined;
  if (!reused) {
    if (state) {
      log('stack: a previous stack is not healthy; stopping what is left of it');
      await stackDown(options);
    }
    const toolchain = discoverToolchain();
    log('emulator: starting moto server');
    const emulator = await startEmulator({ paths: options.paths, signal: options.signal });
    state = { startedAt: new Date().toISOString(), emulator };
    writeStackState(options.paths.stateFile, state);
    startedServices.push('emulator');
    log(`emulator: ready on ${emulator.endpoint} (pid ${emulator.pid})`);
    log('trino: starting (Java 25); this takes 20-60 s on two cores');
    try {
      const trino = await startTrino({
        paths: options.paths, java25Home: toolchain.java25Home, awsEndpoint: emulator.endpoint, signal: options.signal,
      });
      state = { ...state, trino };
      writeStackState(options.paths.stateFile, state);
      startedServices.push('trino');
      log(`trino: ready on ${trino.endpoint} (pid ${trino.pid})`);
    } catch (e) {
      await stackDown(options);
      throw e;
    }
  } else {
    log(`stack: reusing the healthy stack started at ${state!.startedAt}`);
  }
  reused = startedServices.length === 0;
  const endpoints = { aws: state!.emulator!.endpoint, trino: state!.trino!.endpoint };
  const bootstrap = await bootstrapLocalResources(emulatorClients(endpoints.aws), options.names ?? loadConfig({ target: 'local' }).names);
  if (bootstrap.created.length > 0) log(`bootstrap: created ${bootstrap.created.join(', ')}`);
  return { reused, endpoints, startedServices, bootstrap, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

export interface DownResult {
  readonly stopped: ReadonlyArray<{ readonly name: string; readonly pid: number }>;
  /** Recorded pids that now belong to another process, which `down` left alone. */
  readonly notOurs: ReadonlyArray<{ readonly name: string; readonly pid: number; readonly command: string }>;
  readonly wasRunning: boolean;
}

/**
 * Stops exactly what `up` recorded (Trino first, it depends on the emulator) and forgets it. A
 * recorded pid that now names another process (the service died and the system reused its pid)
 * is not signalled: it is reported in `notOurs`.
 */
export async function stackDown(options: StackOptions): Promise<DownResult> {
  const log = options.log ?? (() => undefined);
  const state: StackState | undefined = readStackState(options.paths.stateFile);
  const stopped: Array<{ name: string; pid: number }> = [];
  const notOurs: Array<{ name: string; pid: number; command: string }> = [];
  for (const [name, record] of [['trino', state?.trino], ['emulator', state?.emulator]] as const) {
    if (!record) continue;
    const found = recordedProcess(record, SERVICE_COMMANDS[name]);
    if (found.state === 'replaced') {
      log(`${name}: pid ${record.pid} is no longer the ${name} \`up\` started (it is now \`${found.command}\`); not signalling it`);
      notOurs.push({ name, pid: record.pid, command: found.command });
    } else if (found.state !== 'gone') {
      log(`${name}: stopping pid ${record.pid}${found.state === 'group-left' ? ' (what is left of its process group)' : ''}`);
      await stopProcessGroup(record.pid);
      stopped.push({ name, pid: record.pid });
    }
  }
  removeStackState(options.paths.stateFile);
  return { stopped, notOurs, wasRunning: state !== undefined };
}

/** Endpoints of the running stack, or a message saying how to start it. */
export async function requireRunningStack(options: StackOptions): Promise<StackEndpoints> {
  const status = await stackStatus(options);
  const state = readStackState(options.paths.stateFile);
  if (!status.running || !state?.emulator || !state.trino) {
    throw new Error('The local stack is not running. Start it with `npx clickstream up` (or run `npx clickstream status` to see which service is down).');
  }
  return { aws: state.emulator.endpoint, trino: state.trino.endpoint };
}
