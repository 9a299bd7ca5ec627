import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { dayWindow, windowFromOptions, windowScope, utcDay } from '../../src/kpis/day-window';
import { brokenRule, faultyPct, isValidEvent, referenceKpis, rejectedEvents } from '../../src/kpis/reference';
import { plannedSubmits, runKpisLocally } from '../../src/local/kpi-runner';
import { localPaths } from '../../src/local/paths';
import { SparkSubmitCommand } from '../../src/local/spark-submit';

const names = loadConfig({ target: 'local' }).names;
const locations = { bronzePath: names.bronzeUri, database: names.glueDatabase, warehouse: names.warehouseUri };
const scope = windowScope(dayWindow('2026-03-01', '2026-03-02'));

describe('the local KPI runner', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const tempPaths = () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-runner-'));
    dirs.push(state);
    return { ...localPaths(), state, logs: path.join(state, 'logs') };
  };

  it('plans one all_kpis.py submit or the seed\'s scripts, with the shared argument builders', () => {
    expect(plannedSubmits('single-app', ['sensor_health', 'event_geo'], locations, scope)).toEqual([{
      script: 'all_kpis.py',
      args: [names.bronzeUri, names.glueDatabase, 'sensor_health,event_geo', names.warehouseUri, '--from-date', '2026-03-01', '--to-date', '2026-03-02'],
    }]);
    expect(plannedSubmits('per-job', ['temp_humidity', 'event_geo'], locations)).toEqual([
      { script: 'kpi_temp_humidity.py', args: [names.bronzeUri, names.glueDatabase, 'temp_humidity_kpis', names.warehouseUri] },
      { script: 'kpi_event_geo.py', args: [names.bronzeUri, names.glueDatabase, 'event_geo_kpis', names.warehouseUri] },
    ]);
  });

  it('submits with the emulator catalog conf and the packaged module, reporting progress', async () => {
    const seen: SparkSubmitCommand[] = [];
    const lines: string[] = [];
    const result = await runKpisLocally({
      paths: tempPaths(),
      awsEndpoint: 'http://127.0.0.1:1',
      names,
      scope,
      java17Home: '/jdk17',
      log: (l) => lines.push(l),
      submit: async (command, _logFile, onJobLine) => {
        seen.push(command);
        onJobLine('done in 1.0 s');
        return 0;
      },
    });
    expect(result.submits.map((s) => s.script)).toEqual(['all_kpis.py']);
    const args = seen[0].args.join(' ');
    expect(args).toContain('spark.sql.catalog.glue.glue.endpoint=http://127.0.0.1:1');
    expect(args).toMatch(/--py-files \S+clickstream_jobs\.zip/);
    expect(seen[0].env.JAVA_HOME).toBe('/jdk17');
    expect(lines).toContain('kpis: all_kpis.py: done in 1.0 s');
  });

  it('fails with the Spark log\'s path and its last lines', async () => {
    const paths = tempPaths();
    const run = runKpisLocally({
      paths,
      awsEndpoint: 'http://127.0.0.1:1',
      names,
      mode: 'per-job',
      jobs: ['temp_humidity'],
      java17Home: '/jdk17',
      submit: async (_command, logFile) => {
        fs.appendFileSync(logFile, 'Traceback: boom\n');
        return 1;
      },
    });
    await expect(run).rejects.toThrow(/KPI job kpi_temp_humidity\.py failed \(exit 1\)\. Spark log: \S+kpis-\S+\.log[\s\S]*Traceback: boom/);
  });

  it('is never given a bad window: a window is refused where it is made', () => {
    expect(() => dayWindow('2026-03-02', '2026-03-01')).toThrow('is after --to-date');
    expect(() => windowFromOptions('2026-03-01', undefined, 'recompute everything')).toThrow('go together');
    expect(windowFromOptions(undefined, undefined, 'recompute everything')).toBeUndefined();
  });
});

describe('the reference computation', () => {
  it('rounds faulty_pct half up on the exact ratio', () => {
    expect([faultyPct(1, 8), faultyPct(2, 3), faultyPct(1, 3), faultyPct(1, 32), faultyPct(0, 5)]).toEqual([12.5, 66.67, 33.33, 3.13, 0]);
  });

  it('uses the UTC day and the same validity rules as the jobs', () => {
    expect(utcDay(1_772_323_199)).toBe('2026-02-28');
    expect(utcDay(1_772_323_200)).toBe('2026-03-01');
    const valid = { sensor_id: 1, temperature: -60, humidity: 100, location: { latitude: -90, longitude: 180 }, status: 'ok', event_type: 'r', timestamp: 0, uuid: 'u' };
    expect(isValidEvent(valid)).toBe(true);
    const cases: Array<[object, string]> = [
      [{ sensor_id: null }, 'sensor_id-missing'],
      [{ temperature: 85.01 }, 'temperature-out-of-range'],
      [{ humidity: Number.NaN }, 'humidity-out-of-range'],
      [{ location: null }, 'location-missing'],
      [{ location: { longitude: 1 } }, 'latitude-missing'],
      [{ status: '' }, 'status-empty'],
      [{ timestamp: -1 }, 'timestamp-out-of-range'],
      [{ timestamp: 253_402_300_800 }, 'timestamp-out-of-range'],
      [{ sensor_id: 0, temperature: 99 }, 'sensor_id-out-of-range'],
    ];
    for (const [bad, rule] of cases) {
      expect(isValidEvent({ ...valid, ...bad }), JSON.stringify(bad)).toBe(false);
      expect(brokenRule({ ...valid, ...bad }), JSON.stringify(bad)).toBe(rule);
    }
    expect(rejectedEvents([valid, { ...valid, uuid: '' }])).toEqual([{ event: { ...valid, uuid: '' }, rule: 'uuid-empty' }]);
  });

  it('counts each sensor once under its latest status and drops duplicates', () => {
    const e = (uuid: string, sensor: number, ts: number, status: string) =>
      ({ sensor_id: sensor, temperature: 1, humidity: 1, location: { latitude: 1, longitude: 2 }, status, event_type: 'r', timestamp: ts, uuid });
    const kpis = referenceKpis([e('a', 1, 10, 'faulty'), e('a', 1, 10, 'faulty'), e('b', 1, 20, 'ok'), e('c', 2, 5, 'faulty'), e('d', 3, 9, 'inactive'), e('f', 3, 11, 'active')]);
    expect(kpis.status_health).toEqual([
      { status: 'active', sensor_count: 1, event_count: 1 },
      { status: 'faulty', sensor_count: 1, event_count: 2 },
      { status: 'inactive', sensor_count: 0, event_count: 1 },
      { status: 'ok', sensor_count: 1, event_count: 1 },
    ]);
    expect(kpis.sensor_health).toEqual([
      { sensor_id: 1, faulty_count: 1, total_count: 2, faulty_pct: 50 },
      { sensor_id: 2, faulty_count: 1, total_count: 1, faulty_pct: 100 },
      { sensor_id: 3, faulty_count: 0, total_count: 2, faulty_pct: 0 },
    ]);
    expect(kpis.event_geo_kpis_faulty_geo).toEqual([{ latitude: 1, longitude: 2, faulty_count: 2 }]);
  });
});
