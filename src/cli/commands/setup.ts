import { Command } from 'commander';
import { localPaths } from '../../local/paths';
import { runSetup } from '../../local/setup/setup';
import { commandOutput, formatTable } from '../output';

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description('Install the local toolchain into .cache/ (Python venv with PySpark and moto, Iceberg/Hadoop jars, Trino). Idempotent: a re-run with nothing changed does no work.')
    .option('--force', 'reinstall every step even when it is up to date', false)
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (options: { force: boolean; json: boolean }) => {
      const out = commandOutput(options.json);
      const paths = localPaths();
      const started = Date.now();
      const result = await runSetup({ paths, force: options.force, log: out.progress });
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      out.summary({ ...result, cache: paths.cache, seconds }, () => [
        formatTable(['step', 'status', 'seconds', 'note'], result.steps.map((s) => [s.name, s.status, s.seconds, s.reason])),
        result.nothingToDo ? `Nothing to do: the toolchain in ${paths.cache} is up to date.` : `Toolchain installed in ${paths.cache} (${seconds} s).`,
      ].join('\n'));
    });
}
