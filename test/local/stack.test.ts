import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GLUE_DATABASE } from '../../src/config/names';
import { isAlive, processGroupMembers } from '../../src/local/processes';
import { parseJsonOutput, runCli } from '../support/cli';

interface StatusJson {
  running: boolean;
  services: Array<{ name: string; health: string; pid?: number; endpoint?: string }>;
}
interface UpJson {
  reused: boolean;
  endpoints: { aws: string; trino: string };
  startedServices: string[];
  bootstrap: { created: string[]; existing: string[] };
}

// A private state folder: the test never touches a stack the developer is running.
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-stack-test-'));
const env = { CLICKSTREAM_STATE_DIR: stateDir };
const seenPids = new Set<number>();

afterAll(async () => {
  await runCli(['down'], env);
});

describe('clickstream up / status / down', () => {
  for (const round of [1, 2]) {
    it(`round ${round}: starts the emulator and Trino, reports them, reuses them, and stops them completely`, async () => {
      const up = await runCli(['up', '--json'], env);
      expect(up.code, up.stderr).toBe(0);
      const started = parseJsonOutput<UpJson>(up);
      expect(started.reused).toBe(false);
      expect(started.startedServices).toEqual(['emulator', 'trino']);
      expect(started.endpoints.aws).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(started.endpoints.trino).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(started.bootstrap.created).toContain(`glue database ${GLUE_DATABASE}`);

      const status = parseJsonOutput<StatusJson>(await runCli(['status', '--json'], env));
      expect(status.running).toBe(true);
      expect(status.services.map((s) => [s.name, s.health])).toEqual([['emulator', 'healthy'], ['trino', 'healthy']]);
      const pids = status.services.map((s) => s.pid!);
      pids.forEach((pid) => seenPids.add(pid));
      // The services answer on their endpoints, as a client would use them.
      expect((await fetch(`${started.endpoints.trino}/v1/info`)).ok).toBe(true);
      expect((await fetch(`${started.endpoints.aws}/moto-api/data.json`)).ok).toBe(true);

      const again = parseJsonOutput<UpJson>(await runCli(['up', '--json'], env));
      expect(again.reused).toBe(true);
      expect(again.endpoints).toEqual(started.endpoints);
      expect(again.bootstrap.created).toEqual([]);

      const down = await runCli(['down', '--json'], env);
      expect(down.code, down.stderr).toBe(0);
      expect(parseJsonOutput<{ stopped: Array<{ pid: number }> }>(down).stopped.map((s) => s.pid).sort()).toEqual([...pids].sort());
      for (const pid of pids) {
        expect(isAlive(pid), `pid ${pid} survived down`).toBe(false);
        expect(processGroupMembers(pid), `process group ${pid} has members after down`).toEqual([]);
      }
      const after = parseJsonOutput<StatusJson>(await runCli(['status', '--json'], env));
      expect(after.running).toBe(false);
      expect(after.services.every((s) => s.health === 'stopped')).toBe(true);
    }, 300_000);
  }

  it('started fresh processes in the second round', () => {
    expect(seenPids.size).toBe(4);
  });
});
