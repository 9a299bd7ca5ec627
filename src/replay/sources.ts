import { ReplayRecord, toReplayRecord } from './records';
import { GeneratorOptions, generateRecords } from '../events/generator';
import { checkEventLine, readJsonLines } from '../events/jsonl';

/** A line that fails the schema check. */
export interface InvalidLine {
  readonly lineNumber: number;
  readonly reason: string;
}

/** Lines of a file that fail the schema check, from the last pass over it. */
export interface InvalidLineReport {
  readonly count: number;
  /** Whether they were sent (`sendInvalid`). */
  readonly sent: boolean;
  /** The first {@link MAX_LISTED_INVALID_LINES}, in file order. */
  readonly lines: readonly InvalidLine[];
}

export const MAX_LISTED_INVALID_LINES = 1000;

/** Where replayed records come from; `records()` may be called more than once (a pre-pass for --shift-to-now). */
export interface ReplaySource {
  /** For summaries and the manifest. */
  readonly description: Readonly<Record<string, unknown>>;
  records(): AsyncIterable<ReplayRecord>;
  /** Invalid lines of a file source. */
  invalidLines?(): InvalidLineReport;
}

/** Generated events; anomalies the options ask for are sent as they are, that is their purpose. */
export function generatorSource(options: GeneratorOptions): ReplaySource {
  return {
    description: { kind: 'generator', ...options, start: options.start === undefined ? undefined : new Date(options.start).toISOString() },
    async *records() {
      for (const record of generateRecords(options)) yield toReplayRecord(record.line);
    },
  };
}

export interface FileSourceOptions {
  readonly file: string;
  /** Send lines that fail the schema check too (to exercise the landing's error path). @default false */
  readonly sendInvalid?: boolean;
}

/** Events from a JSON Lines file (`.gz` allowed). Invalid lines are reported and, by default, not sent. */
export function fileSource(options: FileSourceOptions): ReplaySource {
  const sent = options.sendInvalid ?? false;
  let count = 0;
  let lines: InvalidLine[] = [];
  return {
    description: { kind: 'file', file: options.file, sendInvalid: sent },
    invalidLines: () => ({ count, sent, lines }),
    async *records() {
      count = 0;
      lines = [];
      for await (const line of readJsonLines(options.file)) {
        const check = checkEventLine(line.text);
        if (!check.ok) {
          count++;
          if (lines.length < MAX_LISTED_INVALID_LINES) lines.push({ lineNumber: line.lineNumber, reason: check.reason });
          if (!sent) continue;
        }
        yield toReplayRecord(line.text, line.lineNumber, check);
      }
    },
  };
}

function parsedObject(record: ReplayRecord): Record<string, unknown> | undefined {
  if (record.event) return { ...record.event };
  try {
    const value: unknown = JSON.parse(record.data.toString());
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** The newest integer `timestamp` of a source's records, from a pre-pass. */
export async function newestEventTime(source: ReplaySource): Promise<number | undefined> {
  let newest: number | undefined;
  for await (const record of source.records()) {
    const timestamp = parsedObject(record)?.timestamp;
    if (typeof timestamp === 'number' && Number.isInteger(timestamp) && (newest === undefined || timestamp > newest)) newest = timestamp;
  }
  return newest;
}

/**
 * Shifts every integer `timestamp` by the same number of seconds. Lines without one are sent
 * unchanged, and identical lines stay identical, so duplicates remain duplicates.
 */
export function shiftedSource(source: ReplaySource, shiftSeconds: number): ReplaySource {
  return {
    description: { ...source.description, shiftSeconds },
    invalidLines: source.invalidLines?.bind(source),
    async *records() {
      for await (const record of source.records()) {
        const value = parsedObject(record);
        if (shiftSeconds === 0 || typeof value?.timestamp !== 'number' || !Number.isInteger(value.timestamp)) {
          yield record;
          continue;
        }
        value.timestamp += shiftSeconds;
        yield toReplayRecord(JSON.stringify(value), record.lineNumber);
      }
    },
  };
}
