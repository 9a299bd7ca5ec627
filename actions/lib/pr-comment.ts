import * as fs from 'node:fs';
import { getOctokit } from '@actions/github';

/** The slice of the GitHub issues API the report comment needs; Octokit in production. */
export interface IssueComments {
  list(issue: IssueRef): Promise<ReadonlyArray<{ readonly id: number; readonly body?: string | null }>>;
  create(issue: IssueRef, body: string): Promise<{ readonly id: number }>;
  update(issue: IssueRef, commentId: number, body: string): Promise<{ readonly id: number }>;
}

export interface IssueRef {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
}

export interface UpsertedComment {
  readonly id: number;
  readonly action: 'created' | 'updated';
}

/**
 * Keeps one comment per pull request: the one whose body carries `marker` is updated, otherwise
 * a comment is created. Re-runs of the workflow therefore never pile up reports.
 */
export async function upsertComment(api: IssueComments, issue: IssueRef, marker: string, body: string): Promise<UpsertedComment> {
  if (!body.includes(marker)) throw new Error('The comment body must contain its marker, or the next run could not find it.');
  const ours = (await api.list(issue)).find((c) => c.body?.includes(marker));
  if (ours) return { id: (await api.update(issue, ours.id, body)).id, action: 'updated' };
  return { id: (await api.create(issue, body)).id, action: 'created' };
}

type GitHubClient = ReturnType<typeof getOctokit>;

/** {@link IssueComments} over an Octokit from `@actions/github`. */
export function octokitComments(octokit: GitHubClient): IssueComments {
  const ref = (issue: IssueRef) => ({ owner: issue.owner, repo: issue.repo });
  return {
    list: (issue) => octokit.paginate(octokit.rest.issues.listComments, { ...ref(issue), issue_number: issue.issueNumber, per_page: 100 }),
    create: async (issue, body) => (await octokit.rest.issues.createComment({ ...ref(issue), issue_number: issue.issueNumber, body })).data,
    update: async (issue, commentId, body) => (await octokit.rest.issues.updateComment({ ...ref(issue), comment_id: commentId, body })).data,
  };
}

/** The hidden marker of the one comment about a pull request's preview environment (run, then teardown). */
export const PREVIEW_COMMENT_MARKER = '<!-- clickstream-preview -->';

/** The pull request the workflow runs for, from the runner's event payload; undefined for other events. */
export function pullRequestFromEvent(env: NodeJS.ProcessEnv, readFile: (file: string) => string): IssueRef | undefined {
  if (env.GITHUB_EVENT_NAME !== 'pull_request' && env.GITHUB_EVENT_NAME !== 'pull_request_target') return undefined;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo || !env.GITHUB_EVENT_PATH) return undefined;
  const payload = JSON.parse(readFile(env.GITHUB_EVENT_PATH)) as { pull_request?: { number?: number } };
  const issueNumber = payload.pull_request?.number;
  return typeof issueNumber === 'number' ? { owner, repo, issueNumber } : undefined;
}

export interface CommentOptions {
  /** Where GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY and GITHUB_API_URL are read. */
  readonly env: NodeJS.ProcessEnv;
  /** Empty: no comment. */
  readonly token?: string;
  /** @default the issues API of `@actions/github`'s Octokit with `token` */
  readonly comments?: IssueComments;
  readonly marker: string;
  readonly body: string;
  readonly log: { info(message: string): void; warning(message: string): void };
}

/**
 * Creates or updates the comment that carries `marker` on the pull request the workflow runs for;
 * does nothing for other events. A failed comment is a warning, not a failure: fork pull requests
 * get a read-only token.
 */
export async function commentOnPullRequest(options: CommentOptions): Promise<UpsertedComment | undefined> {
  const pullRequest = pullRequestFromEvent(options.env, (file) => fs.readFileSync(file, 'utf8'));
  if (!pullRequest) return undefined;
  const octokit = () => getOctokit(options.token!, { baseUrl: options.env.GITHUB_API_URL || undefined });
  const comments = options.comments ?? (options.token ? octokitComments(octokit()) : undefined);
  if (!comments) {
    options.log.info('No github-token: not commenting on the pull request.');
    return undefined;
  }
  try {
    const comment = await upsertComment(comments, pullRequest, options.marker, options.body);
    options.log.info(`Comment ${comment.id} ${comment.action} on pull request #${pullRequest.issueNumber}.`);
    return comment;
  } catch (e) {
    options.log.warning(`Could not comment on pull request #${pullRequest.issueNumber}: ${(e as Error).message}`);
    return undefined;
  }
}
