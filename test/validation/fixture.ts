import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../src/config/config';
import { QueryEngine, sqlDate } from '../../src/engines/query-engine';
import { sqlLiteral } from '../../src/engines/sql-literals';
import { FAULTY_STATUS, VALID_RANGES } from '../../src/events/schema';
import { CHECKED_TABLES, CheckedTableName } from '../../src/kpis/catalog';
import { emulatorClients } from '../../src/local/bootstrap';
import { KpiExpectations } from '../../src/validation/expectations';

/** A flattened bronze event; `null` fields make invalid rows. */
export interface FixtureEvent {
  readonly sensor_id: number;
  readonly temperature: number;
  readonly humidity: number;
  readonly location: { readonly latitude: number; readonly longitude: number } | null;
  readonly status: string;
  readonly event_type: string;
  readonly timestamp: number;
  readonly uuid: string;
}

export const FIXTURE_DAYS = ['2026-11-01', '2026-11-02', '2026-11-03'];
const SENSORS = [
  { id: 1, latitude: 52.52, longitude: 13.405 },
  { id: 2, latitude: 48.8566, longitude: 2.3522 },
  { id: 3, latitude: 52.52, longitude: 13.405 },
  { id: 4, latitude: 40.4168, longitude: -3.7038 },
];

/** Three days of four sensors, plus the rows the KPIs must ignore: invalid ones and a re-delivery. */
export function fixtureEvents(): FixtureEvent[] {
  const events: FixtureEvent[] = [];
  FIXTURE_DAYS.forEach((day, d) => {
    const midnight = Date.parse(`${day}T00:00:00Z`) / 1000;
    for (const sensor of SENSORS) {
      [1, 9, 17].forEach((hour, h) => {
        const faulty = sensor.id === 2 && (h + d) % 2 === 0;
        const status = faulty ? FAULTY_STATUS : sensor.id === 4 && d === 2 && h === 2 ? 'inactive' : 'active';
        events.push({
          sensor_id: sensor.id,
          temperature: 10 + sensor.id * 2.5 + hour / 4 + d,
          humidity: 35 + sensor.id * 3 + h * 7.25,
          location: { latitude: sensor.latitude, longitude: sensor.longitude },
          status,
          event_type: faulty ? 'alert' : 'sensor_reading',
          timestamp: midnight + hour * 3600 + sensor.id * 60,
          uuid: `${day}-s${sensor.id}-h${hour}`,
        });
      });
    }
  });
  const redelivered = events[5];
  const base = events[0];
  return [
    ...events,
    redelivered,
    { ...base, uuid: 'bad-humidity', humidity: 150 },
    { ...base, uuid: 'bad-location', location: null },
    { ...base, uuid: '' },
  ];
}

const isValid = (e: FixtureEvent) => e.location !== null && e.uuid.length > 0 && e.timestamp >= 0
  && e.humidity >= VALID_RANGES.humidity.min && e.humidity <= VALID_RANGES.humidity.max
  && e.temperature >= VALID_RANGES.temperature.min && e.temperature <= VALID_RANGES.temperature.max;

type KpiRow = Record<string, string | number>;
const dayOf = (e: FixtureEvent) => new Date(e.timestamp * 1000).toISOString().slice(0, 10);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** The KPI tables and their partials the fixture's events must give, computed independently of the SQL under test. */
export function expectedKpiRows(events: readonly FixtureEvent[]): Record<CheckedTableName, KpiRow[]> {
  const seen = new Set<string>();
  const valid = events.filter(isValid).filter((e) => !seen.has(e.uuid) && seen.add(e.uuid));
  const faultyCount = (es: FixtureEvent[]) => es.filter((e) => e.status === FAULTY_STATUS).length;
  const stats = (values: number[]) => ({
    avg: values.reduce((a, b) => a + b, 0) / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
  });
  const latestStatus = [...groupBy(valid, (e) => String(e.sensor_id)).values()]
    .map((es) => [...es].sort((a, b) => b.timestamp - a.timestamp || (b.uuid < a.uuid ? -1 : 1))[0].status);
  return {
    sensor_health: [...groupBy(valid, (e) => String(e.sensor_id)).values()].map((es) => ({
      sensor_id: es[0].sensor_id,
      faulty_count: faultyCount(es),
      total_count: es.length,
      faulty_pct: Math.round((10000 * faultyCount(es)) / es.length) / 100,
    })),
    status_health: [...groupBy(valid, (e) => e.status).entries()].map(([status, es]) => ({
      status, sensor_count: latestStatus.filter((s) => s === status).length, event_count: es.length,
    })),
    temp_humidity_kpis: [...groupBy(valid, (e) => `${dayOf(e)}|${e.location!.latitude}|${e.location!.longitude}`).values()].map((es) => {
      const t = stats(es.map((e) => e.temperature));
      const h = stats(es.map((e) => e.humidity));
      return {
        day: dayOf(es[0]),
        latitude: es[0].location!.latitude,
        longitude: es[0].location!.longitude,
        avg_temp: t.avg,
        min_temp: t.min,
        max_temp: t.max,
        avg_humidity: h.avg,
        min_humidity: h.min,
        max_humidity: h.max,
      };
    }),
    event_geo_kpis_events: [...groupBy(valid, (e) => `${dayOf(e)}|${e.event_type}`).values()]
      .map((es) => ({ day: dayOf(es[0]), event_type: es[0].event_type, event_count: es.length })),
    event_geo_kpis_faulty_geo: [...groupBy(valid.filter((e) => e.status === FAULTY_STATUS), (e) => `${e.location!.latitude}|${e.location!.longitude}`)
      .values()]
      .map((es) => ({ latitude: es[0].location!.latitude, longitude: es[0].location!.longitude, faulty_count: es.length })),
    _sensor_health_day_stats: [...groupBy(valid, (e) => `${dayOf(e)}|${e.sensor_id}`).values()].map((es) => {
      const latest = [...es].sort((a, b) => b.timestamp - a.timestamp || (b.uuid < a.uuid ? -1 : 1))[0];
      return {
        day: dayOf(es[0]),
        sensor_id: es[0].sensor_id,
        faulty_count: faultyCount(es),
        total_count: es.length,
        latest_timestamp: latest.timestamp,
        latest_uuid: latest.uuid,
        latest_status: latest.status,
      };
    }),
    _status_health_day_stats: [...groupBy(valid, (e) => `${dayOf(e)}|${e.status}`).values()]
      .map((es) => ({ day: dayOf(es[0]), status: es[0].status, event_count: es.length })),
    _event_geo_kpis_faulty_geo_day_stats: [...groupBy(valid.filter((e) => e.status === FAULTY_STATUS), (e) => `${dayOf(e)}|${e.location!.latitude}|${e.location!.longitude}`).values()]
      .map((es) => ({ day: dayOf(es[0]), latitude: es[0].location!.latitude, longitude: es[0].location!.longitude, faulty_count: es.length })),
  };
}

/** What a replay manifest of these events says, in the expectations format. */
export function fixtureExpectations(events: readonly FixtureEvent[]): KpiExpectations {
  const rows = expectedKpiRows(events);
  const days: Record<string, { distinctEvents: number; distinctByEventType: Record<string, number> }> = {};
  for (const row of rows.event_geo_kpis_events) {
    const day = (days[row.day] ??= { distinctEvents: 0, distinctByEventType: {} });
    day.distinctEvents += Number(row.event_count);
    day.distinctByEventType[row.event_type] = Number(row.event_count);
  }
  return { days, latestDay: FIXTURE_DAYS[FIXTURE_DAYS.length - 1], tables: { sensor_health: rows.sensor_health, status_health: rows.status_health } };
}

/** Writes the events as Parquet into the emulator's bronze bucket, one object per event day, as the landing does. */
export async function writeBronze(awsEndpoint: string, events: readonly FixtureEvent[]): Promise<void> {
  const names = loadConfig({ target: 'local' }).names;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-bronze-'));
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const s3 = emulatorClients(awsEndpoint).s3;
  try {
    await connection.run(`CREATE TABLE flat (sensor_id INTEGER, temperature DOUBLE, humidity DOUBLE, latitude DOUBLE, longitude DOUBLE,
      has_location BOOLEAN, status VARCHAR, event_type VARCHAR, "timestamp" BIGINT, uuid VARCHAR)`);
    for (const e of events) {
      await connection.run('INSERT INTO flat VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
        e.sensor_id, e.temperature, e.humidity, e.location?.latitude ?? 0, e.location?.longitude ?? 0,
        e.location !== null, e.status, e.event_type, BigInt(e.timestamp), e.uuid,
      ]);
    }
    for (const [day] of groupBy(events, dayOf)) {
      const file = path.join(dir, `${day}.parquet`);
      const midnight = Date.parse(`${day}T00:00:00Z`) / 1000;
      await connection.run(`COPY (
        SELECT sensor_id, temperature, humidity,
          CASE WHEN has_location THEN {'latitude': latitude, 'longitude': longitude} END AS location,
          status, event_type, "timestamp", uuid
        FROM flat WHERE "timestamp" >= ${midnight} AND "timestamp" < ${midnight + 86_400}
      ) TO '${file}' (FORMAT parquet)`);
      const [y, m, d] = day.split('-');
      await s3.send(new PutObjectCommand({
        Bucket: names.bronzeBucket,
        Key: `events/year=${y}/month=${m}/day=${d}/hour=00/fixture-${day}.parquet`,
        Body: fs.readFileSync(file),
      }));
    }
  } finally {
    connection.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const SQL_TYPES = { int: 'integer', bigint: 'bigint', double: 'double', string: 'varchar', date: 'date' } as const;

/** Creates the KPI tables and their partials as Iceberg tables in the Glue catalog and fills them with `rows`. */
export async function createKpiTables(engine: QueryEngine, rows: Record<CheckedTableName, KpiRow[]>): Promise<void> {
  // The environment's database and warehouse (CLICKSTREAM_ENV, as the commands under test read it).
  const { warehouseUri: warehouse, glueDatabase: database } = loadConfig({ target: 'local' }).names;
  for (const table of Object.values(CHECKED_TABLES)) {
    const columns = table.columns.map((c) => `${c.name} ${SQL_TYPES[c.type]}`).join(', ');
    await engine.query(`DROP TABLE IF EXISTS awsdatacatalog.${database}.${table.name}`);
    await engine.query(`CREATE TABLE awsdatacatalog.${database}.${table.name} (${columns}) WITH (location = '${warehouse}/${database}/${table.name}')`);
    await insertRows(engine, table.name, rows[table.name]);
  }
}

/** Inserts rows, every value a checked literal (a VALUES list takes no parameter on Athena). */
export async function insertRows(engine: QueryEngine, table: CheckedTableName, rows: readonly KpiRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = CHECKED_TABLES[table].columns;
  const values = rows.map((row) => `(${columns.map((c) => sqlLiteral(c.type === 'date' ? sqlDate(String(row[c.name])) : row[c.name])).join(', ')})`).join(', ');
  await engine.query(`INSERT INTO awsdatacatalog.${loadConfig({ target: 'local' }).names.glueDatabase}.${table} VALUES ${values}`);
}
