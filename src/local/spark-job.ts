import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PeakMemorySampler } from './process-memory';
import { ProcessGroups, processGroupMembers, startedProcessGroups, stopProcessGroup } from './processes';
import { runOnSparkServer } from './spark-server';
import { LocalSparkJobOptions, SparkSubmitCommand, SparkSubmitExit } from './spark-submit';
import { readStackState } from './stack-state';
import { systemClock } from '../timing/clock';

export interface SpawnSparkSubmitOptions {
  /** File that receives spark-submit's full output, appended (Spark logs are long). */
  readonly logFile: string;
  /** Receives stdout lines (what the job prints), for progress and results. */
  readonly onStdoutLine?: (line: string) => void;
  /** Aborting stops the whole spark-submit process group (JVM and Python workers). */
  readonly signal?: AbortSignal;
  /** Tracks the job's peak memory under `spark` when given. */
  readonly memory?: PeakMemorySampler;
  /** Where the running spark-submit's process group is recorded, for Ctrl-C. @default startedProcessGroups */
  readonly groups?: ProcessGroups;
}


/**
 * Spawns spark-submit in its own process group and resolves when it ends, whatever its exit
 * code, and only once no process of its group is left. Its output is appended to the log file;
 * aborting stops the whole group, so no Spark JVM or Python worker survives a Ctrl-C.
 */
export async function spawnSparkSubmit(command: SparkSubmitCommand, options: SpawnSparkSubmitOptions): Promise<SparkSubmitExit> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const groups = options.groups ?? startedProcessGroups;
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command.command, [...command.args], { env: command.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) groups.add(child.pid, 'spark-submit');
  if (child.pid && options.memory) options.memory.watch('spark', child.pid);
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onStdoutLine?.(line);
  });
  const stderrTail: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stderrTail.push(...chunk.toString('utf8').split('\n'));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 40));
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    if (child.pid) stopping ??= stopProcessGroup(child.pid, 5_000, undefined, groups);
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve([c, s]));
    });
    if (partial) options.onStdoutLine?.(partial);
    return { exitCode: code ?? (signal ? 128 : 1), signal, stderrTail };
  } finally {
    options.signal?.removeEventListener('abort', stop);
    // Whatever of its group is still running when spark-submit ends goes with it.
    if (child.pid && !stopping && processGroupMembers(child.pid).length > 0) stop();
    await stopping;
    if (child.pid) groups.delete(child.pid);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/**
 * The warm Spark a local job runs on: the one given, else the one recorded for the stack at
 * `paths` (`clickstream up` starts it beside the emulator); undefined when there is none, and each
 * job is then a spark-submit of its own.
 */
export function sparkServerFor(options: Pick<LocalSparkJobOptions, 'paths' | 'sparkServer'>): string | undefined {
  return options.sparkServer ?? readStackState(options.paths.stateFile)?.spark?.endpoint;
}

export interface RunSparkCommandOptions extends SpawnSparkSubmitOptions {
  /** The warm Spark to run it on (`tcp://127.0.0.1:PORT`); without one, a spark-submit of its own. */
  readonly server?: string;
  /** Receives the tag of its request on the warm Spark (what its SQL executions carry in the event log). */
  readonly onRequest?: (tag: string) => void;
}

/** Runs a job on the warm Spark when there is one (`server`), else as its own spark-submit; resolves with how it ended. */
export function runSparkCommand(command: SparkSubmitCommand, options: RunSparkCommandOptions): Promise<SparkSubmitExit> {
  return options.server ? runOnSparkServer(options.server, command.job, options) : spawnSparkSubmit(command, options);
}

export interface SparkJobResult {
  readonly stdout: readonly string[];
  readonly durationMs: number;
}

/**
 * Runs one spark-submit to completion and returns what it printed on stdout. Fails when it is
 * stopped or exits non-zero, with the log file's path and the error lines of its tail.
 */
export async function runSparkJob(command: SparkSubmitCommand, options: RunSparkCommandOptions): Promise<SparkJobResult> {
  const started = systemClock();
  const stdout: string[] = [];
  const exit = await runSparkCommand(command, {
    ...options,
    onStdoutLine: (line) => {
      stdout.push(line);
      options.onStdoutLine?.(line);
    },
  });
  if (options.signal?.aborted) throw new Error(`spark-submit was stopped (${options.signal.reason ?? 'aborted'}); log: ${options.logFile}`);
  if (exit.exitCode !== 0) {
    const errors = exit.stderrTail.filter((l) => /error|exception|traceback|usage/i.test(l)).slice(-12).join('\n');
    const script = path.basename(command.job.script);
    throw new Error(`spark-submit ${script} failed (${exit.signal ?? `exit ${exit.exitCode}`}); full log: ${options.logFile}\n${errors || exit.stderrTail.slice(-12).join('\n')}`);
  }
  return { stdout, durationMs: systemClock() - started };
}
