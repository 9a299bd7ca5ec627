import * as os from 'node:os';
import * as path from 'node:path';
import { parseInputs, targetConfig, ValidateAthenaInputs } from './inputs';
import { QUERY_CATALOG } from '../../src/config/names';
import { QueryEngine } from '../../src/engines/query-engine';
import { targetFor } from '../../src/targets/targets';
import { loadExpectations } from '../../src/validation/expectations';
import { REPORT_MARKER, renderReportMarkdown } from '../../src/validation/markdown';
import { loadRunScope } from '../../src/validation/run-scope';
import { runValidation } from '../../src/validation/runner';
import { failingChecks } from '../../src/validation/validation-report';
import { writeReportFiles } from '../../src/validation/validation-report-files';
import { ActionIo } from '../lib/io';
import { IssueComments, commentOnPullRequest } from '../lib/pr-comment';

export interface RunDeps {
  /** @default Athena for target "aws", Trino for "local" */
  readonly createEngine?: (inputs: ValidateAthenaInputs) => Promise<QueryEngine>;
  /** @default the issues API of `@actions/github`'s Octokit, with the github-token input */
  readonly comments?: IssueComments;
  /** Where the runner's GITHUB_* variables and RUNNER_TEMP are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

function defaultEngine(inputs: ValidateAthenaInputs, env: NodeJS.ProcessEnv): Promise<QueryEngine> {
  const { config } = targetConfig(inputs, env);
  const { trinoEndpoint, workGroup, outputLocation } = inputs;
  return targetFor(config.target).queryEngine(config, { trinoEndpoint, workGroup, outputLocation });
}

/**
 * The validate-athena action: run the suite, write the report (files, job summary, one PR
 * comment), set the outputs, and fail the step on failed error-level checks.
 */
export async function run(io: ActionIo, deps: RunDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  try {
    const inputs = parseInputs((name) => io.getInput(name));
    const expectations = inputs.manifest ? loadExpectations(inputs.manifest) : undefined;
    const engine = await (deps.createEngine ?? ((i) => defaultEngine(i, env)))(inputs);
    const { database } = targetConfig(inputs, env);
    // The run's audit branch is what is checked; a run's verdict is what publishing it needs.
    const scope = await loadRunScope(engine, QUERY_CATALOG, database, { runId: inputs.runId });
    if (scope) io.info(`Run ${scope.runId}${scope.branch ? `: checking its branch ${scope.branch}` : ' (published)'}.`);
    const report = await runValidation(engine, {
      tables: inputs.tables,
      window: inputs.window,
      expectations,
      run: scope,
      failOnWarn: inputs.failOnWarn,
      database,
      log: (line) => io.info(line),
    });
    const files = writeReportFiles(path.join(env.RUNNER_TEMP || os.tmpdir(), 'clickstream-validation'), report, { failOnWarn: inputs.failOnWarn });
    const failed = failingChecks(report, inputs.failOnWarn);
    io.setOutput('passed', String(failed.length === 0));
    io.setOutput('failed-count', String(failed.length));
    io.setOutput('report-path', files.json);
    const markdown = renderReportMarkdown(report, { failOnWarn: inputs.failOnWarn });
    await io.writeSummary(markdown);
    await commentOnPullRequest({ env, token: inputs.githubToken, comments: deps.comments, marker: REPORT_MARKER, body: markdown, log: io });
    if (failed.length > 0) {
      io.setFailed(`${failed.length} KPI check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => `${c.table} ${c.check} (${c.observed})`).join('; ')}`);
    }
  } catch (e) {
    io.setFailed((e as Error).message);
  }
}

