import { Command } from 'commander';
import { MAINTAINED_TABLES, MAINTENANCE_DEFAULTS, MaintenanceOptions, validateMaintenanceOptions } from '../../maintenance/options';
import { targetFor } from '../../targets/targets';
import { parseAsOf } from '../../timing/as-of';
import { CLI_INPUT_STYLE, EmrCliOptions, addEmrOptions, emrInputs } from '../emr-options';
import { interrupts } from '../interrupts';
import { parseWholeNumber } from '../option-parsers';
import { commandOutput } from '../output';
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

/** Appends the message of what `parse` throws to `problems`, so that every problem is named at once. */
function collect<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    problems.push((e as Error).message.replace(/\.$/, ''));
    return undefined;
  }
}

/** The command's options as the job's, checked before anything starts, every problem named at once. */
export function maintenanceOptions(o: MaintainCommandOptions): MaintenanceOptions {
  const problems: string[] = [];
  const whole = (flag: string, value: string | undefined) => (value === undefined
    ? undefined
    : collect(problems, () => parseWholeNumber(flag, value, 1)));
  const options: MaintenanceOptions = {
    retentionDays: whole('--retention-days', o.retentionDays),
    retainLast: whole('--retain-last', o.retainLast),
    compactDays: whole('--compact-days', o.compactDays),
    orphanDays: whole('--orphan-days', o.orphanDays),
    asOf: collect(problems, () => parseAsOf(o.asOf)),
    tables: o.tables === undefined ? undefined : o.tables.split(',').map((t) => t.trim()).filter(Boolean),
  };
  validateMaintenanceOptions(options, problems);
  return options;
}

export function registerMaintainCommand(program: Command): void {
  const d = MAINTENANCE_DEFAULTS;
  addEmrOptions(addTargetOptions(program
    .command('maintain')
    .description('Maintain the Iceberg tables the KPI jobs keep, with Iceberg\'s own Spark procedures: compact the small files of recently ' +
      'written partitions (bin-pack), rewrite manifests, drop the audit_<run id> branches of held-back runs older than the retention, ' +
      'expire snapshots older than the retention (keeping the last few of each branch and every snapshot a remaining branch needs, such as ' +
      'the audit branch of a run awaiting validation or publication), and remove unreferenced files older than ' +
      'a few days. On the local stack (start it with `clickstream up`), or with --target aws as one EMR step, or one EMR Serverless job run where the environment\'s compute stack says so. Run it weekly and after backfills, ' +
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
      const out = commandOutput(options.json);
      const config = configFromOptions(options);
      // Every input is checked before anything starts or calls AWS; jobs and dates do not apply to maintenance.
      const work = targetFor(config.target).planMaintenance({
        config, maintenance: maintenanceOptions(options), emr: emrInputs(options, {}), inputStyle: CLI_INPUT_STYLE,
      });
      const signal = interrupts.signal(work.stopping);
      const outcome = await work.run({ signal, log: out.progress });
      out.summary(outcome.result, () => outcome.text());
      if (outcome.failed) process.exitCode = 1;
    });
}
