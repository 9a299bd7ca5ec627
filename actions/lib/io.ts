import * as core from '@actions/core';

/** What the action needs from the runner; @actions/core in production, a fake in tests. */
export interface ActionIo {
  /** The input's value, or '' when unset (GitHub has already applied action.yml's default). */
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  /** State handed from the main step to the post step. */
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** Appends markdown to the job summary. */
  writeSummary(markdown: string): Promise<void>;
}

export const actionsCoreIo: ActionIo = {
  getInput: (name) => core.getInput(name),
  setOutput: (name, value) => core.setOutput(name, value),
  setFailed: (message) => core.setFailed(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  saveState: (name, value) => core.saveState(name, value),
  getState: (name) => core.getState(name),
  writeSummary: async (markdown) => {
    await core.summary.addRaw(markdown).write();
  },
};
