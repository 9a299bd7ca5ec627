import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { EVENT_FIELDS, duckdbType } from '../events/schema';
import { quote } from '../sql/quote';

/** The `columns` argument of DuckDB's read_json, from the event schema. */
export function duckdbColumns(): string {
  return `{${EVENT_FIELDS.map((f) => `${f.name}: ${quote(duckdbType(f.type))}`).join(', ')}}`;
}

/**
 * Writes rows of the event schema as Snappy Parquet through DuckDB. Rows go through a
 * JSON Lines file with explicit column types, so doubles keep their exact values and the
 * Parquet schema is the event schema, never an inferred one.
 */
export class ParquetWriter {
  static async open(tempDir: string = os.tmpdir()): Promise<ParquetWriter> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new ParquetWriter(instance, connection, fs.mkdtempSync(path.join(tempDir, 'landing-')));
  }

  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection, private readonly dir: string) {}

  /** Writes the rows and returns the Parquet file's bytes. */
  async write(rows: readonly Record<string, unknown>[]): Promise<Buffer> {
    const input = path.join(this.dir, 'rows.jsonl');
    const output = path.join(this.dir, 'rows.parquet');
    fs.writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
    try {
      await this.connection.run(
        `COPY (SELECT * FROM read_json(${quote(input)}, format = 'newline_delimited', columns = ${duckdbColumns()})) ` +
        `TO ${quote(output)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      return fs.readFileSync(output);
    } finally {
      fs.rmSync(input, { force: true });
      fs.rmSync(output, { force: true });
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
