import { Command } from 'commander';
import { GLUE_DATABASE, QUERY_CATALOG, glueDatabaseName } from '../../config/names';
import { TypedValue } from '../../engines/query-engine';
import { formatTable } from '../../format/tables';
import { targetFor } from '../../targets/targets';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

/** bigint is exact but JSON.stringify rejects it; print its digits. */
const jsonValue = (value: TypedValue) => (typeof value === 'bigint' ? value.toString() : value);

export function registerQueryCommand(program: Command): void {
  addTargetOptions(program
    .command('query')
    .description('Run one SQL statement on the target\'s engine (the local stack\'s Trino, or Athena with --target aws) and print its rows. ' +
      `Tables are in catalog ${QUERY_CATALOG} and the environment's database: ${glueDatabaseName('local')} locally and in prod, ` +
      `${glueDatabaseName('staging')} in staging (${GLUE_DATABASE}_<environment>).`)
    .argument('<sql>', 'the statement, in the Athena engine v3 / Trino dialect'), { target: 'which engine runs it', environment: 'whose Glue database unqualified table names are in' })
    .option('--json', 'print {queryId, columns, rows, durationMs, bytesScanned} as one JSON object', false)
    .addHelpText('after', '\nExample:\n  $ npx clickstream query "SELECT day, sum(event_count) AS events FROM event_geo_kpis_events GROUP BY day ORDER BY day"')
    .action(async (statement: string, options: TargetCliOptions & { json: boolean }) => {
      if (!statement.trim()) throw new Error('Give the SQL to run, e.g. clickstream query "SELECT 1".');
      const out = commandOutput(options.json);
      const config = configFromOptions(options);
      const engine = await targetFor(config.target).queryEngine(config);
      const result = await engine.query(statement);
      const rows = result.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)])));
      out.summary({ ...result, rows }, () => [
        formatTable(result.columns.map((c) => c.name), result.rows.map((row) => result.columns.map((c) => row[c.name]))),
        `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}; ${engine.name} query ${result.queryId} in ${Math.round(result.durationMs)} ms` +
          `${result.bytesScanned !== undefined ? `, ${result.bytesScanned} bytes scanned` : ''}.`,
      ].join('\n'));
    });
}
