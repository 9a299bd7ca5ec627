import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive } from './processes';

/** One service of the embedded stack, as recorded by `clickstream up`. */
export interface ServiceRecord {
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  readonly logFile: string;
}

/** The state file: what `up` started, so `down` stops exactly that. */
export interface StackState {
  readonly startedAt: string;
  readonly emulator?: ServiceRecord;
  readonly trino?: ServiceRecord;
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

export function serviceAlive(record: ServiceRecord | undefined): boolean {
  return record !== undefined && isAlive(record.pid);
}
