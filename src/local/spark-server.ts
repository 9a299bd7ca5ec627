import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { LocalPaths } from './paths';
import { isAlive, processStartTime, startService, stopProcessGroup, tailFile, waitFor } from './processes';
import { SparkSubmitExit, localSparkSubmit } from './spark-submit';
import { ServiceRecord } from './stack-state';

/**
 * The stack's warm Spark: one Spark application (src/local/spark_job_server.py) that runs our
 * PySpark scripts on request, each in a session of its own, so a KPI run, a publication or a
 * maintenance pays no JVM start, no class loading and no catalog warm-up.
 */
export type SparkServerProcess = ServiceRecord;

/** The server's script; its name is on the server's command line. */
export const SPARK_SERVER_SCRIPT = path.join(__dirname, 'spark_job_server.py');

export interface StartSparkServerOptions {
  readonly paths: LocalPaths;
  readonly java17Home: string;
  /** The emulator endpoint serving Glue and S3 (fixed for the application's life, as Hadoop's S3A caches it). */
  readonly awsEndpoint: string;
  /** The default warehouse; each request sets its own environment's. */
  readonly warehouse: string;
  /** Options of its JVM (src/local/jvm-options.ts). @default - none */
  readonly jvmOptions?: readonly string[];
  readonly timeoutMs?: number;
  /** Stops the server while it starts (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** `tcp://127.0.0.1:PORT` -> host and port. */
function address(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint);
  return { host: url.hostname, port: Number(url.port) };
}

interface ServerMessage {
  readonly stream?: 'stdout' | 'stderr';
  readonly line?: string;
  readonly exit?: number;
  readonly request?: string;
  readonly pong?: boolean;
  readonly busy?: boolean;
}

/** Sends one request and calls `onMessage` for every line of the answer until the server closes the connection. */
function exchange(
  endpoint: string, request: object, onMessage: (message: ServerMessage) => boolean | void, signal?: AbortSignal, timeoutMs?: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address(endpoint));
    let partial = '';
    const abort = () => socket.destroy(new Error(`stopped (${String(signal?.reason ?? 'aborted')})`));
    if (timeoutMs) socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        // The last message of an answer ends the exchange; the server closes its side after it.
        if (line && onMessage(JSON.parse(line) as ServerMessage) === true) socket.end();
      }
    });
    socket.on('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    });
    socket.on('close', () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    });
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}

/** What the server answers a ping: whether it is running a request; undefined when it does not answer. */
export async function sparkServerStatus(endpoint: string): Promise<{ readonly busy: boolean } | undefined> {
  let status: { busy: boolean } | undefined;
  try {
    await exchange(endpoint, { ping: true }, (m) => {
      if (m.pong === true) status = { busy: m.busy === true };
    }, undefined, 2000);
  } catch {
    return undefined;
  }
  return status;
}

/** True when the server answers a ping. */
export async function sparkServerHealthy(endpoint: string): Promise<boolean> {
  return (await sparkServerStatus(endpoint)) !== undefined;
}

/**
 * Starts the job server through spark-submit (Java 17, local mode, the same jars and catalog
 * configuration a spark-submit of a job gets) and waits until it takes requests.
 */
export async function startSparkServer(options: StartSparkServerOptions): Promise<SparkServerProcess> {
  fs.mkdirSync(options.paths.logs, { recursive: true });
  const portFile = path.join(options.paths.state, 'spark-server.port');
  fs.rmSync(portFile, { force: true });
  const logFile = path.join(options.paths.logs, 'spark-server.log');
  const command = localSparkSubmit({ ...options, script: SPARK_SERVER_SCRIPT, args: ['--spark-dir', options.paths.spark, '--port-file', portFile] });
  const child = startService({ name: 'spark', command: command.command, args: command.args, env: command.env, logFile });
  const pid = child.pid!;
  const startTime = processStartTime(pid);
  let endpoint = '';
  try {
    await waitFor('the Spark job server', async () => {
      if (!endpoint && fs.existsSync(portFile)) endpoint = `tcp://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
      return endpoint !== '' && sparkServerHealthy(endpoint);
    }, {
      timeoutMs: options.timeoutMs ?? 180_000,
      intervalMs: 200,
      failFast: () => (isAlive(pid) ? undefined : `spark-submit exited during start; last log lines:\n${tailFile(logFile, 30)}`),
      signal: options.signal,
    });
  } catch (e) {
    // Nothing records a server that never became ready: stop it here, or it outlives the failure.
    await stopProcessGroup(pid);
    throw e;
  }
  return { pid, startTime, port: address(endpoint).port, endpoint, logFile };
}

export interface SparkServerJob {
  readonly script: string;
  readonly args: readonly string[];
  /** Session settings of the job (its environment's warehouse among them). */
  readonly conf: Readonly<Record<string, string>>;
}

export interface RunOnSparkServerOptions {
  /** File that receives the job's output, appended. */
  readonly logFile: string;
  readonly onStdoutLine?: (line: string) => void;
  /** Aborting cancels the job on the server (its Spark jobs and its script); the server stays up. */
  readonly signal?: AbortSignal;
  /** Receives the request's tag as soon as the server takes it. */
  readonly onRequest?: (tag: string) => void;
}

/**
 * Runs one job on the server and resolves with how it ended, like a spark-submit of it would: the
 * exit code, and the tail of what it wrote to stderr. Requests queue on the server, one at a time.
 */
export async function runOnSparkServer(endpoint: string, job: SparkServerJob, options: RunOnSparkServerOptions): Promise<SparkSubmitExit> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  const stderrTail: string[] = [];
  let exitCode: number | undefined;
  try {
    await exchange(endpoint, job, (message) => {
      if (message.request !== undefined) options.onRequest?.(message.request);
      if (message.exit !== undefined) {
        exitCode = message.exit;
        return true;
      }
      if (message.line === undefined) return false;
      fs.writeSync(log, `${message.line}\n`);
      if (message.stream === 'stdout') options.onStdoutLine?.(message.line);
      else stderrTail.push(message.line);
      return false;
    }, options.signal);
    // The job's own output is above; Spark's (the JVM's log4j lines) goes to the server's log.
    if (exitCode !== undefined && exitCode !== 0) {
      fs.writeSync(log, `${path.basename(job.script)} exited ${exitCode} on the stack's warm Spark (${endpoint}); Spark's own log is the spark service's log that \`npx clickstream status\` names.\n`);
    }
  } catch (error) {
    if (!options.signal?.aborted) throw new Error(`The Spark job server at ${endpoint} failed during ${path.basename(job.script)}: ${(error as Error).message}`);
  } finally {
    fs.closeSync(log);
  }
  if (options.signal?.aborted) return { exitCode: 130, signal: 'SIGINT', stderrTail: stderrTail.slice(-40) };
  if (exitCode === undefined) {
    throw new Error(`The Spark job server at ${endpoint} closed the connection before ${path.basename(job.script)} ended (did it stop? see \`npx clickstream status\`).`);
  }
  return { exitCode, signal: null, stderrTail: stderrTail.slice(-40) };
}
