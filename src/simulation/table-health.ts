import { GlueClient, paginateGetTables } from '@aws-sdk/client-glue';
import { S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { QUERY_CATALOG } from '../config/names';
import { QueryEngine } from '../engines/query-engine';
import { MAINTAINED_TABLES } from '../maintenance/options';
import { joinSql, literal, metadataTable, sql } from '../sql/statement';

/** What a table costs to keep, measured from outside: what grows every night unless maintained. */
export interface TableHealth {
  /** Snapshots in the table's metadata (every commit adds one until they are expired). */
  readonly snapshots: number;
  /** Data files of the current snapshot: what a reader of `main` opens. */
  readonly dataFiles: number;
  /** Objects under the table's `data/` folder: the current files plus every file only old snapshots (or nothing) reference. */
  readonly storedFiles: number;
  readonly storedBytes: number;
}

export interface TableHealthSources {
  readonly engine: QueryEngine;
  readonly glue: GlueClient;
  readonly s3: S3Client;
  readonly database: string;
  readonly signal?: AbortSignal;
}

/**
 * Snapshots and data files of every table the jobs keep (that exists): two queries over the
 * tables' `$snapshots` and `$files` metadata tables, and a listing of each table's data folder.
 */
export async function measureTables(sources: TableHealthSources): Promise<Record<string, TableHealth>> {
  const locations = new Map<string, string>();
  for await (const page of paginateGetTables({ client: sources.glue }, { DatabaseName: sources.database })) {
    for (const table of page.TableList ?? []) {
      if (table.Name && table.StorageDescriptor?.Location) locations.set(table.Name, table.StorageDescriptor.Location);
    }
  }
  const tables = MAINTAINED_TABLES.filter((t) => locations.has(t));
  if (tables.length === 0) return {};
  // One statement per metadata kind: each table's name a checked literal (a SELECT list takes no
  // parameter on Athena), its metadata table quoted by src/sql/statement.ts.
  const counts = (kind: 'snapshots' | 'files') => {
    const statement = joinSql(tables.map((t) => sql`SELECT ${literal(t)} AS t, count(*) AS n FROM ${metadataTable(QUERY_CATALOG, sources.database, t, kind)}`), ' UNION ALL ');
    return sources.engine.query(statement.text, statement.params, { signal: sources.signal });
  };
  const snapshots = await counts('snapshots');
  const files = await counts('files');
  const count = (rows: ReadonlyArray<Readonly<Record<string, unknown>>>, table: string) => Number(rows.find((r) => r.t === table)?.n ?? 0);

  const result: Record<string, TableHealth> = {};
  for (const table of tables) {
    const match = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(locations.get(table)!);
    if (!match) throw new Error(`Table ${sources.database}.${table} is at ${locations.get(table)}, not in S3.`);
    let storedFiles = 0;
    let storedBytes = 0;
    for await (const page of paginateListObjectsV2({ client: sources.s3 }, { Bucket: match[1], Prefix: `${match[2].replace(/\/$/, '')}/data/` })) {
      for (const object of page.Contents ?? []) {
        storedFiles++;
        storedBytes += object.Size ?? 0;
      }
    }
    result[table] = { snapshots: count(snapshots.rows, table), dataFiles: count(files.rows, table), storedFiles, storedBytes };
  }
  return result;
}

/** Totals over the tables, for a one-line summary. */
export function totalHealth(tables: Readonly<Record<string, TableHealth>>): TableHealth {
  const values = Object.values(tables);
  const sum = (pick: (t: TableHealth) => number) => values.reduce((n, t) => n + pick(t), 0);
  return {
    snapshots: sum((t) => t.snapshots),
    dataFiles: sum((t) => t.dataFiles),
    storedFiles: sum((t) => t.storedFiles),
    storedBytes: sum((t) => t.storedBytes),
  };
}
