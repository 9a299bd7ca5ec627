import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PeakMemorySampler } from './process-memory';
import { stopProcessGroup } from './processes';
import { SparkSubmitCommand } from './spark-submit';

export interface RunSparkJobOptions {
  /** File that receives spark-submit's full output (Spark logs are long). */
  readonly logFile: string;
  /** Receives stdout lines (what the job prints), for progress and results. */
  readonly onStdoutLine?: (line: string) => void;
  /** Aborting stops the whole spark-submit process group (JVM and Python workers). */
  readonly signal?: AbortSignal;
  /** Tracks the job's peak memory under `spark` when given. */
  readonly memory?: PeakMemorySampler;
}

export interface SparkJobResult {
  readonly stdout: readonly string[];
  readonly durationMs: number;
}

/**
 * Runs one spark-submit to completion in its own process group, so an abort (Ctrl-C) stops the
 * JVM and its Python workers together. Fails with the log file's path and tail.
 */
export async function runSparkJob(command: SparkSubmitCommand, options: RunSparkJobOptions): Promise<SparkJobResult> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  const started = Date.now();
  const stdout: string[] = [];
  const child = spawn(command.command, [...command.args], { env: command.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid && options.memory) options.memory.watch('spark', child.pid);
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stdout.push(line);
      options.onStdoutLine?.(line);
    }
  });
  const stderrTail: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stderrTail.push(...chunk.toString('utf8').split('\n'));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 40));
  });
  const abort = () => {
    if (child.pid) void stopProcessGroup(child.pid, 5_000);
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve([c, s]));
    });
    if (partial) stdout.push(partial);
    if (options.signal?.aborted) throw new Error(`spark-submit was stopped (${options.signal.reason ?? 'aborted'}); log: ${options.logFile}`);
    if (code !== 0) {
      const errors = stderrTail.filter((l) => /error|exception|traceback|usage/i.test(l)).slice(-12).join('\n');
      throw new Error(`spark-submit ${path.basename(command.args.find((a) => a.endsWith('.py')) ?? '')} failed (${signal ?? `exit ${code}`}); full log: ${options.logFile}\n${errors || stderrTail.slice(-12).join('\n')}`);
    }
    return { stdout, durationMs: Date.now() - started };
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}
