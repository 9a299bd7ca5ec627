import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLUE_DATABASE } from '../../src/config/names';
import { stackJvmOptions } from '../../src/local/jvm-options';
import { isAlive, processGroupMembers } from '../../src/local/processes';
import { CliResult, parseJsonOutput, runCli } from '../support/cli';

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

afterAll(async () => {
  await runCli(['down'], env);
});

/** What one round of up, status, up again, down and status showed. */
interface Round {
  up: CliResult;
  status: StatusJson;
  pids: number[];
  /** Whether each endpoint answered as a client uses it, while the stack ran. */
  answered: { trino: boolean; aws: boolean };
  /** Per service, the options of the Java processes in its process group. */
  javaOptions: Record<string, string[][]>;
  again: UpJson;
  down: CliResult;
  /** Pids still alive, and process groups with members, right after down. */
  survivors: string[];
  after: StatusJson;
}

async function round(): Promise<Round> {
  const up = await runCli(['up', '--json'], env);
  const started = parseJsonOutput<UpJson>(up);
  const status = parseJsonOutput<StatusJson>(await runCli(['status', '--json'], env));
  const pids = status.services.map((s) => s.pid!);
  const answered = {
    trino: (await fetch(`${started.endpoints.trino}/v1/info`)).ok,
    aws: (await fetch(`${started.endpoints.aws}/moto-api/config`)).ok,
  };
  const javaOptions = Object.fromEntries(status.services.map((service) => [service.name, processGroupMembers(service.pid!)
    .map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))
    .filter((argv) => path.basename(argv[0]) === 'java')
    .map((argv) => argv.filter((arg) => arg.startsWith('-XX:')))]));
  const again = parseJsonOutput<UpJson>(await runCli(['up', '--json'], env));
  const down = await runCli(['down', '--json'], env);
  const survivors = pids.flatMap((pid) => [
    ...(isAlive(pid) ? [`pid ${pid} is alive`] : []),
    ...(processGroupMembers(pid).length > 0 ? [`process group ${pid} has members ${processGroupMembers(pid).join(', ')}`] : []),
  ]);
  const after = parseJsonOutput<StatusJson>(await runCli(['status', '--json'], env));
  return { up, status, pids, answered, javaOptions, again, down, survivors, after };
}

describe('clickstream up / status / down, twice', () => {
  // Two rounds, one after the other (each starts Trino, 20-60 s); the cases look at what they showed.
  const rounds: Round[] = [];
  beforeAll(async () => {
    rounds.push(await round());
    rounds.push(await round());
  }, 600_000);

  for (const index of [0, 1]) {
    describe(`round ${index + 1}`, () => {
      it('starts the emulator, the warm Spark and Trino, bootstraps the resources and reports them healthy, answering on their endpoints', () => {
        const { up, status, answered } = rounds[index];
        expect(up.code, up.stderr).toBe(0);
        const started = parseJsonOutput<UpJson>(up);
        expect(started.reused).toBe(false);
        expect(started.startedServices).toEqual(['emulator', 'spark', 'trino']);
        expect(started.endpoints.aws).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(started.endpoints.trino).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(started.bootstrap.created).toContain(`glue database ${GLUE_DATABASE}`);
        expect(status.running).toBe(true);
        expect(status.services.map((s) => [s.name, s.health])).toEqual([['emulator', 'healthy'], ['spark', 'healthy'], ['trino', 'healthy']]);
        expect(answered).toEqual({ trino: true, aws: true });
      });

      it('runs the warm Spark and Trino, one JVM each, compiling for a lasting stack (C2 too, unlike a run\'s own stack)', () => {
        const { javaOptions } = rounds[index];
        for (const service of ['spark', 'trino']) {
          expect(javaOptions[service], service).toHaveLength(1);
          for (const option of stackJvmOptions('one-run')) expect(javaOptions[service][0], service).not.toContain(option);
        }
      });

      it('reuses the running stack on a second up', () => {
        const { up, again } = rounds[index];
        expect(again.reused).toBe(true);
        expect(again.endpoints).toEqual(parseJsonOutput<UpJson>(up).endpoints);
        expect(again.bootstrap.created).toEqual([]);
      });

      it('stops every process of the three services on down', () => {
        const { down, pids, survivors, after } = rounds[index];
        expect(down.code, down.stderr).toBe(0);
        expect(parseJsonOutput<{ stopped: Array<{ pid: number }> }>(down).stopped.map((s) => s.pid).sort()).toEqual([...pids].sort());
        expect(survivors).toEqual([]);
        expect(after.running).toBe(false);
        expect(after.services.every((s) => s.health === 'stopped')).toBe(true);
      });
    });
  }

  it('starts fresh processes in the second round', () => {
    expect(new Set(rounds.flatMap((r) => r.pids)).size).toBe(6);
  });
});
