import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, processCommandLine, processGroupMembers, processStartTime } from './processes';

/** One service of the embedded stack, as recorded by `clickstream up`. */
export interface ServiceRecord {
  /** The service's pid, which also names its process group. */
  readonly pid: number;
  /**
   * When that process started (clock ticks since boot, /proc/<pid>/stat), so that a pid the
   * system has since given to another process is recognised. Absent in records of older versions.
   */
  readonly startTime?: number;
  readonly port: number;
  readonly endpoint: string;
  readonly logFile: string;
}

/** The state file: what `up` started, so `down` stops exactly that. */
export interface StackState {
  readonly startedAt: string;
  readonly emulator?: ServiceRecord;
  readonly trino?: ServiceRecord;
  /** The warm Spark (src/local/spark-server.ts). */
  readonly spark?: ServiceRecord;
}

export function readStackState(stateFile: string): StackState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export function writeStackState(stateFile: string, state: StackState): void {
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  const temporary = `${stateFile}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(temporary, stateFile);
}

export function removeStackState(stateFile: string): void {
  fs.rmSync(stateFile, { force: true });
}

/** What became of a recorded service's process. */
export type RecordedProcess =
  | { readonly state: 'running' }
  /** The process is gone, but members of its group are left (pgids are not reused while a member lives). */
  | { readonly state: 'group-left' }
  | { readonly state: 'gone' }
  /** The pid now belongs to a process started after the recorded one. */
  | { readonly state: 'replaced'; readonly command: string };

/**
 * Whether the recorded pid is still the process that was started: same start time, or, for a
 * record without one, a command line that contains `command` (the service's launcher or main class).
 */
export function recordedProcess(record: ServiceRecord, command: string): RecordedProcess {
  const startTime = processStartTime(record.pid);
  if (startTime === undefined || !isAlive(record.pid)) {
    return processGroupMembers(record.pid).length > 0 ? { state: 'group-left' } : { state: 'gone' };
  }
  const commandLine = processCommandLine(record.pid) ?? '';
  const same = record.startTime !== undefined ? record.startTime === startTime : commandLine.includes(command);
  return same ? { state: 'running' } : { state: 'replaced', command: commandLine.slice(0, 160) };
}
