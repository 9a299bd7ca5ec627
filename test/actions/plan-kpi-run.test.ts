import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fakeActionIo } from './action-io';
import { run } from '../../actions/plan-kpi-run/run';
import { AwsRequestRecorder, recorderEnv, startAwsRequestRecorder } from '../config/aws-request-recorder';

interface ActionYaml {
  outputs: Record<string, unknown>;
  runs: Record<string, string>;
}
const actionYaml = parse(fs.readFileSync(path.join(__dirname, '../../actions/plan-kpi-run/action.yml'), 'utf8')) as ActionYaml;

const fakeRunner = (inputs: Record<string, string>) => fakeActionIo('plan-kpi-run', inputs);

describe('plan-kpi-run', () => {
  let recorder: AwsRequestRecorder;
  const saved = { ...process.env };
  beforeAll(async () => {
    // Every AWS endpoint points at a recorder: planning must not call any.
    recorder = await startAwsRequestRecorder();
    Object.assign(process.env, recorderEnv(recorder));
  });
  afterAll(async () => {
    process.env = saved;
    expect(recorder.connections).toBe(0);
    await recorder.close();
  });

  it('declares node24 and the outputs the kpis workflow reads', () => {
    expect(actionYaml.runs).toEqual({ using: 'node24', main: 'dist/main.js' });
    expect(Object.keys(actionYaml.outputs)).toEqual(['environment', 'from-date', 'to-date', 'jobs', 'tables', 'compact-days']);
  });

  it('passes an explicit window and the tables of the chosen jobs', async () => {
    const { io, record } = fakeRunner({ 'environment': 'staging', 'from-date': '2026-11-01', 'to-date': '2026-11-03', 'jobs': 'event_geo' });
    await run(io, () => new Date('2026-11-27T09:15:00Z'));
    expect(record.failures).toEqual([]);
    expect(record.outputs).toEqual({
      'environment': 'staging',
      'from-date': '2026-11-01',
      'to-date': '2026-11-03',
      'jobs': 'event_geo',
      'tables': 'event_geo_kpis_events,event_geo_kpis_faulty_geo',
      // The maintenance after this backfill compacts from 2026-11-27 minus 27 days = 2026-10-31 on (a day to spare for a run past midnight).
      'compact-days': '27',
    });
    expect(record.summary).toContain('KPI run in staging: event_geo over 2026-11-01..2026-11-03.');
  });

  it('leaves the window empty for an incremental run, and says so', async () => {
    const { io, record } = fakeRunner({ environment: 'prod' });
    await run(io);
    expect(record.outputs).toMatchObject({ 'from-date': '', 'to-date': '', 'jobs': 'sensor_health,temp_humidity,event_geo', 'compact-days': '' });
    expect(record.summary).toContain('over incremental: the event days that received arrivals since the last successful run.');
  });

  it.each([
    ['a day that does not exist', { 'from-date': '2026-02-30', 'to-date': '2026-03-01' }, 'from-date must be a UTC day as YYYY-MM-DD, got "2026-02-30".'],
    ['free text', { 'from-date': 'yesterday', 'to-date': '2026-03-01' }, 'from-date must be a UTC day as YYYY-MM-DD, got "yesterday".'],
    ['from after to', { 'from-date': '2026-03-02', 'to-date': '2026-03-01' }, 'from-date (2026-03-02) is after to-date (2026-03-01); swap them or widen the window.'],
    ['one end only', { 'to-date': '2026-03-01' }, 'from-date and to-date go together: give both (UTC days, inclusive), or neither for an incremental run.'],
    ['an unknown job', { jobs: 'sensor_health,geo' }, 'Unknown KPI job(s): geo.'],
    ['an unknown environment', { environment: 'production' }, 'environment must be one of dev, staging, prod, got "production".'],
    ['generated events into prod', { environment: 'prod', replay: 'true' }, 'Refusing to replay generated events into prod'],
    ['a replay flag that is not a boolean', { replay: 'yes' }, 'replay must be "true" or "false", got "yes".'],
  ])('refuses %s, saying what to fix, with no outputs', async (_what, inputs, message) => {
    const { io, record } = fakeRunner({ environment: 'staging', ...inputs });
    await run(io);
    expect(record.failures).toHaveLength(1);
    expect(record.failures[0]).toContain(message);
    expect(record.outputs).toEqual({});
  });

  it('names every problem at once', async () => {
    const { io, record } = fakeRunner({ 'environment': 'qa', 'from-date': '2026-1-1', 'to-date': '2026-13-01' });
    await run(io);
    expect(record.failures[0].split('\n')).toEqual([
      'The KPI run cannot start:',
      '- environment must be one of dev, staging, prod, got "qa".',
      '- from-date must be a UTC day as YYYY-MM-DD, got "2026-1-1".',
      '- to-date must be a UTC day as YYYY-MM-DD, got "2026-13-01".',
    ]);
  });

  it('replays into prod with the override, the window then being the replayed days', async () => {
    const { io, record } = fakeRunner({ 'environment': 'prod', 'replay': 'true', 'allow-prod-replay': 'true' });
    await run(io);
    expect(record.failures).toEqual([]);
    expect(record.summary).toContain('over the days the replay delivers, after replaying generated events.');
  });
});
