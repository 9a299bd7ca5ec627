import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptHandler } from '../../src/local/interrupts';
import { ProcessGroups, processGroupMembers } from '../../src/local/processes';

/** Real processes in a group of their own, as services and spark-submit run; `stubborn` ones ignore SIGTERM. */
function startGroup(groups: ProcessGroups, what: string, stubborn = false): number {
  const script = stubborn ? 'trap "" TERM; sleep 120 & wait' : 'sleep 120 & wait';
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  groups.add(child.pid!, what);
  return child.pid!;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

const started: number[] = [];
afterEach(() => {
  for (const pgid of started.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
});

function handler(graceMs = 10_000) {
  const target = new EventEmitter();
  const groups = new ProcessGroups();
  const exits: number[] = [];
  const messages: string[] = [];
  const interrupts = new InterruptHandler({
    groups, graceMs, target: target as never, exit: (code) => exits.push(code), write: (text) => messages.push(text.trim()),
  }).install();
  const group = (what: string, stubborn = false) => {
    const pgid = startGroup(groups, what, stubborn);
    started.push(pgid);
    return pgid;
  };
  // Each group's sh has started its sleep before a test signals it.
  const ready = (pgid: number) => until(() => processGroupMembers(pgid).length === 2);
  return { target, groups, exits, messages, interrupts, group, ready };
}

describe('Ctrl-C in a command that started processes', () => {
  it('a command that did not take the signal: the first Ctrl-C stops its processes, then exits with 130', async () => {
    const h = handler();
    const pgids = [h.group('emulator'), h.group('trino')];
    await Promise.all(pgids.map(h.ready));

    h.target.emit('SIGINT', 'SIGINT');

    expect(await until(() => h.exits.length > 0)).toBe(true);
    expect(h.exits).toEqual([130]);
    for (const pgid of pgids) expect(processGroupMembers(pgid), `group ${pgid}`).toEqual([]);
    expect(h.messages).toEqual(['SIGINT: stopping emulator, trino (press Ctrl-C again to kill at once)']);
    expect(h.groups.list()).toEqual([]);
  });

  it('a command that took the signal: the first Ctrl-C aborts it, and once it is done the rest is stopped', async () => {
    const h = handler();
    const signal = h.interrupts.signal({ stopping: 'stopping the KPI jobs' });
    const pgid = h.group('trino');
    await h.ready(pgid);

    h.target.emit('SIGTERM', 'SIGTERM');

    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('SIGTERM');
    expect(h.messages).toEqual(['SIGTERM: stopping the KPI jobs (press Ctrl-C again to stop at once)']);
    // The command winds down on its own; nothing is killed under it, and it is not exited.
    expect(processGroupMembers(pgid)).toHaveLength(2);
    expect(h.exits).toEqual([]);
    await h.interrupts.settle();
    expect(processGroupMembers(pgid)).toEqual([]);
    expect(h.interrupts.exitCode).toBe(143);
  });

  it('a second Ctrl-C kills every group at once, processes that ignore SIGTERM included, and exits', async () => {
    const h = handler(120_000);
    const pgids = [h.group('spark-submit', true), h.group('trino', true)];
    await Promise.all(pgids.map(h.ready));

    h.target.emit('SIGINT', 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // SIGTERM was sent and ignored; the grace period has long to run.
    for (const pgid of pgids) expect(processGroupMembers(pgid), `group ${pgid} after the first Ctrl-C`).toHaveLength(2);
    expect(h.exits).toEqual([]);

    h.target.emit('SIGINT', 'SIGINT');

    expect(h.exits).toEqual([130]);
    expect(h.messages[1]).toBe(`SIGINT again: killed spark-submit (pid ${pgids[0]}), trino (pid ${pgids[1]}); exiting.`);
    // SIGKILL was sent before exit was called; the kernel reaps the processes right after.
    for (const pgid of pgids) expect(await until(() => processGroupMembers(pgid).length === 0, 2_000), `group ${pgid} after the second Ctrl-C`).toBe(true);
  });

  it('a command that started nothing exits at once, as without a handler', () => {
    const h = handler();
    h.target.emit('SIGINT', 'SIGINT');
    expect(h.exits).toEqual([130]);
    expect(h.messages).toEqual([]);
  });
});
