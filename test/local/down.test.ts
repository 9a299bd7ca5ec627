import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, processStartTime } from '../../src/local/processes';
import { ServiceRecord, writeStackState } from '../../src/local/stack-state';
import { parseJsonOutput, runCli } from '../support/cli';

/**
 * `down` signals a recorded pid only while it is still the process `up` started. A service that
 * died lets the system give its pid to any later process; `down` must not stop that one.
 */

interface DownJson {
  stopped: Array<{ name: string; pid: number }>;
  notOurs: Array<{ name: string; pid: number; command: string }>;
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-down-test-'));
const env = { CLICKSTREAM_STATE_DIR: stateDir };
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** A process standing for a service or for whatever got its pid: its own group, as services run. */
function startProcess(argv0?: string): number {
  const child = spawn('sleep', ['120'], { detached: true, stdio: 'ignore', argv0 });
  child.unref();
  children.push(child);
  return child.pid!;
}

function record(pid: number, startTime: number | undefined): ServiceRecord {
  return { pid, startTime, port: 1, endpoint: 'http://127.0.0.1:1', logFile: path.join(stateDir, 'emulator.log') };
}

async function down(emulator: ServiceRecord) {
  writeStackState(path.join(stateDir, 'stack.json'), { startedAt: new Date().toISOString(), emulator });
  return parseJsonOutput<DownJson>(await runCli(['down', '--json'], env));
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return !isAlive(pid);
}

describe('clickstream down', () => {
  it('leaves a pid that now belongs to a later process alone, and says so', async () => {
    const other = startProcess();
    // The recorded process started earlier than whatever holds its pid now.
    const result = await down(record(other, processStartTime(other)! - 100));
    expect(result.stopped).toEqual([]);
    expect(result.notOurs).toEqual([{ name: 'emulator', pid: other, command: 'sleep 120' }]);
    expect(isAlive(other)).toBe(true);

    writeStackState(path.join(stateDir, 'stack.json'), { startedAt: new Date().toISOString(), emulator: record(other, processStartTime(other)! - 100) });
    const text = await runCli(['down'], env);
    expect(text.stdout).toContain(`Left pid ${other} alone: it is no longer the emulator \`up\` started, but \`sleep 120\`.`);
    expect(isAlive(other)).toBe(true);
  });

  it('stops the process it started: same pid, same start time', async () => {
    const service = startProcess();
    const result = await down(record(service, processStartTime(service)));
    expect(result).toMatchObject({ stopped: [{ name: 'emulator', pid: service }], notOurs: [] });
    expect(await gone(service)).toBe(true);
  });

  it('recognises a record without a start time (older state files) by the service\'s command line', async () => {
    const stranger = startProcess();
    expect((await down(record(stranger, undefined))).notOurs.map((s) => s.pid)).toEqual([stranger]);
    expect(isAlive(stranger)).toBe(true);

    const emulator = startProcess('moto_server.py');
    expect((await down(record(emulator, undefined))).stopped.map((s) => s.pid)).toEqual([emulator]);
    expect(await gone(emulator)).toBe(true);
  });
});
