import { Command } from 'commander';
import { formatTable } from '../../format/tables';
import { localPaths } from '../../local/paths';
import { SetupResult, SetupStepResult, runSetup } from '../../local/setup/setup';
import { systemClock, secondsSince } from '../../timing/clock';
import { commandOutput } from '../output';

function note(step: SetupStepResult): string | undefined {
  if (step.status === 'failed') return 'see below';
  if (step.status === 'skipped') return step.reason;
  return step.waitedSeconds ? `after waiting ${step.waitedSeconds} s for another step` : undefined;
}

/** The summary people read: one row per step, then one line on the whole run. */
export function setupSummary(result: SetupResult, cache: string, seconds: number): string {
  const rows = result.steps.map((s) => [s.name, s.status === 'failed' ? 'FAILED' : s.status, s.status === 'up-to-date' || s.status === 'skipped' ? '' : `${s.seconds.toFixed(1)} s`, note(s)]);
  const outcome = result.failed.length > 0
    ? `${result.failed.length} of ${result.steps.length} steps failed (${seconds} s); the others are installed in ${cache}.`
    : result.nothingToDo ? `Nothing to do: the toolchain in ${cache} is up to date.` : `Toolchain installed in ${cache} (${seconds} s; the steps ran side by side).`;
  return [formatTable(['step', 'status', 'time', 'note'], rows), outcome].join('\n');
}

/** The error for failed steps: each with its cause and what to do. */
export function setupFailure(failed: readonly SetupStepResult[]): Error {
  const indent = (text = '') => text.trimEnd().split('\n').join('\n    ');
  const each = failed.map((s) => `- ${s.name}: ${indent(s.error)}\n  What to do: ${s.remedy}.`);
  return new Error([
    `${failed.length === 1 ? 'A setup step' : `${failed.length} setup steps`} failed:`,
    ...each,
    'Then run `npx clickstream setup` again: the steps that finished are stamped and are not redone.',
  ].join('\n'));
}

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description('Install the local toolchain into .cache/ (Python venv with PySpark and moto, Iceberg/Hadoop jars, Trino), its steps side by side. Idempotent: a re-run with nothing changed does no work.')
    .option('--force', 'reinstall every step even when it is up to date', false)
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (options: { force: boolean; json: boolean }) => {
      const out = commandOutput(options.json);
      const paths = localPaths();
      const started = systemClock();
      const result = await runSetup({ paths, force: options.force, log: out.progress });
      const seconds = secondsSince(started);
      out.summary({ ...result, cache: paths.cache, seconds }, () => setupSummary(result, paths.cache, seconds));
      if (result.failed.length > 0) throw setupFailure(result.failed);
    });
}
