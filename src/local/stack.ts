import * as path from 'node:path';
import { bootstrapLocalResources, emulatorClients } from './bootstrap';
import { MOTO_LAUNCHER, emulatorHealthy, startEmulator } from './emulator';
import { StackLifetime, stackJvmOptions } from './jvm-options';
import { LocalPaths } from './paths';
import { stopProcessGroup } from './processes';
import { SPARK_SERVER_SCRIPT, sparkServerHealthy, startSparkServer } from './spark-server';
import { ServiceRecord, StackState, readStackState, recordedProcess, removeStackState, writeStackState } from './stack-state';
import { discoverToolchain } from './toolchain';
import { TRINO_MAIN_CLASS, startTrino, trinoHealthy } from './trino';
import { loadConfig } from '../config/config';
import { ResourceNames } from '../config/names';
import { systemClock, secondsSince } from '../timing/clock';

export type ServiceHealth = 'healthy' | 'unhealthy' | 'stopped';

export type ServiceName = 'emulator' | 'spark' | 'trino';

export interface ServiceStatus {
  readonly name: ServiceName;
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
  /** The warm Spark's endpoint (`tcp://127.0.0.1:PORT`). */
  readonly spark: string;
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
const SERVICE_COMMANDS: Record<ServiceName, string> = {
  emulator: path.basename(MOTO_LAUNCHER), spark: path.basename(SPARK_SERVER_SCRIPT), trino: TRINO_MAIN_CLASS,
};

const HEALTH: Record<ServiceName, (endpoint: string) => Promise<boolean>> = {
  emulator: emulatorHealthy, spark: sparkServerHealthy, trino: trinoHealthy,
};

/** Stopped in this order: what depends on the emulator first. */
const SERVICES: readonly ServiceName[] = ['trino', 'spark', 'emulator'];

export interface StackUpOptions extends StackOptions {
  /**
   * The environment whose resources `up` creates on the emulator (idempotently; other environments'
   * are left as they are). @default the local environment's
   */
  readonly names?: ResourceNames;
  /** How long the stack is meant to live, which decides how its JVMs compile (src/local/jvm-options.ts). @default 'lasting' */
  readonly lifetime?: StackLifetime;
}

async function serviceStatus(name: ServiceName, record: ServiceRecord | undefined): Promise<ServiceStatus> {
  if (!record || recordedProcess(record, SERVICE_COMMANDS[name]).state !== 'running') return { name, health: 'stopped' };
  const healthy = await HEALTH[name](record.endpoint);
  return { name, health: healthy ? 'healthy' : 'unhealthy', pid: record.pid, endpoint: record.endpoint, logFile: record.logFile };
}

/** Reports each service of the stack recorded in the state file. */
export async function stackStatus(options: StackOptions): Promise<StackStatus> {
  const state = readStackState(options.paths.stateFile);
  const services = await Promise.all((['emulator', 'spark', 'trino'] as const).map((name) => serviceStatus(name, state?.[name])));
  return { running: services.every((s) => s.health === 'healthy'), startedAt: state?.startedAt, services };
}

/** A stack on its way up: the emulator is ready; Spark and Trino start in the background. */
export interface StackStart {
  readonly reused: boolean;
  /** The emulator's endpoint, ready, with the environment's resources created. */
  readonly aws: string;
  /** Resolve once the service is healthy; reject when it fails to start (and was stopped). */
  readonly spark: Promise<string>;
  readonly trino: Promise<string>;
  /** Resolves once every service is up: what `stackUp` returns. */
  readonly ready: Promise<UpResult>;
  /** The services this call started (filled as they start), so a caller that stops early stops them. */
  readonly startedServices: readonly ServiceName[];
}

/**
 * Brings the embedded stack up, returning as soon as the emulator answers: the AWS emulator first
 * (the others read its endpoint), then the warm Spark and Trino side by side, which the caller
 * awaits when it needs them (a run replays and lands meanwhile). A healthy stack is reused; one
 * whose warm Spark alone died gets a new one; any other partly dead one is stopped and started
 * afresh, because Spark's and Trino's configurations name the emulator's port.
 */
export async function stackStart(options: StackUpOptions): Promise<StackStart> {
  const log = options.log ?? (() => undefined);
  const started = systemClock();
  const status = await stackStatus(options);
  let state = readStackState(options.paths.stateFile);
  const names = options.names ?? loadConfig({ target: 'local' }).names;
  const startedServices: ServiceName[] = [];
  const finish = async (endpoints: { aws: string; spark: Promise<string>; trino: Promise<string> }, reused: boolean): Promise<UpResult> => {
    const [spark, trino] = await Promise.all([endpoints.spark, endpoints.trino]);
    const seconds = secondsSince(started);
    return { reused, endpoints: { aws: endpoints.aws, spark, trino }, startedServices, bootstrap, seconds };
  };
  let bootstrap: UpResult['bootstrap'];
  if (status.running && state?.emulator && state.spark && state.trino) {
    log(`stack: reusing the healthy stack started at ${state.startedAt}`);
    bootstrap = await bootstrapOrLog(state.emulator.endpoint, names, log);
    const endpoints = { aws: state.emulator.endpoint, spark: Promise.resolve(state.spark.endpoint), trino: Promise.resolve(state.trino.endpoint) };
    return { reused: true, ...endpoints, ready: finish(endpoints, true), startedServices };
  }
  /** Starts a service in the background; it is recorded in the state file once it is ready. */
  const inBackground = (name: 'spark' | 'trino', starting: Promise<ServiceRecord>): Promise<string> => {
    startedServices.push(name);
    const endpoint = starting.then((service) => {
      state = { ...state!, [name]: service };
      writeStackState(options.paths.stateFile, state);
      log(`${name}: ready on ${service.endpoint} (pid ${service.pid})`);
      return service.endpoint;
    });
    // A caller that fails before awaiting it must not crash on its rejection; `ready` reports it.
    endpoint.catch(() => undefined);
    return endpoint;
  };
  const jvmOptions = stackJvmOptions(options.lifetime ?? 'lasting');
  const startSpark = (aws: string) => inBackground('spark', startSparkServer({
    paths: options.paths,
    java17Home: discoverToolchain().java17Home,
    awsEndpoint: aws,
    warehouse: names.warehouseUri,
    jvmOptions,
    signal: options.signal,
  }));
  const starting = (endpoints: { aws: string; spark: Promise<string>; trino: Promise<string> }): StackStart => {
    const ready = finish(endpoints, false);
    ready.catch(() => undefined);
    return { reused: false, ...endpoints, ready, startedServices };
  };

  const healthy = (name: ServiceName) => status.services.some((s) => s.name === name && s.health === 'healthy');
  if (state?.emulator && state.spark && state.trino && healthy('emulator') && healthy('trino')) {
    // Only the warm Spark died (e.g. out of memory): the emulator holds the environments' streams,
    // buckets and tables in memory, so it and Trino keep running and Spark alone starts again.
    log(`spark: the warm Spark (pid ${state.spark.pid}) is not running; starting it again, keeping the emulator and Trino (and their data)`);
    await stopProcessGroup(state.spark.pid);
    bootstrap = await bootstrapOrLog(state.emulator.endpoint, names, log);
    return starting({ aws: state.emulator.endpoint, spark: startSpark(state.emulator.endpoint), trino: Promise.resolve(state.trino.endpoint) });
  }
  if (state) {
    // A stack recorded before the warm Spark existed also runs an emulator without the Kinesis lock
    // concurrent replays need (src/local/moto_server.py): it is replaced, not extended.
    log(state.spark
      ? 'stack: a previous stack is not healthy; stopping what is left of it'
      : 'stack: the running stack was started by an older version (it has no warm Spark); stopping it to start the current one');
    await stackDown(options);
  }
  log('emulator: starting moto server');
  const emulator = await startEmulator({ paths: options.paths, signal: options.signal });
  state = { startedAt: new Date(systemClock()).toISOString(), emulator };
  writeStackState(options.paths.stateFile, state);
  startedServices.push('emulator');
  log(`emulator: ready on ${emulator.endpoint} (pid ${emulator.pid})`);
  bootstrap = await bootstrapOrLog(emulator.endpoint, names, log);
  log('spark: starting the warm Spark (Java 17) and trino (Java 25) side by side; 15-60 s on two cores');
  return starting({
    aws: emulator.endpoint,
    spark: startSpark(emulator.endpoint),
    trino: inBackground('trino', startTrino({
      paths: options.paths, java25Home: discoverToolchain().java25Home, awsEndpoint: emulator.endpoint, jvmOptions, signal: options.signal,
    })),
  });
}

async function bootstrapOrLog(aws: string, names: ResourceNames, log: (line: string) => void): Promise<UpResult['bootstrap']> {
  const bootstrap = await bootstrapLocalResources(emulatorClients(aws), names);
  if (bootstrap.created.length > 0) log(`bootstrap: created ${bootstrap.created.join(', ')}`);
  return bootstrap;
}

/**
 * Brings the embedded stack up and waits for every service ({@link stackStart}); when a service
 * fails to start, what this call started is stopped before the error is rethrown.
 */
export async function stackUp(options: StackUpOptions): Promise<UpResult> {
  const start = await stackStart(options);
  try {
    return await start.ready;
  } catch (e) {
    if (start.startedServices.length > 0) await stackDown(options);
    throw e;
  }
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
  for (const name of SERVICES) {
    const record = state?.[name];
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
  if (!status.running || !state?.emulator || !state.spark || !state.trino) {
    const down = status.services.filter((s) => s.health !== 'healthy').map((s) => `${s.name} ${s.health}${s.logFile ? `, log ${s.logFile}` : ''}`);
    throw new Error(`The local stack is not running${down.length > 0 ? ` (${down.join('; ')})` : ''}. ` +
      'Start it with `npx clickstream up` (or run `npx clickstream status` to see which service is down).');
  }
  return { aws: state.emulator.endpoint, spark: state.spark.endpoint, trino: state.trino.endpoint };
}
