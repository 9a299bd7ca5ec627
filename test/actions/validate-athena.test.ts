import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fakeActionIo } from './action-io';
import { parseInputs, targetConfig } from '../../actions/validate-athena/inputs';
import { run } from '../../actions/validate-athena/run';
import { resourceNames } from '../../src/config/names';
import { REPORT_MARKER } from '../../src/validation/markdown';
import { ValidationReport } from '../../src/validation/validation-report';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';
import { createKpiTables, expectedKpiRows, fixtureEvents, writeBronze } from '../validation/fixture';

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
  runs: Record<string, string>;
}
const actionYaml = parse(fs.readFileSync(path.join(__dirname, '../../actions/validate-athena/action.yml'), 'utf8')) as ActionYaml;

interface Comment { id: number; body: string; user: { login: string } }

/** The GitHub REST endpoints the action uses, over real HTTP, with the requests it received. */
async function startFakeGitHub() {
  const comments: Comment[] = [{ id: 1, body: 'Looks good to me', user: { login: 'reviewer' } }];
  const requests: string[] = [];
  let nextId = 100;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url!.split('?')[0]}`);
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const update = /^\/repos\/acme\/clickstream\/issues\/comments\/(\d+)$/.exec(req.url!);
      if (req.method === 'GET' && req.url!.startsWith('/repos/acme/clickstream/issues/7/comments')) return reply(200, comments);
      if (req.method === 'POST' && req.url === '/repos/acme/clickstream/issues/7/comments') {
        const comment = { id: nextId++, body: (JSON.parse(body) as { body: string }).body, user: { login: 'github-actions[bot]' } };
        comments.push(comment);
        return reply(201, comment);
      }
      const existing = update && comments.find((c) => c.id === Number(update[1]));
      if (req.method === 'PATCH' && existing) {
        existing.body = (JSON.parse(body) as { body: string }).body;
        return reply(200, existing);
      }
      return reply(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    comments,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-validate-action-test-'));
/** The test's own environment on the suite's stack: the fixture's bronze and KPI tables are written there. */
let stack: TestEnvironment;
let trinoEndpoint: string;
let github: Awaited<ReturnType<typeof startFakeGitHub>>;
/** The variables every step sees: the process's, with the test environment's. */
const baseEnv = { ...process.env };

beforeAll(async () => {
  stack = await testEnvironment('validate-action');
  trinoEndpoint = stack.trinoEndpoint;
  const events = fixtureEvents();
  // The fixture's library calls (loadConfig) name the test's environment, as the action's steps do.
  Object.assign(baseEnv, stack.cliEnv);
  Object.assign(process.env, stack.cliEnv);
  await writeBronze(stack.aws, events);
  await createKpiTables(stack.trino, expectedKpiRows(events));
  github = await startFakeGitHub();
});

afterAll(async () => {
  await github?.close();
  endTestEnvironment(stack);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** One step of a pull request's workflow: the runner as the action sees it, and the variables of a pull_request event. */
async function runStep(inputs: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(stateDir, 'step-'));
  const event = path.join(dir, 'event.json');
  fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }));
  const { io, record } = fakeActionIo('validate-athena', inputs);
  await run(io, {
    env: {
      ...baseEnv,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/clickstream',
      GITHUB_API_URL: github.url,
      RUNNER_TEMP: dir,
    },
  });
  return record;
}

const local = { 'target': 'local', 'trino-endpoint': '' };

describe('validate-athena action.yml', () => {
  it('runs its bundle on node24 and declares the inputs and outputs', () => {
    expect(actionYaml.runs).toEqual({ using: 'node24', main: 'dist/main.js' });
    expect(Object.keys(actionYaml.inputs).sort()).toEqual([
      'database', 'environment', 'fail-on-warn', 'from-date', 'github-token', 'manifest', 'output-location', 'region', 'run-id', 'tables', 'target',
      'to-date', 'trino-endpoint', 'workgroup',
    ]);
    expect(Object.keys(actionYaml.outputs).sort()).toEqual(['failed-count', 'passed', 'report-path']);
  });
});

describe('validate-athena environment', () => {
  const inputs = (values: Record<string, string>) => parseInputs((name) => values[name] ?? '');

  it("checks the environment's own database in its workgroup", () => {
    const { config, database } = targetConfig(inputs({ target: 'aws', environment: 'staging', region: 'eu-west-1' }), {});
    expect(database).toBe('analytics_staging');
    expect(config.names.athenaWorkgroup).toBe('clickstream-staging-kpis');
    expect(targetConfig(inputs({ target: 'aws', environment: 'prod' }), {}).database).toBe('analytics');
    expect(targetConfig(inputs({ target: 'local' }), {}).database).toBe(resourceNames('local').glueDatabase);
  });

  it('lets an explicit database win and names an unknown environment', () => {
    expect(targetConfig(inputs({ target: 'aws', environment: 'staging', database: 'scratch' }), {}).database).toBe('scratch');
    expect(() => inputs({ environment: 'qa' })).toThrow('environment: must be local, dev, staging, prod or a pull request\'s preview pr-<number> (e.g. pr-42), got "qa".');
  });
});

describe('validate-athena against the local target', () => {
  it('fails on invalid inputs before any query, naming each input', async () => {
    const { failures } = await runStep({ 'target': 'athena', 'from-date': '2026-11-01', 'tables': 'sensor_health,sensors' });

    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^Invalid inputs:/);
    expect(failures[0]).toContain('target: must be one of local, aws, got "athena".');
    expect(failures[0]).toContain('from-date/to-date: --from-date and --to-date go together');
    expect(failures[0]).toContain('tables: Unknown KPI table(s): sensors.');
    expect(github.requests).toEqual([]);
  });

  it('reports to the job summary and keeps one PR comment: created on the first run, updated on the next', async () => {
    const first = await runStep({ ...local, 'trino-endpoint': trinoEndpoint });

    expect(first.failures).toEqual([]);
    const outputs = first.outputs;
    expect(outputs).toMatchObject({ 'passed': 'true', 'failed-count': '0' });
    const report = JSON.parse(fs.readFileSync(outputs['report-path'], 'utf8')) as ValidationReport;
    expect(report.summary).toEqual({ checks: 82, passed: 82, failedErrors: 0, failedWarnings: 0 });
    expect(first.summary).toContain(`:white_check_mark: **all checks passed**: 82/82 checks passed on trino, database \`${stack.names.glueDatabase}\`, 2026-11-01..2026-11-03.`);
    expect(first.summary).toContain('| pass | event_geo_kpis_events | matches-bronze | 6 rows compared, all equal; event_count total 36 vs bronze 36 |');
    expect(github.requests).toEqual(['GET /repos/acme/clickstream/issues/7/comments', 'POST /repos/acme/clickstream/issues/7/comments']);
    expect(github.comments).toHaveLength(2);

    await stack.trino.query('UPDATE sensor_health SET faulty_pct = 140 WHERE sensor_id = 2');
    const second = await runStep({ ...local, 'trino-endpoint': trinoEndpoint, 'tables': 'sensor_health' });

    expect(second.failures).toHaveLength(1);
    expect(second.outputs).toMatchObject({ 'passed': 'false', 'failed-count': '2' });
    expect(second.summary).toContain('| FAIL | sensor_health | faulty-pct-range | 1 row breaking it (min 0, max 140) | 0 <= faulty_pct <= 100 | error |');
    expect(github.requests.slice(2)).toEqual(['GET /repos/acme/clickstream/issues/7/comments', 'PATCH /repos/acme/clickstream/issues/comments/100']);
    expect(github.comments.map((c) => c.id)).toEqual([1, 100]);
    expect(github.comments[1].body).toContain(REPORT_MARKER);
    expect(github.comments[1].body).toContain(':x: **2 errors**');
  }, 240_000);
});
