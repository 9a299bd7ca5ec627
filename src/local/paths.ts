import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (the folder with package.json), found from this file. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the repository root above ${__dirname}.`);
    dir = parent;
  }
  return dir;
}

/** Ignored folders that hold the installed toolchain and the running stack's state. */
export interface LocalPaths {
  readonly root: string;
  /** Toolchain caches: venv, jars, Trino (`.cache/`). */
  readonly cache: string;
  readonly venv: string;
  readonly python: string;
  readonly jars: string;
  readonly trinoHome: string;
  /** Tools built for the project (actionlint). */
  readonly bin: string;
  /** Runtime state of the embedded stack (`.clickstream/`): state file, logs, data. */
  readonly state: string;
  readonly stateFile: string;
  readonly logs: string;
  readonly spark: string;
}

export function localPaths(root: string = process.env.CLICKSTREAM_HOME ?? repoRoot()): LocalPaths {
  const cache = process.env.CLICKSTREAM_CACHE_DIR ?? path.join(root, '.cache');
  const venv = path.join(cache, 'venv');
  const state = process.env.CLICKSTREAM_STATE_DIR ?? path.join(root, '.clickstream');
  return {
    root,
    cache,
    venv,
    python: path.join(venv, 'bin', 'python'),
    jars: path.join(cache, 'jars'),
    trinoHome: path.join(cache, 'trino'),
    bin: path.join(cache, 'bin'),
    state,
    stateFile: path.join(state, 'stack.json'),
    logs: path.join(state, 'logs'),
    spark: path.join(root, 'spark'),
  };
}
