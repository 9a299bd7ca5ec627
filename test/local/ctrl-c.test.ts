import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processCommandLine, processGroupMembers } from '../../src/local/processes';
import { sparkServerStatus } from '../../src/local/spark-server';
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

/** True while the warm Spark runs a request (its ping says so). */
async function sparkServerBusy(endpoint: string): Promise<boolean> {
  return (await sparkServerStatus(endpoint))?.busy === true;
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
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

  it('cancels the job on the stack\'s warm Spark during the job, and leaves the stack it did not start running and idle', async () => {
    const before = new Set(processesOf(stateDir).map((p) => p.pid));
    const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'stack.json'), 'utf8')) as { spark: { endpoint: string } };
    const sparkServer = state.spark.endpoint;
    const kpis = startCli(['kpis', '--from-date', '2026-03-01', '--to-date', '2026-03-01'], env);
    // The job runs once the server reports itself busy with it.
    await waitUntil('the KPI job on the warm Spark', () => sparkServerBusy(sparkServer), 120_000);

    kpis.child.kill('SIGINT');
    const code = await kpis.exited;

    expect(code, kpis.stderr().slice(-3000)).toBe(130);
    expect(kpis.stderr()).toContain('SIGINT: cancelling the KPI job');
    expect(kpis.stderr()).toMatch(/KPI job all_kpis\.py was stopped \(SIGINT\)/);
    // The server cancels the request (its Spark jobs, then its script) and takes the next one.
    await waitUntil('the warm Spark idle again', async () => !(await sparkServerBusy(sparkServer)), 60_000);
    const left = processesOf(stateDir).filter((p) => !before.has(p.pid) && !new Set(stackMembers()).has(p.pid) && !p.command.includes('pyspark.daemon'));
    expect(left, 'processes of the KPI command that survived it').toEqual([]);
    const status = parseJsonOutput<{ running: boolean }>(await runCli(['status', '--json'], env));
    expect(status.running).toBe(true);
    const again = await runCli(['kpis', '--from-date', '2026-03-01', '--to-date', '2026-03-01', '--json'], env);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
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
    // The second Ctrl-C once the first has been taken (its line printed), while the services still
    // stop: a stop that ends early on the abort can finish within any fixed pause.
    await waitUntil('the first Ctrl-C to be taken', () => up.stderr().includes('SIGINT: stopping the services this command started'), 10_000);
    up.child.kill('SIGINT');
    const code = await up.exited;

    expect(code, up.stderr().slice(-3000)).toBe(130);
    expect(up.stderr()).toMatch(/SIGINT again: killed .*(trino|emulator)/);
    await waitUntil('the killed processes to be gone', () => started().length === 0, 3_000).catch(() => undefined);
    expect(started()).toEqual([]);
  }, 300_000);
});
