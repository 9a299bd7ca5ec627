import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fixedInterval } from '../timing/backoff';
import { Clock, Sleep } from '../timing/clock';
import { Poll, pollUntil } from '../timing/poll';

export interface StepLogOptions {
  /** The cluster's log location (`s3://` or EMR's `s3n://`). */
  readonly logUri: string;
  readonly clusterId: string;
  readonly stepId: string;
  /** EMR's FailureDetails.LogFile: the file EMR found the failure in, read first when set. */
  readonly failureLogFile?: string;
  /**
   * How long to wait for the log to appear: EMR uploads step logs about every five minutes.
   * @default 360_000
   */
  readonly maxWaitMs?: number;
  /**
   * Pause between looks.
   * @default 30_000
   */
  readonly pollIntervalMs?: number;
  /**
   * Lines kept from the end of each log.
   * @default 50
   */
  readonly tailLines?: number;
  readonly signal?: AbortSignal;
}

export interface StepLogDeps {
  readonly s3: S3Client;
  readonly clock: Clock;
  readonly sleep: Sleep;
}

export interface LogTail {
  /** `s3://` location of the whole log. */
  readonly uri: string;
  /** The last lines, oldest first. */
  readonly lines: readonly string[];
}

export type StepLogResult =
  | { readonly found: true; readonly tails: readonly LogTail[] }
  | { readonly found: false; readonly message: string };

/**
 * The tail of a failed step's logs: EMR's failure log file (or stderr) and stdout. Waits, bounded,
 * for the first one to be uploaded; the others are read only if already there.
 */
export async function fetchStepLogTail(options: StepLogOptions, deps: StepLogDeps): Promise<StepLogResult> {
  const stepPrefix = stepLogPrefix(options);
  const primary = options.failureLogFile ? toS3Uri(options.failureLogFile) : `${stepPrefix}stderr.gz`;
  const others = [`${stepPrefix}stderr.gz`, `${stepPrefix}stdout.gz`].filter((uri) => uri !== primary);
  const tailLines = options.tailLines ?? 50;
  const first = await waitForLogTail(primary, tailLines, options, deps);
  if (first.kind !== 'tail') return { found: false, message: first.message };
  const tails = [first.tail];
  for (const uri of others) {
    const read = await readTail(deps.s3, uri, tailLines);
    if (read.kind === 'tail') tails.push(read.tail);
  }
  return { found: true, tails };
}

/**
 * The whole of one of a step's logs (`stdout.gz` holds what a client-mode driver printed), waiting
 * for EMR to upload it as {@link fetchStepLogTail} does.
 */
export async function fetchStepLog(
  options: Omit<StepLogOptions, 'failureLogFile' | 'tailLines'> & { readonly file: 'stdout.gz' | 'stderr.gz' },
  deps: StepLogDeps,
): Promise<StepLogResult> {
  const read = await waitForLogTail(`${stepLogPrefix(options)}${options.file}`, Number.POSITIVE_INFINITY, options, deps);
  return read.kind === 'tail' ? { found: true, tails: [read.tail] } : { found: false, message: read.message };
}

/** EMR's layout of a cluster's log location: `<log uri>/<cluster id>/steps/<step id>/`. */
function stepLogPrefix(options: Pick<StepLogOptions, 'logUri' | 'clusterId' | 'stepId'>): string {
  return `${withSlash(toS3Uri(options.logUri))}${options.clusterId}/steps/${options.stepId}/`;
}

export type LogWait = { kind: 'tail'; tail: LogTail } | { kind: 'none'; message: string };

/**
 * The last `tailLines` lines of one gzipped log in S3 (`s3://` or `s3n://`), waiting, bounded, for it to
 * be uploaded: EMR uploads a step's (or a serverless job run's) logs after the process ends.
 */
export async function waitForLogTail(
  uri: string,
  tailLines: number,
  options: Pick<StepLogOptions, 'maxWaitMs' | 'pollIntervalMs' | 'signal'>,
  deps: StepLogDeps,
): Promise<LogWait> {
  const maxWaitMs = options.maxWaitMs ?? 360_000;
  const outcome = await pollUntil(async (): Promise<Poll<LogWait, undefined>> => {
    const read = await readTail(deps.s3, uri, tailLines);
    if (read.kind === 'tail') return { done: true, value: read };
    if (read.kind === 'error') return { done: true, value: { kind: 'none', message: read.message } };
    return { done: false, pending: undefined };
  }, {
    timeoutMs: maxWaitMs, backoff: fixedInterval(options.pollIntervalMs ?? 30_000), signal: options.signal, clock: deps.clock, sleep: deps.sleep,
  });
  return outcome.kind === 'done'
    ? outcome.value
    : { kind: 'none', message: `No log at ${uri} after waiting ${Math.round(maxWaitMs / 1000)} s; EMR may still upload it, look there later.` };
}

type Read = { kind: 'tail'; tail: LogTail } | { kind: 'missing' } | { kind: 'error'; message: string };

async function readTail(s3: S3Client, uri: string, tailLines: number): Promise<Read> {
  const { bucket, key } = splitS3Uri(uri);
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(object.Body ? await object.Body.transformToByteArray() : []);
    const text = (key.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    const lines = text.replace(/\n+$/, '').split('\n');
    return { kind: 'tail', tail: { uri, lines: lines.slice(-tailLines) } };
  } catch (e) {
    const error = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata?.httpStatusCode === 404) return { kind: 'missing' };
    return { kind: 'error', message: `Could not read ${uri}: ${error.name ?? 'Error'}: ${error.message ?? String(e)}` };
  }
}

/** EMR reports log locations as `s3n://`; S3 knows them as `s3://`. */
function toS3Uri(uri: string): string {
  return uri.replace(/^s3[an]:\/\//, 's3://');
}

function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

function splitS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`Not an S3 object location: ${uri}`);
  return { bucket: match[1], key: match[2] };
}
