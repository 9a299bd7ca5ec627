import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { parseInputs, targetConfig, ValidateAthenaInputs } from './inputs';
import { IssueComments, octokitComments, pullRequestFromEvent, upsertComment } from './pr-comment';
import { QUERY_CATALOG } from '../../src/config/names';
import { engineForTarget } from '../../src/engines/for-target';
import { QueryEngine } from '../../src/engines/query-engine';
import { loadExpectations } from '../../src/validation/expectations';
import { REPORT_MARKER, renderReportMarkdown } from '../../src/validation/markdown';
import { failingChecks } from '../../src/validation/report';
import { writeReportFiles } from '../../src/validation/report-files';
import { loadRunScope } from '../../src/validation/run-scope';
import { runValidation } from '../../src/validation/runner';

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
  return engineForTarget({ config, trinoEndpoint: inputs.trinoEndpoint, workGroup: inputs.workGroup, outputLocation: inputs.outputLocation });
}

/**
 * The validate-athena action: run the suite, write the report (files, job summary, one PR
 * comment), set the outputs, and fail the step on failed error-level checks.
 */
export async function run(deps: RunDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  try {
    const inputs = parseInputs((name) => core.getInput(name));
    const expectations = inputs.manifest ? loadExpectations(inputs.manifest) : undefined;
    const engine = await (deps.createEngine ?? ((i) => defaultEngine(i, env)))(inputs);
    const { database } = targetConfig(inputs, env);
    // The run's audit branch is what is checked; a run's verdict is what publishing it needs.
    const scope = await loadRunScope(engine, QUERY_CATALOG, database, { runId: inputs.runId });
    if (scope) core.info(`Run ${scope.runId}${scope.branch ? `: checking its branch ${scope.branch}` : ' (published)'}.`);
    const report = await runValidation(engine, {
      tables: inputs.tables,
      window: inputs.window,
      expectations,
      run: scope,
      failOnWarn: inputs.failOnWarn,
      database,
      log: (line) => core.info(line),
    });
    const files = writeReportFiles(path.join(env.RUNNER_TEMP || os.tmpdir(), 'clickstream-validation'), report, { failOnWarn: inputs.failOnWarn });
    const failed = failingChecks(report, inputs.failOnWarn);
    core.setOutput('passed', String(failed.length === 0));
    core.setOutput('failed-count', String(failed.length));
    core.setOutput('report-path', files.json);
    const markdown = renderReportMarkdown(report, { failOnWarn: inputs.failOnWarn });
    await core.summary.addRaw(markdown).write();
    await commentOnPullRequest(deps, inputs, env, markdown);
    if (failed.length > 0) {
      core.setFailed(`${failed.length} KPI check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => `${c.table} ${c.check} (${c.observed})`).join('; ')}`);
    }
  } catch (e) {
    core.setFailed((e as Error).message);
  }
}

/** A failed comment is a warning, not a failure: fork PRs get a read-only token. */
async function commentOnPullRequest(deps: RunDeps, inputs: ValidateAthenaInputs, env: NodeJS.ProcessEnv, markdown: string): Promise<void> {
  const pullRequest = pullRequestFromEvent(env, (file) => fs.readFileSync(file, 'utf8'));
  if (!pullRequest) return;
  const token = inputs.githubToken;
  const comments = deps.comments ?? (token ? octokitComments(getOctokit(token, { baseUrl: env.GITHUB_API_URL || undefined })) : undefined);
  if (!comments) {
    core.info('No github-token: not commenting on the pull request.');
    return;
  }
  try {
    const comment = await upsertComment(comments, pullRequest, REPORT_MARKER, markdown);
    core.info(`Report comment ${comment.id} ${comment.action} on pull request #${pullRequest.issueNumber}.`);
  } catch (e) {
    core.warning(`Could not comment on pull request #${pullRequest.issueNumber}: ${(e as Error).message}`);
  }
}
