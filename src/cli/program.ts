import { Command } from 'commander';
import { registerDestroyCommand } from './commands/destroy';
import { registerDoctorCommand } from './commands/doctor';
import { registerKpisCommand } from './commands/kpis';
import { registerLandCommand } from './commands/land';
import { registerMaintainCommand } from './commands/maintain';
import { registerPublishCommand } from './commands/publish';
import { registerPublishScriptsCommand } from './commands/publish-scripts';
import { registerQueryCommand } from './commands/query';
import { registerReplayCommands } from './commands/replay';
import { registerRunCommand } from './commands/run';
import { registerSetupCommand } from './commands/setup';
import { registerSimulateCommand } from './commands/simulate';
import { registerSmokeCommand } from './commands/smoke';
import { registerStackCommands } from './commands/stack';
import { registerValidateCommand } from './commands/validate';

/** The `clickstream` command line; each command lives in commands/<name>.ts. */
export function buildProgram(): Command {
  const program = new Command('clickstream')
    .description(
      'Runs the clickstream IoT sensor KPI pipeline: replay events into Kinesis, land them as Parquet, ' +
      'compute the KPI Iceberg tables with Spark and validate them with Athena (Trino locally). ' +
      'The local target runs everything on this machine (AWS emulator, Spark, Trino); --target aws uses AWS.',
    )
    .configureHelp({ sortSubcommands: false })
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ npx clickstream setup            install the local toolchain (once; re-runs are no-ops)',
      '  $ npx clickstream doctor           check the prerequisites, one line per check (--target aws: the account and environment)',
      '  $ npx clickstream run              the whole pipeline on 20,000 generated events, validated',
      '  $ npx clickstream up               start the embedded stack',
      '  $ npx clickstream smoke            Spark writes an Iceberg table, Trino reads it back',
      '  $ npx clickstream validate         check the latest KPI run on its audit branch (Trino locally, Athena with --target aws)',
      '  $ npx clickstream publish          fast-forward main to the latest run that passed validation',
      '  $ npx clickstream maintain         compact, expire snapshots and remove orphans on every KPI table',
      '  $ npx clickstream simulate --days 7  a week of late, out-of-order events and nightly runs',
      '  $ npx clickstream query "SELECT 1" ad-hoc SQL on the same engine',
      '  $ npx clickstream status --json    machine-readable stack status',
      '  $ npx clickstream run --environment pr-7 --keep   the pipeline in environment pr-7 of the same stack',
      '  $ npx clickstream destroy --environment pr-7      remove pr-7 (stream, buckets, database), nothing else',
      '  $ npx clickstream down             stop everything `up` started',
      '',
      'Every command accepts --json to print its final summary as one JSON object on stdout;',
      'progress goes to stderr. `clickstream <command> --help` explains a command.',
    ].join('\n'));
  registerSetupCommand(program);
  registerDoctorCommand(program);
  registerStackCommands(program);
  registerRunCommand(program);
  registerReplayCommands(program);
  registerLandCommand(program);
  registerKpisCommand(program);
  registerValidateCommand(program);
  registerMaintainCommand(program);
  registerPublishCommand(program);
  registerSimulateCommand(program);
  registerQueryCommand(program);
  registerSmokeCommand(program);
  registerPublishScriptsCommand(program);
  registerDestroyCommand(program);
  hintHelpAfterErrors(program);
  return program;
}

/**
 * After a command-line error (unknown option, bad choice, missing argument) commander prints the
 * error and then this one line, naming the command's own help, instead of the whole help text.
 */
function hintHelpAfterErrors(command: Command, path: readonly string[] = []): void {
  const name = [...path, command.name()];
  command.showHelpAfterError(`(see ${name.join(' ')} --help)`);
  for (const sub of command.commands) hintHelpAfterErrors(sub, name);
}
