import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULTY_STATUS, VALIDITY_RULES, sparkSchemaDdl } from '../../src/events/schema';
import { KPI_JOBS, KPI_TABLES, LEDGER_TABLE_COLUMNS, PARTIAL_TABLES, sparkColumnsDdl } from '../../src/kpis/catalog';
import { localPaths } from '../../src/local/paths';

/** The Python copies of the shared contracts (spark/clickstream_jobs/contracts.py), read without Spark. */
function pythonContracts(): Record<string, unknown> {
  const paths = localPaths();
  const script = [
    'import json, sys',
    'sys.path.insert(0, sys.argv[1])',
    'from clickstream_jobs import contracts as c',
    'print(json.dumps({k: getattr(c, k) for k in dir(c) if k.isupper()}))',
  ].join('\n');
  const result = spawnSync(paths.python, ['-c', script, path.join(paths.root, 'spark')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('the Spark jobs\' copies of the contracts', () => {
  const python = pythonContracts();

  it('read bronze with the event schema', () => {
    expect(python.EVENT_SCHEMA_DDL).toBe(sparkSchemaDdl());
  });

  it('reject rows by the same validity rules, in the same order, and count the same faulty status', () => {
    expect(python.VALIDITY_RULES).toEqual(VALIDITY_RULES);
    expect(python.FAULTY_STATUS).toBe(FAULTY_STATUS);
  });

  it('write the catalog\'s tables and columns', () => {
    expect(python.KPI_TABLE_COLUMNS).toEqual(Object.fromEntries(Object.values(KPI_TABLES).map((t) => [t.name, sparkColumnsDdl(t.columns)])));
  });

  it('keep the catalog\'s partials, valid events, rejected rows and runs ledger', () => {
    expect(python.INTERNAL_TABLE_COLUMNS).toEqual({
      ...Object.fromEntries(Object.values(PARTIAL_TABLES).map((t) => [t.name, sparkColumnsDdl(t.columns)])),
      ...Object.fromEntries(Object.entries(LEDGER_TABLE_COLUMNS).map(([name, columns]) => [name, sparkColumnsDdl(columns)])),
    });
  });

  it('name the jobs\' tables like the catalog', () => {
    expect(python.JOB_TABLE_ARGUMENTS).toEqual(Object.fromEntries(Object.values(KPI_JOBS).map((j) => [j.name, j.tableArgument])));
  });
});
