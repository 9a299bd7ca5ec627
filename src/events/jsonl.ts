import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { SensorEvent, sensorEventSchema } from './schema';

/** One line of a JSON Lines file, numbered from 1 as editors do. */
export interface JsonLine {
  readonly lineNumber: number;
  readonly text: string;
}

/** Streams the non-blank lines of a JSON Lines file; `.gz` files are gunzipped on the way. */
export async function* readJsonLines(file: string): AsyncGenerator<JsonLine> {
  if (!fs.existsSync(file)) throw new Error(`Cannot read events: ${file} does not exist.`);
  let input: Readable = fs.createReadStream(file);
  if (file.endsWith('.gz')) input = input.pipe(zlib.createGunzip());
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() !== '') yield { lineNumber, text };
  }
}

export type EventCheck = { readonly ok: true; readonly event: SensorEvent } | { readonly ok: false; readonly reason: string };

/** Checks one JSON line against the event schema (types and value ranges). */
export function checkEventLine(text: string): EventCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `invalid JSON (${(e as Error).message})` };
  }
  const parsed = sensorEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ') };
}
