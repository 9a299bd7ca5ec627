import * as path from 'node:path';
import { packageSparkJobs } from './kpi-runner';
import { tailFile } from './processes';
import { runSparkCommand, sparkServerFor } from './spark-job';
import { LocalSparkJobOptions, localSparkSubmit } from './spark-submit';
import { findJavaHome } from './toolchain';
import { loadConfig } from '../config/config';
import { PUBLISH_SCRIPT } from '../kpis/catalog';
import { PublishRefusedError, PublishedRun, parsePublishLine } from '../kpis/publication';
import { auditBranch } from '../kpis/run-ledger';

export type LocalPublishedRun = PublishedRun & { readonly seconds: number; readonly logFile: string };

export interface PublishRunLocallyOptions extends LocalSparkJobOptions {
  readonly runId: string;
}

/**
 * Publishes a validated run on the local target: the same Spark job an EMR step runs. Rejects with
 * {@link PublishRefusedError} when the job refuses, with the Spark log's tail when it fails.
 */
export async function publishRunLocally(options: PublishRunLocallyOptions): Promise<LocalPublishedRun> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  auditBranch(options.runId);
  const names = options.names ?? loadConfig({ target: 'local' }).names;
  const java17Home = options.java17Home ?? findJavaHome(17, true);
  if (!java17Home) throw new Error('Spark 3.5 needs a JDK 17: install one or set CLICKSTREAM_JAVA17_HOME.');
  const logFile = path.join(options.paths.logs, `publish-${options.runId}.log`);
  const command = localSparkSubmit({
    paths: options.paths,
    java17Home,
    awsEndpoint: options.awsEndpoint,
    warehouse: names.warehouseUri,
    script: path.join(options.paths.spark, PUBLISH_SCRIPT),
    args: [names.glueDatabase, options.runId],
    pyFiles: [packageSparkJobs(options.paths, path.join(options.paths.state, 'spark'))],
  });
  let result: PublishedRun | undefined;
  let refused: string | undefined;
  log(`publish: run ${options.runId} (branch ${auditBranch(options.runId)}); Spark log: ${logFile}`);
  const exit = await runSparkCommand(command, {
    logFile,
    server: sparkServerFor(options),
    signal: options.signal,
    onStdoutLine: (line) => {
      if (!line.startsWith('[kpis] ')) return;
      const parsed = parsePublishLine(line.slice('[kpis] '.length));
      if (parsed.kind === 'published') result = parsed.run;
      else if (parsed.kind === 'refused') refused = parsed.reason;
      else log(`publish: ${parsed.text}`);
    },
  });
  if (options.signal?.aborted) throw new Error(`Publishing run ${options.runId} was stopped; run \`clickstream publish --run ${options.runId}\` to finish it (it resumes where it stopped).`);
  if (refused !== undefined) throw new PublishRefusedError(options.runId, refused);
  if (exit.exitCode !== 0 || !result) {
    throw new Error(`Publishing run ${options.runId} failed (exit ${exit.exitCode}). Spark log: ${logFile}\nLast lines:\n${tailFile(logFile, 30)}`);
  }
  return { ...result, seconds: Math.round((Date.now() - started) / 100) / 10, logFile };
}
