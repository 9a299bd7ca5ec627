import { isPreviewEnvironment } from '../../src/config/names';
import { renderTeardownMarkdown } from '../../src/previews/preview-report';
import { TeardownClients, TeardownOptions, createTeardownClients, teardownPreview } from '../../src/previews/teardown';
import { ActionIo } from '../lib/io';
import { IssueComments, PREVIEW_COMMENT_MARKER, commentOnPullRequest } from '../lib/pr-comment';

export interface RunDeps {
  /** @default SDK clients for the region with the SDK's adaptive retries */
  readonly createClients?: (region: string) => TeardownClients;
  /** @default the issues API with the github-token input */
  readonly comments?: IssueComments;
  /** Passed to the teardown (tests poll fast). */
  readonly teardown?: Pick<TeardownOptions, 'pollSeconds' | 'maxWaitSeconds'>;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The teardown-preview action: check the inputs, tear down, report (summary, outputs, comment), fail when something is left. */
export async function run(io: ActionIo, deps: RunDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  try {
    const environment = io.getInput('environment').trim();
    if (!isPreviewEnvironment(environment)) {
      throw new Error(`Input "environment" must be a preview, pr-<pull request number> (e.g. pr-42), got "${environment}": this action never destroys a standing environment.`);
    }
    const region = io.getInput('region').trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (!region) throw new Error('No region: set input "region" or AWS_REGION (aws-actions/configure-aws-credentials sets it).');
    const report = await teardownPreview({
      ...(deps.createClients ?? createTeardownClients)(region), ...deps.teardown, environment, region, log: (line) => io.info(line),
    });
    io.setOutput('result', report.result);
    io.setOutput('removed', JSON.stringify(report.removed));
    io.setOutput('left', JSON.stringify(report.left));
    const markdown = renderTeardownMarkdown(report);
    await io.writeSummary(markdown);
    await commentOnPullRequest({ env, token: io.getInput('github-token'), comments: deps.comments, marker: PREVIEW_COMMENT_MARKER, body: `${PREVIEW_COMMENT_MARKER}\n${markdown}`, log: io });
    if (report.result === 'incomplete') io.setFailed(report.message);
    else io.info(report.message);
  } catch (e) {
    io.setFailed((e as Error).message);
  }
}
