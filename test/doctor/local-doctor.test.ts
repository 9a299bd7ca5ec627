import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckResult, DoctorReport } from '../../src/doctor/check';
import { FREE_SPACE_NEEDED, LocalDoctorContext, localDoctor } from '../../src/doctor/local';
import { LocalPaths, localPaths } from '../../src/local/paths';
import { processStartTime } from '../../src/local/processes';
import { writeStackState } from '../../src/local/stack-state';

const GIB = 1024 ** 3;
let root: string;
let paths: LocalPaths;

/** Paths of a throw-away checkout of these sources: nothing installed, no stack recorded. */
function emptyCheckout(dir: string): LocalPaths {
  const cache = path.join(dir, '.cache');
  const state = path.join(dir, '.clickstream');
  return {
    root: dir,
    cache,
    venv: path.join(cache, 'venv'),
    python: path.join(cache, 'venv', 'bin', 'python'),
    jars: path.join(cache, 'jars'),
    trinoHome: path.join(cache, 'trino'),
    bin: path.join(cache, 'bin'),
    state,
    stateFile: path.join(state, 'stack.json'),
    logs: path.join(state, 'logs'),
    // The checkout's sources (the setup steps read their pins there); nothing is installed from them.
    spark: localPaths().spark,
  };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-'));
  paths = emptyCheckout(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const doctor = (context: Partial<LocalDoctorContext> = {}) => localDoctor({ paths, freeBytes: () => 100 * GIB, ...context }, 'local');
const check = (report: DoctorReport, name: string): CheckResult => report.checks.find((c) => c.name === name)!;

describe('clickstream doctor (local target)', () => {
  it('names every missing tool and skips the install check that needs them', async () => {
    const env = { PATH: '', CLICKSTREAM_JAVA17_HOME: path.join(root, 'no-jdk'), CLICKSTREAM_JAVA25_HOME: path.join(root, 'no-jdk'), CLICKSTREAM_PYTHON: path.join(root, 'no-python') };
    const report = await doctor({ env });
    const toolchain = check(report, 'toolchain');
    expect(toolchain.status).toBe('fail');
    for (const tool of ['Java 17', 'Java 25', 'Python >= 3.11', 'Maven']) expect(toolchain.detail).toContain(tool);
    expect(check(report, 'setup')).toEqual({ name: 'setup', status: 'skip', detail: 'needs toolchain' });
    expect(report.ok).toBe(false);
  });

  it('fails when the toolchain is not installed into the cache, saying to run setup', async () => {
    const report = await doctor();
    // The machine's own tools are found (the suite runs on a set-up machine); this cache is empty.
    expect(check(report, 'toolchain').status).toBe('ok');
    expect(check(report, 'setup')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^python-venv, spark-jars, trino.* not installed \(or out of date\) in .*: run `npx clickstream setup`$/) });
  });

  it('a stack that is not running is fine, and the ports are checked instead', async () => {
    const report = await doctor({ freePort: async () => 40123 });
    expect(check(report, 'stack')).toMatchObject({ status: 'ok', detail: 'not running (`npx clickstream up` or `run` starts it)' });
    expect(check(report, 'ports').detail).toContain('the kernel gave 40123');
  });

  it('a service that runs but does not answer fails the stack check with what to do', async () => {
    // This test's own process stands in for a recorded service that no longer answers on its port.
    const record = { pid: process.pid, startTime: processStartTime(process.pid), port: 9, endpoint: 'http://127.0.0.1:9', logFile: path.join(paths.logs, 'emulator.log') };
    writeStackState(paths.stateFile, { startedAt: '2026-12-07T10:00:00.000Z', emulator: record });
    const report = await doctor();
    expect(check(report, 'stack')).toMatchObject({
      status: 'fail',
      detail: 'partly running (emulator unhealthy, spark stopped, trino stopped): `npx clickstream up` restarts what is not healthy, `npx clickstream down` stops the rest',
    });
  });

  it('no loopback port to listen on fails the ports check', async () => {
    const report = await doctor({ freePort: async () => { throw Object.assign(new Error('listen EADDRNOTAVAIL: address not available 127.0.0.1'), { code: 'EADDRNOTAVAIL' }); } });
    expect(check(report, 'ports')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^cannot listen on 127.0.0.1 \(listen EADDRNOTAVAIL/) });
  });

  it('disk space: before setup the install needs more room than runs do afterwards', async () => {
    const tight = 3 * GIB;
    expect(tight).toBeLessThan(FREE_SPACE_NEEDED.beforeSetup);
    expect(tight).toBeGreaterThan(FREE_SPACE_NEEDED.afterSetup);
    const before = check(await doctor({ freeBytes: () => tight }), 'disk space');
    expect(before).toMatchObject({ status: 'fail', detail: expect.stringContaining('3.0 GiB free for') });
    expect(before.detail).toContain('5.0 GiB needed to install the toolchain: free space there, or set CLICKSTREAM_CACHE_DIR');
    fs.mkdirSync(path.join(paths.cache, 'stamps'), { recursive: true });
    expect(check(await doctor({ freeBytes: () => tight }), 'disk space')).toMatchObject({ status: 'ok', detail: expect.stringContaining('(2.0 GiB needed)') });
  });

  it('reads free space from the nearest existing folder when the cache does not exist yet', async () => {
    const asked: string[] = [];
    await doctor({ freeBytes: (folder) => { asked.push(folder); return 100 * GIB; } });
    expect(asked).toEqual([root]);
  });
});
