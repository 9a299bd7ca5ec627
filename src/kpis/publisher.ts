import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { SPARK_JOBS_PACKAGE } from './catalog';
import { PublishRefusedError, PublishedRun, parsePublishLine } from './publication';
import { auditBranch } from './run-ledger';
import { CatalogEndpoints } from './spark-conf';
import { systemClock, secondsSince } from '../timing/clock';

/**
 * Publishing is a metadata commit per table (Iceberg's fast-forward of `main` to the audit branch),
 * so it runs without Spark or a cluster: spark/clickstream_jobs/publish.py with PyIceberg against
 * the Glue catalog, on the machine that asks for it (the CLI, the publish-kpi-run action).
 */
export interface PublishRunOptions {
  /** A Python with PyIceberg (spark/publish-requirements.txt): the toolchain's venv, or the runner's. */
  readonly python: string;
  /** The repository's spark/ folder, holding the clickstream_jobs package. */
  readonly sparkDir: string;
  readonly database: string;
  readonly runId: string;
  readonly region: string;
  /** Glue and S3 endpoints of the emulator; unset on AWS. */
  readonly endpoints?: CatalogEndpoints;
  /**
   * The process's environment: AWS credentials by the SDKs' default chains.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** Aborting stops the publisher; a publish stopped between tables finishes on the next call. */
  readonly signal?: AbortSignal;
}

export type TimedPublishedRun = PublishedRun & { readonly seconds: number };

/** The publisher's command line. */
export function publishCommand(options: PublishRunOptions):
{ readonly command: string; readonly args: readonly string[]; readonly env: NodeJS.ProcessEnv } {
  auditBranch(options.runId);
  const { glue, s3 } = options.endpoints ?? {};
  const env = options.env ?? process.env;
  return {
    command: options.python,
    args: [
      '-m', `${SPARK_JOBS_PACKAGE}.publish`, options.database, options.runId, '--region', options.region,
      ...(glue ? ['--glue-endpoint', glue] : []),
      ...(s3 ? ['--s3-endpoint', s3] : []),
    ],
    env: { ...env, PYTHONPATH: [path.resolve(options.sparkDir), env.PYTHONPATH].filter(Boolean).join(path.delimiter), PYTHONUNBUFFERED: '1' },
  };
}

/**
 * Publishes a validated run. Rejects with {@link PublishRefusedError} when the publisher refuses
 * (no passing verdict, main moved), with its output's tail when it fails otherwise.
 */
export async function publishRun(options: PublishRunOptions): Promise<TimedPublishedRun> {
  const started = systemClock();
  const log = options.log ?? (() => undefined);
  const { command, args, env } = publishCommand(options);
  log(`publish: run ${options.runId} (branch ${auditBranch(options.runId)}) with PyIceberg`);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
  let result: PublishedRun | undefined;
  let refused: string | undefined;
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    keep(line);
    if (!line.startsWith('[kpis] ')) return;
    const parsed = parsePublishLine(line.slice('[kpis] '.length));
    if (parsed.kind === 'published') result = parsed.run;
    else if (parsed.kind === 'refused') refused = parsed.reason;
    else log(`publish: ${parsed.text}`);
  });
  readline.createInterface({ input: child.stderr }).on('line', keep);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => (options.signal?.aborted ? resolve(null) : reject(new Error(`Cannot start the publisher ${command}: ${e.message}. ` +
      'It needs a Python with spark/publish-requirements.txt installed (`npx clickstream setup` makes one).', { cause: e }))));
    child.on('close', (code) => resolve(code));
  });
  if (options.signal?.aborted) throw new Error(`Publishing run ${options.runId} was stopped; run \`clickstream publish --run ${options.runId}\` to finish it (it resumes where it stopped).`);
  if (refused !== undefined) throw new PublishRefusedError(options.runId, refused);
  if (exitCode !== 0 || !result) throw new Error(`Publishing run ${options.runId} failed (exit ${exitCode}). Last lines:\n${tail.join('\n')}`);
  return { ...result, seconds: secondsSince(started) };
}
