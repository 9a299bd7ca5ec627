import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { SensorEvent } from './schema';
import { brokenRule } from './validity';
import { convertRecord } from '../landing/convert';

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

/**
 * Checks one JSON line as the pipeline will see it: converted to a bronze row as Firehose's OpenX
 * JSON SerDe converts it (src/landing/convert.ts), then held to VALIDITY_RULES. A line is a valid
 * event when it lands as a row that breaks no rule, so the replay's invalid count is exactly the
 * landing's errors plus the rows `rejected_events` keeps, on either target.
 */
export function checkEventLine(text: string): EventCheck {
  const conversion = convertRecord(Buffer.from(text));
  if (!conversion.ok) return { ok: false, reason: conversion.errorMessage };
  const rule = brokenRule(conversion.row);
  if (rule !== undefined) return { ok: false, reason: `breaks the rule ${rule}` };
  return { ok: true, event: conversion.row as SensorEvent };
}
