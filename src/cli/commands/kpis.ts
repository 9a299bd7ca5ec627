import { Command, Option } from 'commander';
import { parseJobList } from '../../kpis/catalog';
import { kpiScopeFromOptions } from '../../kpis/day-window';
import { DEFAULT_KPI_RUN_MODE, KpiRunMode } from '../../local/kpi-runner';
import { targetFor } from '../../targets/targets';
import { parseAsOf } from '../../timing/as-of';
import { CLI_INPUT_STYLE, EmrCliOptions, addEmrOptions, emrInputs } from '../emr-options';
import { interrupts } from '../interrupts';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface KpisCommandOptions extends EmrCliOptions, TargetCliOptions {
  readonly fromDate?: string;
  readonly toDate?: string;
  readonly jobs?: string;
  readonly mode: KpiRunMode;
  readonly all: boolean;
  readonly asOf?: string;
  readonly json: boolean;
}

export function registerKpisCommand(program: Command): void {
  addEmrOptions(addTargetOptions(program
    .command('kpis')
    .description('Compute the five KPI Iceberg tables with Spark: on the local stack (start it with `clickstream up`), or with --target aws as EMR steps, or EMR Serverless job runs where the environment\'s compute stack says so. ' +
      'Without a window the run is incremental: it recomputes exactly the event days that received arrivals since the last run ' +
      '(the high-water mark is kept in the warehouse, table _kpi_runs), then the all-time tables. A window (UTC event days) recomputes those days ' +
      'from every arrival since the day before it, so backfills and late events are included; --all recomputes every day. ' +
      'Every table is written to the run\'s audit branch (audit_<run id>), not to main: `clickstream validate` checks it and ' +
      '`clickstream publish` fast-forwards main once it passed.')
    .option('--from-date <YYYY-MM-DD>', 'first UTC event day to compute')
    .option('--to-date <YYYY-MM-DD>', 'last UTC event day to compute (inclusive)')
    .option('--jobs <list>', 'comma-separated jobs: sensor_health, temp_humidity, event_geo, or all', 'all')
    .option('--all', 'recompute every day from all of bronze', false)
    .option('--as-of <time>', 'the run\'s time (UTC, e.g. 2026-11-27T03:30:00Z): arrivals after it are not read; for replaying history')
    .addOption(new Option('--mode <mode>', 'one Spark application for all jobs, or one submit per job').choices(['single-app', 'per-job']).default(DEFAULT_KPI_RUN_MODE))
    .option('--json', 'print the summary as one JSON object', false), { environment: 'whose bronze, warehouse and Glue database the jobs use' }), {
    scriptsVersion: 'the compute stack\'s ScriptsVersion output',
    roles: 'default EMR_DefaultRole / EMR_EC2_DefaultRole; the compute stack outputs EmrServiceRole and EmrInstanceProfile',
  })
    .action(async (options: KpisCommandOptions) => {
      const out = commandOutput(options.json);
      const config = configFromOptions(options);
      // Every value is parsed here, once, and every input checked before anything starts or calls AWS.
      const work = targetFor(config.target).planKpis({
        config,
        scope: kpiScopeFromOptions(options.fromDate, options.toDate, options.all),
        asOf: parseAsOf(options.asOf),
        jobs: parseJobList(options.jobs),
        mode: options.mode,
        emr: emrInputs(options, {}),
        inputStyle: CLI_INPUT_STYLE,
      });
      const signal = interrupts.signal(work.stopping);
      const outcome = await work.run({ signal, log: out.progress });
      out.summary(outcome.result, () => outcome.text());
      if (outcome.failed) process.exitCode = 1;
    });
}
