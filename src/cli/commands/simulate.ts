import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { formatDuration } from '../../format/numbers';
import { localPaths } from '../../local/paths';
import { SimulationReport, describeDay, simulate } from '../../simulation/simulate';
import { totalHealth } from '../../simulation/table-health';
import { interrupts } from '../interrupts';
import { commandOutput } from '../output';

interface SimulateCliOptions {
  readonly days: string;
  readonly eventsPerDay: string;
  readonly start: string;
  readonly seed: string;
  readonly bufferSeconds: string;
  readonly runAt: string;
  readonly maintainEvery: string;
  readonly keep: boolean;
  readonly reportDir: string;
  readonly json: boolean;
}

const whole = (name: string, value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new Error(`${name} must be a whole number, got "${value}".`);
  return n;
};

/** The simulation report as Markdown: the per-day table and the final comparison. */
export function simulationMarkdown(report: SimulationReport): string {
  const o = report.options;
  const lines = [
    `# Simulation: ${o.days} days from ${o.startDay}, ${o.eventsPerDay} events a day, runs at ${o.runAt} UTC`,
    '',
    `Outcome: **${report.passed ? 'passed' : 'FAILED'}** in ${formatDuration(report.durationMs)}.`,
    '',
    '| run (UTC) | arrived | for earlier days | recomputed days | bronze read | objects read | KPI time | validation | maintenance | snapshots | data files stored |',
    '|---|---:|---:|---|---:|---:|---:|---|---|---:|---:|',
    ...report.days.map((d) => `| ${d.runAt.slice(0, 16).replace('T', ' ')} | ${d.arrived} | ${d.arrivedLate} | ${d.recomputedDays.join(', ') || 'none'} | ` +
      `${d.bronzeBytes} B | ${d.bronzeObjects} | ${d.kpiSeconds} s | ${d.validation.passed ? 'passed' : `FAILED (${d.validation.failed.join('; ')})`} | ` +
      `${d.maintenance ? `${d.maintenance.seconds} s${d.maintenance.failed.length > 0 ? ` (FAILED: ${d.maintenance.failed.join(', ')})` : ''}` : ''} | ` +
      `${totalHealth(d.tables).snapshots} | ${totalHealth(d.tables).storedFiles} |`),
    '',
    ...tableHealthMarkdown(report),
    `At the end: ${report.final.landedRows} rows landed, ${report.final.rejectedRows} of them breaking a rule.`,
    '',
    '| table | rows | equals the reference |',
    '|---|---:|---|',
    ...Object.entries(report.final.tables).map(([table, t]) => `| ${table} | ${t.rows} | ${t.equal ? 'yes' : `NO: ${t.firstDifference}`} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Snapshots and data files of every table night by night (after that morning's maintenance), so
 * the report shows whether they stay bounded.
 */
export function tableHealthMarkdown(report: SimulationReport): string[] {
  const tables = [...new Set(report.days.flatMap((d) => Object.keys(d.tables)))];
  if (tables.length === 0) return [];
  const o = report.options;
  const schedule = o.maintainEvery > 0 ? `maintenance (M) every ${o.maintainEvery} days, retention ${o.retentionDays} days` : 'no maintenance';
  return [
    `Snapshots / data files stored, per table, after each morning (${schedule}):`,
    '',
    `| table | ${report.days.map((d) => `${d.runAt.slice(5, 10)}${d.maintenance ? ' M' : ''}`).join(' | ')} |`,
    `|---|${report.days.map(() => '---:').join('|')}|`,
    ...tables.map((t) => `| ${t} | ${report.days.map((d) => (d.tables[t] ? `${d.tables[t].snapshots} / ${d.tables[t].storedFiles}` : '')).join(' | ')} |`),
    '',
  ];
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Simulate the pipeline over many days on a private embedded stack: each day\'s events arrive late, out of order and across midnight ' +
      '(most within minutes, some hours late, some 1-5 days late, duplicates and malformed records), landed the way Firehose buffers and names them; ' +
      'the scheduled incremental KPI run executes every morning through the code the workflow runs, then validation, and weekly table maintenance. ' +
      'Prints one line per day (with the tables\' snapshots and stored data files), ' +
      'writes simulation-report.{json,md}, and at the end compares every table with an independent reference. Exits 1 when a day fails validation ' +
      'or maintenance, or a table differs.')
    .option('--days <n>', 'simulated days of events', '7')
    .option('--events-per-day <n>', 'events generated per day', '400')
    .option('--start <YYYY-MM-DD>', 'first event day', '2026-01-05')
    .option('--seed <n>', 'generator seed', '7')
    .option('--buffer-seconds <n>', 'Firehose buffering interval (60 to 900)', '900')
    .option('--run-at <HH:MM>', 'time of the daily scheduled run, UTC', '03:30')
    .option('--maintain-every <days>', 'run table maintenance (`clickstream maintain`, as of the run\'s time) after every n-th night\'s run; 0: never', '7')
    .option('--keep', 'leave the simulation\'s stack running at the end', false)
    .option('--report-dir <dir>', 'where simulation-report.json/.md go', 'reports')
    .option('--json', 'print the report as one JSON object', false)
    .addHelpText('after', '\nExamples:\n  $ npx clickstream simulate --days 7\n  $ npx clickstream simulate --days 30 --events-per-day 50000')
    .action(async (o: SimulateCliOptions) => {
      const out = commandOutput(o.json);
      const signal = interrupts.signal({ stopping: 'stopping the simulation and its stack' });
      const report = await simulate({
        paths: localPaths(),
        days: whole('--days', o.days),
        eventsPerDay: whole('--events-per-day', o.eventsPerDay),
        startDay: o.start,
        seed: whole('--seed', o.seed),
        bufferSeconds: whole('--buffer-seconds', o.bufferSeconds),
        runAt: o.runAt,
        maintainEvery: whole('--maintain-every', o.maintainEvery),
        keep: o.keep,
        log: out.progress,
        signal,
      });
      fs.mkdirSync(o.reportDir, { recursive: true });
      fs.writeFileSync(path.join(o.reportDir, 'simulation-report.json'), `${JSON.stringify(report, null, 2)}\n`);
      fs.writeFileSync(path.join(o.reportDir, 'simulation-report.md'), simulationMarkdown(report));
      out.summary(report, () => [...report.days.map(describeDay), '', simulationMarkdown(report).split('\n').slice(-8).join('\n')].join('\n'));
      if (!report.passed) process.exitCode = 1;
    });
}
