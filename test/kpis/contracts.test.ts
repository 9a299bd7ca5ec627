import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VALID_RANGES, FAULTY_STATUS, sparkSchemaDdl } from '../../src/events/schema';
import { KPI_JOBS, KPI_TABLES } from '../../src/kpis/catalog';
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

const SPARK_COLUMN_TYPES = { int: 'INT', bigint: 'BIGINT', double: 'DOUBLE', string: 'STRING', date: 'DATE' } as const;

describe('the Spark jobs\' copies of the contracts', () => {
  const python = pythonContracts();

  it('read bronze with the event schema', () => {
    expect(python.EVENT_SCHEMA_DDL).toBe(sparkSchemaDdl());
  });

  it('exclude rows with the same valid ranges and faulty status', () => {
    expect(python.VALID_RANGES).toEqual(VALID_RANGES);
    expect(python.FAULTY_STATUS).toBe(FAULTY_STATUS);
  });

  it('write the catalog\'s tables and columns', () => {
    const expected = Object.fromEntries(Object.values(KPI_TABLES).map((t) =>
      [t.name, t.columns.map((c) => `${c.name} ${SPARK_COLUMN_TYPES[c.type]}`).join(', ')]));
    expect(python.KPI_TABLE_COLUMNS).toEqual(expected);
  });

  it('name the jobs\' tables like the catalog', () => {
    expect(python.JOB_TABLE_ARGUMENTS).toEqual(Object.fromEntries(Object.values(KPI_JOBS).map((j) => [j.name, j.tableArgument])));
  });
});
