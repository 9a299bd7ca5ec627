import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processCommandLine, processGroupMembers } from '../../src/local/processes';
import { REPO_ROOT, parseJsonOutput, runCli } from '../support/cli';
import { processesWithEnv } from '../support/processes';

/**
 * Ctrl-C (SIGINT) in commands that start Spark, the emulator or Trino. Those run in process groups
 * of their own, out of reach of the terminal's Ctrl-C, so the command has to stop them itself.
 * Every process a command starts inherits CLICKSTREAM_STATE_DIR, so a private value finds all of
 * them, orphans included.
 */

interface Started {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function startCli(args: readonly string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'src', 'cli', 'bin.js'), ...args], {
    cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Processes started under the private state folder, with their whole command lines (a JVM's names its main class after the classpath). */
function processesOf(stateDir: string): Array<{ pid: number; command: string }> {
  return processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir).map((p) => ({ pid: p.pid, command: processCommandLine(p.pid) ?? p.command }));
}

async function waitUntil(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('Ctrl-C in clickstream kpis', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-ctrl-c-kpis-'));
  const env = { CLICKSTREAM_STATE_DIR: stateDir };
  let stackMembers: () => number[];

  beforeAll(async () => {
    const up = await runCli(['up', '--json'], env);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    const status = parseJsonOutput<{ services: Array<{ pid: number }> }>(await runCli(['status', '--json'], env));
    const leaders = status.services.map((s) => s.pid);
    stackMembers = () => leaders.flatMap(processGroupMembers);
  }, 300_000);

  afterAll(async () => {
    await runCli(['down'], env);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('stops the Spark JVM and its Python processes during the job, and leaves the stack it did not start running', async () => {
    const spark = () => {
      const stack = new Set(stackMembers());
      return processesOf(stateDir).filter((p) => !stack.has(p.pid));
    };
    const kpis = startCli(['kpis', '--from-date', '2026-03-01', '--to-date', '2026-03-01'], env);
    // The job runs once the JVM has started the Python driver of all_kpis.py.
    await waitUntil('the Spark JVM and the job\'s Python driver', () => {
      const commands = spark().map((p) => p.command);
      return commands.some((c) => /\bjava\b.*SparkSubmit/.test(c)) && commands.some((c) => /python\S* \S*all_kpis\.py/.test(c));
    }, 120_000);
    const running = spark().map((p) => p.command);

    kpis.child.kill('SIGINT');
    const code = await kpis.exited;

    expect(code, kpis.stderr().slice(-3000)).toBe(130);
    expect(kpis.stderr()).toContain('SIGINT: stopping the KPI jobs\' Spark processes');
    expect(kpis.stderr()).toMatch(/KPI job all_kpis\.py was stopped \(SIGINT\)/);
    expect(running.filter((c) => /\bjava\b/.test(c)).length, running.join('\n')).toBeGreaterThan(0);
    expect(spark(), 'processes of the KPI job that survived it').toEqual([]);
    const status = parseJsonOutput<{ running: boolean }>(await runCli(['status', '--json'], env));
    expect(status.running).toBe(true);
  }, 300_000);
});

describe('Ctrl-C twice in clickstream up', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-ctrl-c-up-'));
  const env = { CLICKSTREAM_STATE_DIR: stateDir };

  afterAll(async () => {
    await runCli(['down'], env);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('kills the emulator and the starting Trino at once on the second Ctrl-C', async () => {
    const started = () => processesOf(stateDir).filter((p) => !p.command.includes('src/cli/bin.js'));
    const up = startCli(['up'], env);
    await waitUntil('Trino\'s JVM next to the emulator', () => {
      const commands = started().map((p) => p.command);
      return commands.some((c) => c.includes('moto_server.py')) && commands.some((c) => c.includes('io.trino.server.TrinoServer'));
    }, 120_000);

    up.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    up.child.kill('SIGINT');
    const code = await up.exited;

    expect(code, up.stderr().slice(-3000)).toBe(130);
    expect(up.stderr()).toContain('SIGINT: stopping the services this command started');
    expect(up.stderr()).toMatch(/SIGINT again: killed .*(trino|emulator)/);
    await waitUntil('the killed processes to be gone', () => started().length === 0, 3_000).catch(() => undefined);
    expect(started()).toEqual([]);
  }, 300_000);
});
