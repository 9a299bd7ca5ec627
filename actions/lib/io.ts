import * as core from '@actions/core';

/** Where a warning points: GitHub shows it on that line of the file, in the run and the pull request. */
export interface Annotation {
  /** The annotation's heading. */
  readonly title?: string;
  /** The file the warning is about, as the step names it. */
  readonly file?: string;
  /** The line of `file` the warning is about, from 1. */
  readonly startLine?: number;
}

/**
 * Everything an action exchanges with the runner: each action's `run` takes one, its main.ts (and
 * post.ts) passes {@link actionsCoreIo}, and its tests pass a fake. This file is the only one under
 * actions/ that imports `@actions/core` (test/actions/action-io.test.ts keeps it so).
 */
export interface ActionIo {
  /** The input's value, or '' when unset (GitHub has already applied action.yml's default). */
  getInput(name: string): string;
  /** Sets a step output, read by later steps as `steps.<id>.outputs.<name>`. */
  setOutput(name: string, value: string): void;
  /** Logs the message as an error and fails the step; the action itself carries on. */
  setFailed(message: string): void;
  /** A line of the step's log. */
  info(message: string): void;
  /** A warning in the step's log and the run's annotations; with `annotation`, shown on that file's line. */
  warning(message: string, annotation?: Annotation): void;
  /** State handed from the main step to the post step. */
  saveState(name: string, value: string): void;
  /** What the main step saved under `name`, or '' when it saved nothing there. */
  getState(name: string): string;
  /** Appends markdown (or HTML) to the job summary. */
  writeSummary(markdown: string): Promise<void>;
}

/** The runner's side of {@link ActionIo}, through `@actions/core`. */
export const actionsCoreIo: ActionIo = {
  getInput: (name) => core.getInput(name),
  setOutput: (name, value) => core.setOutput(name, value),
  setFailed: (message) => core.setFailed(message),
  info: (message) => core.info(message),
  warning: (message, annotation) => core.warning(message, annotation),
  saveState: (name, value) => core.saveState(name, value),
  getState: (name) => core.getState(name),
  writeSummary: async (markdown) => {
    await core.summary.addRaw(markdown).write();
  },
};
