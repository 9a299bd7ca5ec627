import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMaintenanceLocally } from '../../src/local/maintenance-runner';
import { localPaths } from '../../src/local/paths';
import { describeMaintenance, maintenanceResult, parseMaintenanceLine } from '../../src/maintenance/maintenance-report';
import { MAINTAINED_TABLES, MAINTENANCE_DEFAULTS, MAINTENANCE_SCRIPT, buildMaintenanceArguments, compactDaysReaching } from '../../src/maintenance/options';
import { runCli } from '../support/cli';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-maintenance-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Lines as the job prints them (spark/clickstream_jobs/maintenance.py), from a local run. */
const PLAN = '[maintain] plan {"database": "analytics", "asOf": "2026-02-21T03:30:00Z", "now": "2026-11-27T12:12:21Z", "retentionDays": 7, "retainLast": 1, ' +
  '"expireBefore": "2026-11-27T12:12:11Z", "expiry": "committed before 2026-11-27T12:12:11Z, when the last run as of 2026-02-14T03:30:00Z or earlier finished", ' +
  '"compactSince": "2026-02-09", "orphansBefore": "2026-11-24T12:12:21Z", "tables": ["sensor_health", "_kpi_runs", "rejected_events"]}';
const RUNS = '[maintain] table {"table": "_kpi_runs", "status": "maintained", "snapshots": {"before": 3, "after": 3}, "dataFiles": {"before": 6, "after": 1}, ' +
  '"dataBytes": {"before": 37388, "after": 6744}, "referencedFiles": {"before": 6, "after": 7}, "referencedBytes": {"before": 37388, "after": 44132}, ' +
  '"compaction": {"where": null, "rewrittenFiles": 6, "addedFiles": 1, "rewrittenBytes": 37388}, "manifests": {"rewritten": 4, "added": 1}, ' +
  '"expiry": {"deletedDataFiles": 0, "deletedManifestFiles": 0, "deletedManifestLists": 2}, "orphanFiles": 0, "droppedBranches": ["audit_run_5"], ' +
  '"branches": [{"name": "audit_run_7", "type": "BRANCH", "snapshotId": "5230581761046183563", "maxRefAgeMs": null}], "seconds": 5.9}';
const FAILED = '[maintain] table {"table": "rejected_events", "status": "failed", "error": "org.apache.iceberg.exceptions.CommitFailedException: Cannot commit: the table changed"}';
const DONE = '[maintain] done {"tables": 3, "failed": ["rejected_events"], "seconds": 74.7}';

describe('the maintenance job\'s arguments', () => {
  it('agree with the job\'s own table list and defaults', () => {
    const paths = localPaths();
    const script = [
      'import json, sys',
      'sys.path.insert(0, sys.argv[1])',
      'from clickstream_jobs import maintenance_plan as m',
      'print(json.dumps({"tables": m.MAINTAINED_TABLES, "retentionDays": m.DEFAULT_RETENTION_DAYS, "retainLast": m.DEFAULT_RETAIN_LAST,',
      '  "compactDays": m.DEFAULT_COMPACT_DAYS, "orphanDays": m.DEFAULT_ORPHAN_DAYS}))',
    ].join('\n');
    const result = spawnSync(paths.python, ['-c', script, paths.spark], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const { tables, ...defaults } = JSON.parse(result.stdout) as { tables: string[] } & Record<string, number>;
    expect([...tables].sort()).toEqual([...MAINTAINED_TABLES].sort());
    expect(defaults).toEqual(MAINTENANCE_DEFAULTS);
    expect(fs.existsSync(path.join(paths.spark, MAINTENANCE_SCRIPT))).toBe(true);
  });

  it('are explicit, with the pipeline\'s time and the tables when given', () => {
    expect(buildMaintenanceArguments('analytics')).toEqual(['analytics', '--retention-days', '7', '--retain-last', '5', '--compact-days', '3', '--orphan-days', '3']);
    expect(buildMaintenanceArguments('analytics', { retentionDays: 14, asOf: new Date('2026-01-12T03:30:00.000Z'), tables: ['_kpi_runs', 'sensor_health'] })).toEqual([
      'analytics', '--retention-days', '14', '--retain-last', '5', '--compact-days', '3', '--orphan-days', '3',
      '--as-of', '2026-01-12T03:30:00Z', '--tables', '_kpi_runs,sensor_health',
    ]);
  });

  it('are refused with every problem at once', () => {
    expect(() => buildMaintenanceArguments('analytics', { retentionDays: 0, retainLast: 1.5, orphanDays: 0, tables: ['events_raw'], asOf: new Date('x') }))
      .toThrow([
        'Invalid maintenance option(s):',
        '- --retention-days must be a whole number >= 1, got 0',
        '- --retain-last must be a whole number >= 1, got 1.5',
        '- --orphan-days must be a whole number >= 1, got 0',
        '- --as-of is not a valid time',
        `- --tables: unknown table(s) events_raw; the jobs keep ${MAINTAINED_TABLES.join(', ')}`,
      ].join('\n'));
  });
});

describe('the compaction window after a backfill', () => {
  it("reaches the window's first day with a day to spare, never under the default", () => {
    const now = new Date('2026-11-27T23:59:00Z');
    // The job compacts from (as-of minus N days)'s date: a run past midnight (as of the 28th) still reaches the 1st.
    expect(compactDaysReaching('2026-11-01', now)).toBe(27);
    expect(compactDaysReaching('2025-11-27', now)).toBe(366);
    expect(compactDaysReaching('2026-11-26', now)).toBe(MAINTENANCE_DEFAULTS.compactDays);
    expect(compactDaysReaching('2026-12-05', now)).toBe(MAINTENANCE_DEFAULTS.compactDays);
  });
});

describe('the maintenance report', () => {
  it('parses the job\'s lines and ignores everything else Spark prints', () => {
    expect(parseMaintenanceLine('[kpis] run {}')).toBeUndefined();
    expect(parseMaintenanceLine('26/11/27 12:12:21 WARN GlueCatalog: ...')).toBeUndefined();
    expect(parseMaintenanceLine(DONE)).toEqual({ kind: 'done', failed: ['rejected_events'] });
    const result = maintenanceResult(['noise', PLAN, RUNS, FAILED, DONE]);
    expect(result.plan?.expireBefore).toBe('2026-11-27T12:12:11Z');
    expect(result.tables.map((t) => [t.table, t.status])).toEqual([['_kpi_runs', 'maintained'], ['rejected_events', 'failed']]);
    expect(result.failed).toEqual(['rejected_events']);
  });

  it('reads per table, before -> after, and names what failed', () => {
    const text = describeMaintenance(maintenanceResult([PLAN, RUNS, FAILED, DONE]));
    expect(text).toContain('as of 2026-02-21T03:30:00Z: expired snapshots committed before 2026-11-27T12:12:11Z, when the last run as of 2026-02-14T03:30:00Z');
    const row = text.split('\n').find((l) => l.startsWith('_kpi_runs'));
    expect(row?.split(/\s{2,}/)).toEqual(['_kpi_runs', '3 -> 3', '6 -> 1', '6 -> 7', '36.5 KiB -> 43.1 KiB', '6 -> 1', '0', '0', 'audit_run_5', 'audit_run_7']);
    expect(text).toMatch(/rejected_events\s+failed .*CommitFailedException/);
    expect(text).toContain('Maintenance FAILED for rejected_events; the other tables were maintained.');
  });
});

describe('runMaintenanceLocally', () => {
  const paths = { ...localPaths(), state: work, stateFile: path.join(work, 'stack.json'), logs: path.join(work, 'logs') };

  it('submits the job with the shared arguments and returns what it reported, failed tables included', async () => {
    const submitted: string[][] = [];
    const progress: string[] = [];
    const result = await runMaintenanceLocally({
      paths,
      awsEndpoint: 'http://127.0.0.1:1',
      java17Home: '/jdk17',
      maintenance: { retentionDays: 10 },
      log: (line) => progress.push(line),
      submit: async (command, _logFile, onLine) => {
        submitted.push([...command.args]);
        for (const line of [PLAN, RUNS, FAILED, DONE]) onLine(line);
        return 1;
      },
    });
    const args = submitted[0];
    expect(args.slice(args.findIndex((a) => a.endsWith(MAINTENANCE_SCRIPT)))).toEqual([
      path.join(paths.spark, MAINTENANCE_SCRIPT), 'analytics', '--retention-days', '10', '--retain-last', '5', '--compact-days', '3', '--orphan-days', '3',
    ]);
    expect(args[args.indexOf('--py-files') + 1]).toMatch(/clickstream_jobs\.zip$/);
    expect(result.failed).toEqual(['rejected_events']);
    expect(progress.filter((l) => l.startsWith('maintain: _kpi_runs'))).toEqual(['maintain: _kpi_runs: snapshots 3 -> 3, data files 6 -> 1, referenced 6 -> 7; dropped audit_run_5; kept audit_run_7 (5.9 s)']);
  });

  it('fails with the Spark log when the job stops before reporting every table', async () => {
    const run = runMaintenanceLocally({
      paths,
      awsEndpoint: 'http://127.0.0.1:1',
      java17Home: '/jdk17',
      submit: async (_command, logFile, onLine) => {
        fs.writeFileSync(logFile, 'java.lang.OutOfMemoryError: Java heap space\n');
        onLine(PLAN);
        return 137;
      },
    });
    await expect(run).rejects.toThrow(/Table maintenance failed \(exit 137\) before it reported every table\. Spark log: .*maintain-.*\.log\nLast lines:\n.*OutOfMemoryError/);
  });
});

describe('clickstream maintain', () => {
  it('names every invalid option before starting anything', async () => {
    const result = await runCli(['maintain', '--retention-days', '0', '--compact-days', 'x', '--as-of', '2026-01-12', '--tables', 'sensor_health,foo'],
      { CLICKSTREAM_STATE_DIR: path.join(work, 'no-stack') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--as-of must be a time with its zone, e.g. 2026-11-27T03:30:00Z, got "2026-01-12"');
    expect(result.stderr).toContain('--compact-days must be a whole number >= 1, got "x"');
    expect(result.stderr).toContain('--retention-days must be a whole number >= 1, got "0"');
    expect(result.stderr).toContain('--tables: unknown table(s) foo');
    expect(result.stderr).not.toContain('clickstream up');
  }, 60_000);

  it('on the aws target, names the missing settings before any AWS call', async () => {
    // Without --scripts-version the names come from the environment's stacks, which need the region.
    const fromStacks = await runCli(['maintain', '--target', 'aws'], { AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expect(fromStacks.code).toBe(1);
    expect(fromStacks.stderr).toContain('--region: set --region (or AWS_REGION');
    expect(fromStacks.stderr).not.toContain('--account-id');
    // With it, names follow the naming convention, whose bucket names need the account.
    const byConvention = await runCli(['maintain', '--target', 'aws', '--scripts-version', '0f3c2a9d'], { AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expect(byConvention.code).toBe(1);
    expect(byConvention.stderr).toContain('--account-id: bucket names end with the account id');
    expect(byConvention.stderr).toContain('--region: set --region (or AWS_REGION');
  }, 60_000);
});
