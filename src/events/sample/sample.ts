import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { GeneratorOptions, generateJsonl } from '../generator';

/** The committed sample: a few thousand events over three days, with a few anomalies. */
export const SAMPLE_OPTIONS: GeneratorOptions = {
  count: 5000,
  seed: 20261101,
  sensors: 60,
  days: 3,
  start: '2026-11-01T00:00:00Z',
  duplicateRate: 0.02,
  malformedRate: 0.01,
};

/** The committed sample file (JSON Lines, gzip). */
export const SAMPLE_FILE = path.join(__dirname, 'sensor-events.jsonl.gz');

/**
 * Writes generated events as JSON Lines; gzip when the name ends in `.gz`. gzip output is
 * byte-stable because Node's zlib writes no file time into the header.
 */
export function writeEventsFile(file: string, options: GeneratorOptions): { readonly file: string; readonly bytes: number } {
  const text = Buffer.from(generateJsonl(options));
  const bytes = file.endsWith('.gz') ? zlib.gzipSync(text, { level: 9 }) : text;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return { file, bytes: bytes.length };
}
