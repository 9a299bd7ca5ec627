import { Command } from 'commander';
import { registerKpisCommand } from './commands/kpis';
import { registerSetupCommand } from './commands/setup';
import { registerSmokeCommand } from './commands/smoke';
import { registerStackCommands } from './commands/stack';

/** The `clickstream` command line; each command lives in commands/<name>.ts. */
export function buildProgram(): Command {
  const program = new Command('clickstream')
    .description(
      'Runs the clickstream IoT sensor KPI pipeline: replay events into Kinesis, land them as Parquet,\n' +
      'compute the KPI Iceberg tables with Spark and validate them with Athena (Trino locally).\n' +
      'The local target runs everything on this machine (AWS emulator, Spark, Trino); --target aws uses AWS.',
    )
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  registerSetupCommand(program);
  registerStackCommands(program);
  registerSmokeCommand(program);
  registerKpisCommand(program);
  return program;
}
