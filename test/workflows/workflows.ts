import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../src/local/paths';

/** The parts of a workflow file the tests read. */
export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

export interface Job {
  readonly 'name'?: string;
  readonly 'if'?: string;
  readonly 'needs'?: string | string[];
  readonly 'environment'?: string;
  readonly 'permissions'?: Record<string, string>;
  readonly 'concurrency'?: { readonly 'group': string; readonly 'cancel-in-progress': boolean; readonly 'queue'?: string };
  readonly 'outputs'?: Record<string, string>;
  readonly 'timeout-minutes'?: number;
  readonly 'steps': readonly Step[];
}

export interface DispatchInput {
  readonly description: string;
  readonly type: string;
  readonly required?: boolean;
  readonly default?: string;
  readonly options?: readonly string[];
}

export interface Triggers {
  readonly push?: { readonly branches: readonly string[] };
  readonly schedule?: readonly { readonly cron: string }[];
  readonly workflow_dispatch?: { readonly inputs?: Record<string, DispatchInput> };
  readonly pull_request?: { readonly types: readonly string[] };
}

export interface Workflow {
  readonly name: string;
  readonly on: Triggers;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

/** An action's metadata (action.yml), as far as the tests read it. */
export interface ActionMetadata {
  readonly inputs?: Record<string, { readonly required?: boolean; readonly default?: unknown }>;
  readonly outputs?: Record<string, unknown>;
}

export const WORKFLOWS_DIR = path.join(repoRoot(), '.github', 'workflows');

/** Absolute paths of the generated workflow files. */
export function workflowFiles(): string[] {
  return fs.readdirSync(WORKFLOWS_DIR)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(WORKFLOWS_DIR, f));
}

export function loadWorkflow(name: string): Workflow {
  return parse(fs.readFileSync(path.join(WORKFLOWS_DIR, `${name}.yml`), 'utf8')) as Workflow;
}

/** Every workflow by file name (without extension). */
export function loadWorkflows(): Record<string, Workflow> {
  return Object.fromEntries(workflowFiles().map((f) => [path.basename(f, path.extname(f)), loadWorkflow(path.basename(f, path.extname(f)))]));
}

/** The action.yml of `uses: ./actions/<name>`, or undefined when the folder has none. */
export function loadLocalAction(uses: string): ActionMetadata | undefined {
  const file = path.join(repoRoot(), uses, 'action.yml');
  return fs.existsSync(file) ? (parse(fs.readFileSync(file, 'utf8')) as ActionMetadata) : undefined;
}
