import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Command } from 'commander';
import { createEmrClients } from '../../emr/clients';
import { EmrMaintenanceReport, runMaintenanceOnEmr } from '../../emr/maintenance';
import { renderReportMarkdown } from '../../emr/report';
import { emrRunFromStacks } from '../../emr/run-from-stacks';
import { parseEmrRunInputs, validateEmrRunInputs } from '../../emr/run-inputs';
import { EmrRunOptions } from '../../emr/run-kpis';
import { runMaintenanceLocally } from '../../local/maintenance-runner';
import { localPaths } from '../../local/paths';
import { requireRunningStack } from '../../local/stack';
import { MAINTAINED_TABLES, MAINTENANCE_DEFAULTS, MaintenanceOptions, validateMaintenanceOptions } from '../../maintenance/options';
import { MAINTENANCE_COLUMNS, MaintenanceResult, describePlan, maintenanceRows } from '../../maintenance/report';
import { CLI_INPUT_STYLE, EmrCliOptions, addEmrOptions, emrInputs } from '../emr-options';
import { interrupts } from '../interrupts';
import { commandOutput, formatTable } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface MaintainCommandOptions extends EmrCliOptions, TargetCliOptions {
  readonly retentionDays?: string;
  readonly retainLast?: string;
  readonly compactDays?: string;
  readonly orphanDays?: string;
  readonly asOf?: string;
  readonly tables?: string;
  readonly json: boolean;
}

function wholeNumber(flag: string, value: string | undefined, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    problems.push(`${flag} must be a whole number, got "${value}"`);
    return undefined;
  }
  return Number(value);
}

/** The command's options as the job's, checked before anything starts. */
export function maintenanceOptions(o: MaintainCommandOptions): MaintenanceOptions {
  const problems: string[] = [];
  const asOf = o.asOf === undefined ? undefined : /(Z|[+-]\d{2}:\d{2})$/.test(o.asOf) ? new Date(o.asOf) : new Date(Number.NaN);
  if (asOf && Number.isNaN(asOf.getTime())) problems.push(`--as-of must be a time with its zone, e.g. 2026-11-27T03:30:00Z, got "${o.asOf}"`);
  const options: MaintenanceOptions = {
    retentionDays: wholeNumber('--retention-days', o.retentionDays, problems),
    retainLast: wholeNumber('--retain-last', o.retainLast, problems),
    compactDays: wholeNumber('--compact-days', o.compactDays, problems),
    orphanDays: wholeNumber('--orphan-days', o.orphanDays, problems),
    asOf: asOf && !Number.isNaN(asOf.getTime()) ? asOf : undefined,
    tables: o.tables === undefined ? undefined : o.tables.split(',').map((t) => t.trim()).filter(Boolean),
  };
  validateMaintenanceOptions(options, problems);
  return options;
}

/** The readable summary: what was decided, then per table before -> after. */
export function describeMaintenance(result: MaintenanceResult): string {
  const lines = [
    ...(result.plan ? [describePlan(result.plan), ''] : []),
    formatTable(MAINTENANCE_COLUMNS, maintenanceRows(result)),
  ];
  if (result.failed.length > 0) lines.push('', `Maintenance FAILED for ${result.failed.join(', ')}; the other tables were maintained. Run it again, or see the Spark log.`);
  return lines.join('\n');
}

function describeEmrMaintenance(report: EmrMaintenanceReport): string {
  const parts = [renderReportMarkdown(report, 'Table maintenance')];
  if (report.maintenance) parts.push(describeMaintenance(report.maintenance));
  if (report.maintenanceLog) parts.push(report.maintenanceLog);
  return parts.join('\n');
}

/**
 * The EMR run's settings: with --scripts-version, names by the naming convention (as `kpis
 * --target aws`); without it, the environment's stack outputs name the buckets, database, roles
 * and the deployed scripts version (what the maintenance workflow relies on).
 */
async function emrRunOf(options: MaintainCommandOptions): Promise<EmrRunOptions> {
  const identity = { runId: `cli-${Date.now()}`, purpose: 'maintain' };
  // Every input is checked before any AWS call; jobs and dates do not apply to maintenance.
  const inputs = emrInputs(options, {});
  if (options.scriptsVersion !== undefined) return parseEmrRunInputs(inputs, identity, process.env, CLI_INPUT_STYLE).options;
  const validated = validateEmrRunInputs(inputs, process.env, { style: CLI_INPUT_STYLE, namesFromStack: true });
  const { options: run } = await emrRunFromStacks(validated, { cloudFormation: new CloudFormationClient({ region: validated.region }), identity });
  return run;
}

async function maintainOnEmr(options: MaintainCommandOptions, maintenance: MaintenanceOptions): Promise<void> {
  const out = commandOutput(options.json);
  const run = await emrRunOf(options);
  const { locations, region, scriptsBucket, scriptsVersion } = run.steps;
  const clients = createEmrClients({ region });
  const signal = interrupts.signal({ stopping: 'cancelling the maintenance step and terminating the cluster it started', secondSignalRisk: 'may leave them running' });
  const report = await runMaintenanceOnEmr(
    { database: locations.database, warehouse: locations.warehouse, region, scriptsBucket, scriptsVersion, maintenance },
    run,
    { ...clients, signal, log: out.progress },
  );
  out.summary(report, () => describeEmrMaintenance(report));
  if (report.result !== 'completed' || (report.maintenance?.failed.length ?? 0) > 0) process.exitCode = 1;
}

export function registerMaintainCommand(program: Command): void {
  const d = MAINTENANCE_DEFAULTS;
  addEmrOptions(addTargetOptions(program
    .command('maintain')
    .description('Maintain the Iceberg tables the KPI jobs keep, with Iceberg\'s own Spark procedures: compact the small files of recently ' +
      'written partitions (bin-pack), rewrite manifests, drop the audit_<run id> branches of held-back runs older than the retention, ' +
      'expire snapshots older than the retention (keeping the last few of each branch and every snapshot a remaining branch needs, such as ' +
      'the audit branch of a run awaiting validation or publication), and remove unreferenced files older than ' +
      'a few days. On the local stack (start it with `clickstream up`), or as an EMR step with --target aws. Run it weekly and after backfills, ' +
      'never while a KPI run is writing. Prints, per table, snapshots and data files before -> after.')
    .option('--retention-days <n>', `expire snapshots older than this many days (default ${d.retentionDays})`)
    .option('--retain-last <n>', `keep at least this many snapshots of each branch (default ${d.retainLast})`)
    .option('--compact-days <n>', `compact the partitions of the last n days; unpartitioned tables whole (default ${d.compactDays})`)
    .option('--orphan-days <n>', `remove unreferenced files older than this many days, by the wall clock; at least 1 (default ${d.orphanDays})`)
    .option('--as-of <time>', 'the pipeline\'s now (UTC, e.g. 2026-11-27T03:30:00Z): the retention is measured on the KPI runs\' clock, for replays and simulations')
    .option('--tables <list>', `comma-separated tables (default: all of ${MAINTAINED_TABLES.join(', ')})`)
    .option('--json', 'print the summary as one JSON object', false)
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ npx clickstream maintain',
      '  $ npx clickstream maintain --retention-days 14 --compact-days 7',
      '  $ npx clickstream maintain --target aws --environment prod     names and scripts version from the stacks\' outputs',
    ].join('\n')), { environment: 'whose tables are maintained' }), {
    scriptsVersion: 'default: the compute stack\'s ScriptsVersion output, read with the buckets, database and roles from the environment\'s stacks',
    roles: 'default EMR_DefaultRole / EMR_EC2_DefaultRole; the compute stack outputs EmrServiceRole and EmrInstanceProfile',
  })
    .action(async (options: MaintainCommandOptions) => {
      const maintenance = maintenanceOptions(options);
      if (options.target === 'aws') {
        await maintainOnEmr(options, maintenance);
        return;
      }
      const out = commandOutput(options.json);
      const paths = localPaths();
      const endpoints = await requireRunningStack({ paths });
      const signal = interrupts.signal({ stopping: 'stopping the maintenance job\'s Spark processes' });
      const result = await runMaintenanceLocally({
        paths, awsEndpoint: endpoints.aws, names: configFromOptions(options).names, maintenance, log: out.progress, signal,
      });
      out.summary(result, () => describeMaintenance(result));
      if (result.failed.length > 0) process.exitCode = 1;
    });
}
