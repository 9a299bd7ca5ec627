import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRunReport } from '../../src/pipeline/local-run';
import { REPO_ROOT, parseJsonOutput, runCli } from '../support/cli';
import { processesWithEnv } from '../support/processes';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-sigint-test-'));
const env = { CLICKSTREAM_STATE_DIR: stateDir };

afterAll(async () => {
  await runCli(['down'], env);
});

/** Starts `clickstream run`, sends SIGINT once the KPI stage's Spark job is running, and collects the outcome. */
function runAndInterruptDuringKpis(): Promise<{ code: number | null; stdout: string; stderr: string; sparkSeen: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'src', 'cli', 'bin.js'), 'run', '--records', '5000', '--report-dir', path.join(stateDir, 'reports'), '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sparkSeen: string[] = [];
    let interrupted = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (interrupted || !stderr.includes('kpis: started')) return;
      // Wait until the Spark JVM is really up, so the stop has a JVM and Python workers to stop.
      const poll = setInterval(() => {
        const spark = processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir).filter((p) => /SparkSubmit|pyspark|spark-submit/.test(p.command));
        if (spark.length === 0 || interrupted) return;
        interrupted = true;
        sparkSeen = spark.map((p) => p.command);
        clearInterval(poll);
        child.kill('SIGINT');
      }, 200);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, sparkSeen }));
  });
}

describe('clickstream run stopped by Ctrl-C', () => {
  it('stops every process it started when SIGINT arrives during the KPI stage', async () => {
    const result = await runAndInterruptDuringKpis();
    expect(result.sparkSeen.length, `Spark never started:\n${result.stderr.slice(-3000)}`).toBeGreaterThan(0);
    expect(result.code).toBe(130);
    const report = parseJsonOutput<LocalRunReport>(result);
    expect(report.outcome).toBe('stopped');
    expect(report.failure?.stage).toBe('kpis');
    expect(report.stages.find((s) => s.name === 'kpis')?.status).toBe('stopped');
    expect(report.stages.find((s) => s.name === 'validate')?.status).toBe('skipped');
    expect(report.stack.stoppedAtEnd).toBe(true);
    expect(processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir)).toEqual([]);
  }, 900_000);

  it('leaves nothing in the way of the next run', async () => {
    const result = await runCli(['run', '--records', '3000', '--report-dir', path.join(stateDir, 'reports'), '--json'], env);
    expect(result.code, result.stderr.slice(-4000)).toBe(0);
    const report = parseJsonOutput<LocalRunReport>(result);
    expect(report.outcome).toBe('succeeded');
    expect(report.reconciliation?.reconciled).toBe(true);
    expect(processesWithEnv('CLICKSTREAM_STATE_DIR', stateDir)).toEqual([]);
  }, 900_000);
});
