import * as fs from 'node:fs';
import * as path from 'node:path';
import { LatenessModel, SimulatedArrival, dayOfArrivals, firehoseBuffers } from './arrivals';
import { deliverBuffers } from './deliveries';
import { ReferenceComparison, compareWithReference } from './reference-comparison';
import { TableHealth, measureTables, totalHealth } from './table-health';
import { loadConfig } from '../config/config';
import { EnvironmentName, QUERY_CATALOG, ResourceNames } from '../config/names';
import { TrinoEngine } from '../engines/trino';
import { formatBytes, formatCount, formatDuration } from '../format/numbers';
import { addDays } from '../kpis/day-window';
import { RawEvent } from '../kpis/reference';
import { EmulatorClients, emulatorClients } from '../local/bootstrap';
import { KpiRunResult, runKpisLocally } from '../local/kpi-runner';
import { runMaintenanceLocally } from '../local/maintenance-runner';
import { LocalPaths } from '../local/paths';
import { publishRunLocally } from '../local/publish-runner';
import { stackDown, stackUp } from '../local/stack';
import { MAINTENANCE_DEFAULTS, MaintenanceOptions } from '../maintenance/options';
import { systemClock } from '../timing/clock';
import { loadRunScope } from '../validation/run-scope';
import { runValidation } from '../validation/runner';
import { failingChecks, reportFails } from '../validation/validation-report';

export interface SimulationOptions {
  readonly paths: LocalPaths;
  /** Simulated days of events; the scheduled run executes on the morning after each. */
  readonly days: number;
  /** Events generated per day (duplicates and malformed records included). @default 400 */
  readonly eventsPerDay?: number;
  /** First event day, `YYYY-MM-DD`. @default 2026-01-05 */
  readonly startDay?: string;
  /** @default 7 */
  readonly seed?: number;
  /** @default 50 */
  readonly sensors?: number;
  /** Firehose's buffering interval, seconds. @default 900 (its largest) */
  readonly bufferSeconds?: number;
  /** The scheduled run's time of day, UTC `HH:MM`. @default 03:30 (the kpis workflow's schedule) */
  readonly runAt?: string;
  /** @default the arrival model's defaults */
  readonly lateness?: LatenessModel;
  /**
   * Table maintenance (`clickstream maintain`) runs after the scheduled run and its validation every
   * this many days, as of the run's time; 0 never runs it. @default 7 (weekly)
   */
  readonly maintainEvery?: number;
  /** Retention, compaction window and the rest of maintenance. @default the job's defaults */
  readonly maintenance?: Omit<MaintenanceOptions, 'asOf' | 'tables'>;
  /** Leave the simulation's stack running at the end. @default false */
  readonly keep?: boolean;
  /**
   * Simulate in this environment of the stack whose state folder `paths` names (started when it is
   * not running, and left running), instead of on a private stack of the local environment. The
   * environment's stream, buckets and database must be new: the final comparison counts everything
   * they hold. @default a private stack under `<state>/simulation`
   */
  readonly environment?: EnvironmentName;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** One scheduled run of the simulation. */
export interface SimulatedDay {
  /** When the run executed (simulated, UTC). */
  readonly runAt: string;
  /** Records delivered to bronze since the previous run, and how many of them were for earlier days. */
  readonly arrived: number;
  readonly arrivedLate: number;
  readonly objects: number;
  readonly recomputedDays: readonly string[];
  readonly bronzeObjects: number;
  readonly bronzeBytes: number;
  readonly kpiSeconds: number;
  readonly validation: { readonly passed: boolean; readonly checks: number; readonly failed: readonly string[]; readonly warnings: number };
  /** Maintenance that morning, when it ran: its duration and the tables whose maintenance failed. */
  readonly maintenance?: { readonly seconds: number; readonly failed: readonly string[] };
  /** Every table's snapshots and data files at the end of the morning (after maintenance). */
  readonly tables: Readonly<Record<string, TableHealth>>;
  /** Whether the run was published (its tables fast-forwarded to main); a failed one stays on its branch. */
  readonly published: boolean;
}

export interface SimulationReport {
  readonly options: {
    readonly days: number;
    readonly eventsPerDay: number;
    readonly startDay: string;
    readonly seed: number;
    readonly bufferSeconds: number;
    readonly runAt: string;
    readonly maintainEvery: number;
    /** Snapshots older than this many (simulated) days are expired by maintenance. */
    readonly retentionDays: number;
  };
  readonly days: readonly SimulatedDay[];
  /** Every KPI table compared with the reference over every record that landed before the last run. */
  readonly final: ReferenceComparison;

  readonly passed: boolean;
  readonly durationMs: number;
}

const DAY_MS = 86_400_000;

function check(options: SimulationOptions): Required<Omit<SimulationOptions, 'lateness' | 'log' | 'signal' | 'paths' | 'keep' | 'maintenance' | 'environment'>> {
  const resolved = {
    days: options.days,
    eventsPerDay: options.eventsPerDay ?? 400,
    startDay: options.startDay ?? '2026-01-05',
    seed: options.seed ?? 7,
    sensors: options.sensors ?? 50,
    bufferSeconds: options.bufferSeconds ?? 900,
    runAt: options.runAt ?? '03:30',
    maintainEvery: options.maintainEvery ?? 7,
  };
  const problems: string[] = [];
  if (!Number.isInteger(resolved.days) || resolved.days < 1 || resolved.days > 366) problems.push(`--days must be a whole number from 1 to 366, got ${resolved.days}`);
  if (!Number.isInteger(resolved.eventsPerDay) || resolved.eventsPerDay < 1) problems.push(`--events-per-day must be a whole number >= 1, got ${resolved.eventsPerDay}`);
  if (Number.isNaN(Date.parse(`${resolved.startDay}T00:00:00Z`)) || !/^\d{4}-\d{2}-\d{2}$/.test(resolved.startDay)) problems.push(`--start must be a UTC day as YYYY-MM-DD, got "${resolved.startDay}"`);
  if (!Number.isInteger(resolved.bufferSeconds) || resolved.bufferSeconds < 60 || resolved.bufferSeconds > 900) problems.push(`--buffer-seconds must be Firehose's range, 60 to 900, got ${resolved.bufferSeconds}`);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(resolved.runAt)) problems.push(`--run-at must be HH:MM (UTC), got "${resolved.runAt}"`);
  if (!Number.isInteger(resolved.maintainEvery) || resolved.maintainEvery < 0) problems.push(`--maintain-every must be a whole number of days (0: never), got ${resolved.maintainEvery}`);
  if (problems.length > 0) throw new Error(`Invalid simulation options:\n- ${problems.join('\n- ')}`);
  return resolved;
}

/**
 * Drives the embedded stack through `days` simulated days: each day's events arrive with realistic
 * delays through Kinesis and the landing (buffered and named as Firehose does, so buffers straddle
 * midnight), the scheduled incremental KPI run executes at `runAt` the next morning through the code
 * the workflow runs, then validation. At the end every table is compared with an independent
 * reference over everything that landed. Runs on its own stack (under `<state>/simulation`), so the
 * stack you work with is untouched, or in a new environment of a running stack (`environment`).
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const o = check(options);
  const log = options.log ?? (() => undefined);
  const started = systemClock();
  const shared = options.environment !== undefined;
  const state = shared ? options.paths.state : path.join(options.paths.state, 'simulation');
  const paths: LocalPaths = shared ? options.paths : { ...options.paths, state, stateFile: path.join(state, 'stack.json'), logs: path.join(state, 'logs') };
  // A private stack always uses the local environment's names, whatever CLICKSTREAM_ENV says.
  const names = loadConfig({ target: 'local', environment: options.environment ?? 'local' }).names;
  const maintenance = options.maintenance ?? {};
  const [hour, minute] = o.runAt.split(':').map(Number);
  const first = Date.parse(`${o.startDay}T00:00:00Z`);

  const arrivals: SimulatedArrival[] = [];
  for (let d = 0; d < o.days; d++) {
    const day = addDays(o.startDay, d);
    arrivals.push(...dayOfArrivals({ day, events: o.eventsPerDay, seed: o.seed * 1000 + d, sensors: o.sensors, lateness: options.lateness }));
  }
  const pending = firehoseBuffers(arrivals, o.bufferSeconds * 1000);
  const landedRows: RawEvent[] = [];
  const days: SimulatedDay[] = [];

  if (!shared) fs.rmSync(state, { recursive: true, force: true });
  const up = await stackUp({ paths, names, log: (line) => log(`stack: ${line}`), signal: options.signal });
  try {
    const stack: SimulationStack = {
      paths,
      names,
      awsEndpoint: up.endpoints.aws,
      clients: emulatorClients(up.endpoints.aws),
      engine: new TrinoEngine({ endpoint: up.endpoints.trino }),
      signal: options.signal,
    };
    for (let d = 1; d <= o.days; d++) {
      const runAt = first + d * DAY_MS + hour * 3_600_000 + minute * 60_000;
      const due = pending.filter((b) => b.deliveredAt <= runAt);
      pending.splice(0, due.length);
      const delivered = await deliverBuffers(stack, due, runAt - DAY_MS - hour * 3_600_000 - minute * 60_000);
      landedRows.push(...delivered.landedRows);
      const maintain = o.maintainEvery > 0 && d % o.maintainEvery === 0 ? maintenance : undefined;
      const day = await scheduledMorning(stack, { runAt, objects: due.length, ...delivered, maintain });
      days.push(day);
      log(describeDay(day));
    }
    const final = await compareWithReference(stack.engine, `${QUERY_CATALOG}.${names.glueDatabase}`, landedRows, options.signal);
    return {
      options: {
        days: o.days,
        eventsPerDay: o.eventsPerDay,
        startDay: o.startDay,
        seed: o.seed,
        bufferSeconds: o.bufferSeconds,
        runAt: o.runAt,
        maintainEvery: o.maintainEvery,
        retentionDays: maintenance.retentionDays ?? MAINTENANCE_DEFAULTS.retentionDays,
      },
      days,
      final,
      passed: days.every((d) => d.validation.passed && d.published && (d.maintenance?.failed.length ?? 0) === 0)
        && Object.values(final.tables).every((t) => t.equal),
      durationMs: systemClock() - started,
    };
  } finally {
    if (!options.keep && !shared) await stackDown({ paths, log: (line) => log(`stack: ${line}`) });
  }
}

/** The simulation's own embedded stack, as every morning uses it. */
interface SimulationStack {
  readonly paths: LocalPaths;
  readonly names: ResourceNames;
  readonly awsEndpoint: string;
  readonly clients: EmulatorClients;
  readonly engine: TrinoEngine;
  readonly signal?: AbortSignal;
}

/**
 * One morning as the workflows run it: the incremental KPI run, its validation, publication if it
 * passed (write-audit-publish: only a run that passed reaches main) and, when due, maintenance after
 * them (compaction commits to main), all as of the run's time.
 */
async function scheduledMorning(stack: SimulationStack, morning: {
  readonly runAt: number;
  readonly objects: number;
  readonly arrived: number;
  readonly arrivedLate: number;
  readonly maintain?: Omit<MaintenanceOptions, 'asOf' | 'tables'>;
}): Promise<SimulatedDay> {
  const { paths, names, awsEndpoint, engine, signal } = stack;
  const asOf = new Date(morning.runAt);
  const kpis: KpiRunResult = await runKpisLocally({ paths, awsEndpoint, names, run: { asOf }, signal });
  const run = await loadRunScope(engine, QUERY_CATALOG, names.glueDatabase, { runId: kpis.runId, signal });
  const report = await runValidation(engine, { run, database: names.glueDatabase, rawTable: names.rawTable, signal });
  const failed = failingChecks(report).map((c) => `${c.table} ${c.check}: ${c.observed}`);
  const published = failed.length === 0
    ? (await publishRunLocally({ paths, awsEndpoint, names, runId: kpis.runId, signal })).published.length > 0
    : false;
  const maintained = morning.maintain
    ? await runMaintenanceLocally({ paths, awsEndpoint, names, maintenance: { ...morning.maintain, asOf }, signal })
    : undefined;
  return {
    runAt: asOf.toISOString(),
    arrived: morning.arrived,
    arrivedLate: morning.arrivedLate,
    objects: morning.objects,
    recomputedDays: kpis.recomputedDays,
    bronzeObjects: kpis.bronzeObjects,
    bronzeBytes: kpis.bronzeBytes,
    kpiSeconds: kpis.seconds,
    validation: { passed: !reportFails(report), checks: report.summary.checks, failed, warnings: report.summary.failedWarnings },
    ...(maintained ? { maintenance: { seconds: maintained.seconds, failed: maintained.failed } } : {}),
    tables: await measureTables({ engine, glue: stack.clients.glue, s3: stack.clients.s3, database: names.glueDatabase, signal }),
    published,
  };
}

/** One line per simulated day, as the simulation prints it. */
export function describeDay(day: SimulatedDay): string {
  const recomputed = day.recomputedDays.length === 0 ? 'none' : `${day.recomputedDays.length} (${day.recomputedDays[0]}..${day.recomputedDays[day.recomputedDays.length - 1]})`;
  const verdict = day.validation.passed
    ? `passed ${day.validation.checks - day.validation.failed.length}/${day.validation.checks}${day.validation.warnings > 0 ? `, ${day.validation.warnings} warnings` : ''}`
    : `FAILED: ${day.validation.failed.slice(0, 3).join('; ')}`;
  const total = totalHealth(day.tables);
  const maintained = day.maintenance
    ? `  maintained in ${formatDuration(day.maintenance.seconds * 1000)}${day.maintenance.failed.length > 0 ? ` (FAILED: ${day.maintenance.failed.join(', ')})` : ''}`
    : '';
  return `${day.runAt.slice(0, 16).replace('T', ' ')}Z  arrived ${formatCount(day.arrived)} (${formatCount(day.arrivedLate)} for earlier days) in ${day.objects} objects` +
    `  recomputed ${recomputed}  read ${formatBytes(day.bronzeBytes)} in ${day.bronzeObjects} objects  kpis ${formatDuration(day.kpiSeconds * 1000)}  validation ${verdict}` +
    `  ${day.published ? 'published' : 'held back'}${maintained}  tables: ${formatCount(total.snapshots)} snapshots, ${formatCount(total.storedFiles)} data files stored`;
}
