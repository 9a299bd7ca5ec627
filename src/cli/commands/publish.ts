import { Command } from 'commander';
import { QUERY_CATALOG } from '../../config/names';
import { formatTable } from '../../format/tables';
import { PublishRefusedError } from '../../kpis/publication';
import { targetFor } from '../../targets/targets';
import { loadRunScope } from '../../validation/run-scope';
import { interrupts } from '../interrupts';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface PublishOptions extends TargetCliOptions {
  readonly run?: string;
  readonly json: boolean;
}

export function registerPublishCommand(program: Command): void {
  addTargetOptions(program
    .command('publish')
    .description('Publish a KPI run: fast-forward every table\'s main to the run\'s audit branch, so readers see its rows. Refused, naming the failed ' +
      'checks, unless its latest validation passed; refused when main moved since it was cut, by another run\'s publication or by table ' +
      'maintenance (run the KPIs again). Publishing that stopped between tables finishes on the next call. Default: the latest unpublished run.'), {
    target: 'where the tables are: PyIceberg commits to the Glue catalog from this machine, no cluster needed',
    environment: 'whose Glue database and warehouse hold the run',
  })
    .option('--run <id>', 'the run to publish (see `clickstream validate`); default: the latest unpublished run')
    .option('--json', 'print the result as one JSON object', false)
    .action(async (options: PublishOptions) => {
      const out = commandOutput(options.json);
      const config = configFromOptions(options);
      const target = targetFor(config.target);
      let runId = options.run;
      if (!runId) {
        const pending = await loadRunScope(await target.queryEngine(config), QUERY_CATALOG, config.names.glueDatabase);
        if (!pending?.branch) {
          out.summary({ published: [], note: 'nothing to publish' }, () => 'Nothing to publish: every KPI run is published (or none was run yet).');
          return;
        }
        runId = pending.runId;
      }
      try {
        const signal = interrupts.signal({ stopping: 'stopping the publisher (the next publish resumes where it stopped)' });
        const result = await target.publishRun({ config, runId, log: out.progress, signal });
        out.summary(result, () => (result.published.length === 0
          ? `Run ${result.runId}: ${result.note ?? 'nothing to publish'}.`
          : [formatTable(['table', 'published snapshot'], result.published.map((p) => [p.table, p.snapshot])),
            `Run ${result.runId} published: main of ${result.published.length} tables now holds it (${result.seconds} s).`].join('\n')));
      } catch (e) {
        if (!(e instanceof PublishRefusedError)) throw e;
        process.stderr.write(`${e.message}\n`);
        process.exitCode = 3;
      }
    });
}
