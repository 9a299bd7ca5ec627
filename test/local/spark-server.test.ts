import * as fs from 'node:fs';
import * as path from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcessGroup } from '../../src/local/processes';
import { runOnSparkServer, sparkServerHealthy } from '../../src/local/spark-server';
import { stackUp } from '../../src/local/stack';
import { readStackState } from '../../src/local/stack-state';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

/**
 * The stack's warm Spark (src/local/spark_job_server.py) runs a script as a spark-submit of it
 * would: its stdout lines, its exit code, its error on stderr; and it stays up for the next one,
 * whatever the script did.
 */
describe('the warm Spark', () => {
  let env: TestEnvironment | undefined;
  const script = (name: string, body: string): string => {
    const file = path.join(env!.work, name);
    fs.writeFileSync(file, body);
    return file;
  };
  const run = (file: string, args: string[] = [], signal?: AbortSignal, conf: Record<string, string> = {}) => {
    const lines: string[] = [];
    const exit = runOnSparkServer(env!.spark, { script: file, args, conf }, {
      logFile: path.join(env!.work, 'jobs.log'), onStdoutLine: (line) => lines.push(line), signal,
    });
    return { lines, exit };
  };

  beforeAll(async () => {
    env = await testEnvironment('spark-server');
  }, 300_000);
  afterAll(() => endTestEnvironment(env));

  it('runs a script in a session of its own: its arguments, its stdout lines in order, exit 0', async () => {
    const file = script('count.py', [
      'import sys',
      'from clickstream_jobs.session import create_session, end_session',
      'spark = create_session("count")',
      'print("args", " ".join(sys.argv[1:]))',
      'print("rows", spark.range(int(sys.argv[1])).count())',
      'print("warehouse", spark.conf.get("spark.sql.catalog.glue.warehouse"))',
      'end_session(spark)',
    ].join('\n'));
    // The request's own settings (its environment's warehouse) apply to its session only.
    const { lines, exit } = run(file, ['1234', 'b'], undefined, { 'spark.sql.catalog.glue.warehouse': env!.names.warehouseUri });
    expect(await exit).toMatchObject({ exitCode: 0 });
    expect(lines).toEqual(['args 1234 b', 'rows 1234', `warehouse ${env!.names.warehouseUri}`]);
  }, 120_000);

  it('passes on the exit code of sys.exit and the traceback of a failure, and stays up', async () => {
    const exits = run(script('exit.py', 'import sys\nsys.exit(3)\n'));
    expect((await exits.exit).exitCode).toBe(3);
    // The job's log (what a failure message quotes the tail of) says where Spark's own log is.
    expect(fs.readFileSync(path.join(env!.work, 'jobs.log'), 'utf8')).toContain('exit.py exited 3 on the stack\'s warm Spark');
    const failing = run(script('fail.py', 'from pyspark.sql import SparkSession\nSparkSession.builder.getOrCreate().sql("SELECT * FROM no_such_table").collect()\n'));
    const failed = await failing.exit;
    expect(failed.exitCode).toBe(1);
    expect(failed.stderrTail.join('\n')).toMatch(/TABLE_OR_VIEW_NOT_FOUND|no_such_table/);
    expect(await sparkServerHealthy(env!.spark)).toBe(true);
  }, 120_000);

  it('survives a script that stops its session, and runs the next one', async () => {
    const stops = run(script('stop.py', 'from pyspark.sql import SparkSession\nSparkSession.builder.getOrCreate().stop()\nprint("stopped")\n'));
    expect((await stops.exit).exitCode).toBe(0);
    const next = run(script('next.py', 'from pyspark.sql import SparkSession\nprint(SparkSession.builder.getOrCreate().range(5).count())\n'));
    expect((await next.exit).exitCode).toBe(0);
    expect(next.lines).toEqual(['5']);
  }, 120_000);

  it('queues requests sent at once: one runs after the other, each to its end with its own output', async () => {
    // Each prints when it started and ended (the server's clock); one at a time means the spans do not overlap.
    const file = script('slow.py', 'import sys, time\nstart = time.time()\ntime.sleep(1)\nprint(sys.argv[1], start, time.time())\n');
    const both = [run(file, ['one']), run(file, ['two'])];
    const exits = await Promise.all(both.map((b) => b.exit));
    expect(exits.map((e) => e.exitCode)).toEqual([0, 0]);
    const spans = both.map((b) => b.lines.map((l) => l.split(' ')));
    expect(spans.map((s) => s.map((fields) => fields[0]))).toEqual([['one'], ['two']]);
    // Whichever the server took first, the other started after it ended.
    const [earlier, later] = spans.map((s) => s[0].slice(1).map(Number)).sort((a, b) => a[0] - b[0]);
    expect(later[0]).toBeGreaterThanOrEqual(earlier[1]);
  }, 120_000);

  it('cancels a request whose client goes away (Ctrl-C), and takes the next one', async () => {
    const controller = new AbortController();
    const file = script('long.py', 'import time\nprint("started", flush=True)\nwhile True:\n    time.sleep(0.1)\n');
    const long = run(file, [], controller.signal);
    const deadline = Date.now() + 30_000;
    while (long.lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort('SIGINT');
    expect((await long.exit).exitCode).toBe(130);
    const next = run(script('after.py', 'print("next")\n'));
    expect((await next.exit).exitCode).toBe(0);
    expect(next.lines).toEqual(['next']);
  }, 120_000);

  it('when it dies, the next start replaces it alone: the emulator, Trino and the environments\' data stay', async () => {
    const before = readStackState(env!.paths.stateFile)!;
    await stopProcessGroup(before.spark!.pid);
    expect(await sparkServerHealthy(env!.spark)).toBe(false);
    const lines: string[] = [];
    const up = await stackUp({ paths: env!.paths, names: env!.names, log: (line) => lines.push(line) });
    const after = readStackState(env!.paths.stateFile)!;
    expect(up.startedServices).toEqual(['spark']);
    expect(lines.join('\n')).toContain('keeping the emulator and Trino (and their data)');
    expect([after.emulator!.pid, after.trino!.pid]).toEqual([before.emulator!.pid, before.trino!.pid]);
    expect(after.spark!.pid).not.toBe(before.spark!.pid);
    expect(await sparkServerHealthy(after.spark!.endpoint)).toBe(true);
    // What the environment held on the emulator is still there.
    await env!.clients.s3.send(new HeadBucketCommand({ Bucket: env!.names.bronzeBucket }));
  }, 300_000);
});
