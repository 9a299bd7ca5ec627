import { Command } from 'commander';
import { TrinoEngine } from '../../engines/trino';
import { formatBytes } from '../../format/numbers';
import { formatTable } from '../../format/tables';
import { localPaths } from '../../local/paths';
import { stackUp } from '../../local/stack';
import { discoverToolchain } from '../../local/toolchain';
import { runToolchainSmoke } from '../../local/toolchain-smoke';
import { interrupts } from '../interrupts';
import { commandOutput } from '../output';

export function registerSmokeCommand(program: Command): void {
  program
    .command('smoke')
    .description('Prove the local toolchain: start (or reuse) the stack, have Spark write a small Iceberg table through the `glue` catalog, and read it back with Trino. Fails when the two engines disagree.')
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (options: { json: boolean }) => {
      const out = commandOutput(options.json);
      const paths = localPaths();
      const toolchain = discoverToolchain();
      const signal = interrupts.signal({ stopping: 'stopping Spark and the services this command started' });
      const stack = await stackUp({ paths, log: out.progress, signal });
      const trino = new TrinoEngine({ endpoint: stack.endpoints.trino });
      const result = await runToolchainSmoke({
        paths,
        toolchain,
        endpoints: stack.endpoints,
        queryTrino: async (sql) => (await trino.query(sql, [], { signal })).rows,
        log: out.progress,
        signal,
      });
      out.summary({ ...result, endpoints: stack.endpoints }, () => [
        `Trino read ${result.table}:`,
        formatTable(['id', 'name', 'value'], result.trinoRows.map((r) => [r.id, r.name, r.value])),
        result.match ? 'Spark and Trino agree on every row.' : 'MISMATCH: Spark wrote different rows than Trino read.',
        `Spark ${result.sparkSeconds.toFixed(1)} s (peak ${formatBytes(result.peakMemoryBytes.spark)}), ` +
          `Trino ${result.trinoSeconds.toFixed(1)} s (peak ${formatBytes(result.peakMemoryBytes.trino)}).`,
        'The stack keeps running; stop it with `npx clickstream down`.',
      ].join('\n'));
      if (!result.match) process.exitCode = 1;
    });
}
