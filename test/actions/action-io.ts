import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ActionIo } from '../../actions/lib/io';
import { IssueComments, IssueRef } from '../../actions/lib/pr-comment';
import { repoRoot } from '../../src/local/paths';

/**
 * The runner as an action sees it, the one fake of {@link ActionIo}: inputs as the workflow passed
 * them, else action.yml's default (as GitHub applies it; `${{ github.token }}` becomes a fake token),
 * and everything the action reports. Inputs and outputs action.yml does not declare throw, as a
 * workflow could neither pass nor read them. Pass the main step's `record.state` to a post step.
 */
export function fakeActionIo(action: string, inputs: Record<string, string>, state = new Map<string, string>()) {
  const actionYaml = parse(fs.readFileSync(path.join(repoRoot(), 'actions', action, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    outputs?: Record<string, unknown>;
  };
  for (const name of Object.keys(inputs)) {
    if (!(name in actionYaml.inputs)) throw new Error(`input ${name} is not declared in ${action}/action.yml`);
  }
  const record = {
    outputs: {} as Record<string, string>,
    failures: [] as string[],
    /** Log lines; warnings start with `warning: `. */
    logs: [] as string[],
    /** What each writeSummary call appended, in order. */
    summaries: [] as string[],
    /** The job summary as the runner shows it. */
    get summary(): string {
      return this.summaries.join('');
    },
    // What the main step saved, shared with the post step as the runner does.
    state,
  };
  const io: ActionIo = {
    getInput: (name) => {
      const declared = actionYaml.inputs[name];
      if (!declared) throw new Error(`input ${name} is not declared in ${action}/action.yml`);
      return inputs[name] ?? (declared.default ?? '').replace('${{ github.token }}', 'ghs_fake');
    },
    setOutput: (name, value) => {
      if (!actionYaml.outputs || !(name in actionYaml.outputs)) throw new Error(`output ${name} is not declared in ${action}/action.yml`);
      record.outputs[name] = value;
    },
    setFailed: (message) => void record.failures.push(message),
    info: (message) => void record.logs.push(message),
    warning: (message) => void record.logs.push(`warning: ${message}`),
    saveState: (name, value) => void state.set(name, value),
    getState: (name) => state.get(name) ?? '',
    writeSummary: async (markdown) => void record.summaries.push(markdown),
  };
  return { io, record };
}

/** A pull request's comments, as the issues API keeps them. */
export function fakeComments(existing: Array<{ id: number; body: string }> = []) {
  const comments = [...existing];
  const api: IssueComments = {
    list: async (_issue: IssueRef) => comments,
    create: async (_issue, body) => {
      const comment = { id: 100 + comments.length, body };
      comments.push(comment);
      return comment;
    },
    update: async (_issue, id, body) => {
      const comment = comments.find((c) => c.id === id)!;
      comment.body = body;
      return comment;
    },
  };
  return { api, comments };
}

/** The runner's variables of a pull_request event for pull request `number`, with its payload in a file. */
export function pullRequestEnv(dir: string, number: number, extra: Record<string, unknown> = {}): NodeJS.ProcessEnv {
  const eventPath = path.join(dir, 'event.json');
  fs.writeFileSync(eventPath, JSON.stringify({ pull_request: { number, head: { sha: '9fceb02d0ae598e95dc970b74767f19372d61af8' }, ...extra } }));
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'acme/clickstream',
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.com',
    AWS_REGION: 'eu-west-1',
  };
}
