import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { fixedInterval } from '../timing/backoff';
import { Clock, Sleep, sleep } from '../timing/clock';
import { pollUntil } from '../timing/poll';


/** A free TCP port on the loopback interface, chosen by the kernel. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartServiceOptions {
  /** What the service is, in messages about it (`emulator`, `trino`). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** File that receives the service's stdout and stderr. */
  readonly logFile: string;
}

/**
 * The process groups this process started (services, spark-submit) and has not stopped yet, so
 * that an interrupt can stop them: each leads its own group, out of reach of the terminal's Ctrl-C.
 */
export class ProcessGroups {
  private readonly groups = new Map<number, string>();

  /** Records a group by its leader's pid, with what it is for messages (`trino`, `spark-submit`). */
  add(pgid: number, what: string): void {
    this.groups.set(pgid, what);
  }

  delete(pgid: number): void {
    this.groups.delete(pgid);
  }

  list(): Array<{ readonly pgid: number; readonly what: string }> {
    return [...this.groups].map(([pgid, what]) => ({ pgid, what }));
  }

  /** SIGTERM to every group, SIGKILL after the grace period; resolves once all are gone. */
  async stopAll(graceMs?: number): Promise<void> {
    await Promise.all([...this.groups.keys()].map((pgid) => stopProcessGroup(pgid, graceMs, sleep, this)));
  }

  /**
   * SIGKILL to every group at once, synchronously: what a process does right before it exits,
   * when there is no time left to wait for a graceful stop. Returns what it killed.
   */
  killAll(): string[] {
    const killed = this.list().filter(({ pgid }) => signalGroup(pgid, 'SIGKILL')).map(({ what, pgid }) => `${what} (pid ${pgid})`);
    this.groups.clear();
    return killed;
  }
}

/** The groups this process started: {@link startService} and spark-submit record theirs here. */
export const startedProcessGroups = new ProcessGroups();

/** Signals a whole process group; false when it no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    return false;
  }
}

/**
 * Starts a long-running service in its own process group, detached from this process so it
 * survives the CLI that started it (`clickstream up`); stop it with {@link stopProcessGroup}.
 * The group is recorded in {@link startedProcessGroups} until it is stopped.
 */
export function startService(options: StartServiceOptions, groups: ProcessGroups = startedProcessGroups): ChildProcess {
  const log = fs.openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (child.pid) groups.add(child.pid, options.name);
    return child;
  } finally {
    fs.closeSync(log);
  }
}

/** True when a process with this pid exists (and is not a zombie we can see). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat): with the pid,
 * it names one process, since a pid is reused only by a process that starts later.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis start at field 3 (the state).
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/** A process's command line, arguments joined by spaces; undefined when it does not exist. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return undefined;
  }
}

/** Pids of a process group's members, from /proc. */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state, fields[2] the process group id.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // The process exited while we read /proc.
    }
  }
  return members;
}

/**
 * Stops a process group: SIGTERM, then SIGKILL after the grace period. Resolves once no member
 * is left, and forgets the group in `groups`. Services started with {@link startService} lead
 * their own group (pgid = pid).
 */
export async function stopProcessGroup(
  pgid: number, graceMs = 10_000, wait: Sleep = sleep, groups: ProcessGroups = startedProcessGroups,
): Promise<void> {
  const gone = async () => (processGroupMembers(pgid).length === 0 ? { done: true as const, value: true } : { done: false as const, pending: false });
  try {
    if (processGroupMembers(pgid).length === 0) return;
    signalGroup(pgid, 'SIGTERM');
    const stopped = await pollUntil(gone, { timeoutMs: graceMs, backoff: fixedInterval(100), sleep: wait });
    if (stopped.kind === 'done') return;
    signalGroup(pgid, 'SIGKILL');
    await pollUntil(gone, { timeoutMs: 5_000, backoff: fixedInterval(100), sleep: wait });
  } finally {
    if (processGroupMembers(pgid).length === 0) groups.delete(pgid);
  }
}

export interface WaitForOptions {
  readonly timeoutMs: number;
  /** @default 250 */
  readonly intervalMs?: number;
  /** Stops waiting early with this error when it returns a message (e.g. the process died). */
  readonly failFast?: () => string | undefined;
  /** Stops waiting with the signal's reason when it is aborted (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
}

/** Polls `probe` until it returns true, failing with `what` and the last error on timeout. */
export async function waitFor(what: string, probe: () => Promise<boolean>, options: WaitForOptions): Promise<void> {
  let last = '';
  const outcome = await pollUntil(async () => {
    const failure = options.failFast?.();
    if (failure) throw new Error(`${what}: ${failure}`);
    try {
      if (await probe()) return { done: true, value: undefined };
    } catch (e) {
      last = (e as Error).message;
    }
    return { done: false, pending: last };
  }, { ...options, backoff: fixedInterval(options.intervalMs ?? 250) });
  if (outcome.kind === 'aborted') throw new Error(`${what}: stopped (${String(options.signal?.reason ?? 'aborted')}).`);
  if (outcome.kind === 'timed-out') {
    throw new Error(`${what}: not ready after ${Math.round(options.timeoutMs / 1000)} s${outcome.pending ? ` (last error: ${outcome.pending})` : ''}.`);
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tailFile(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch {
    return '';
  }
}
