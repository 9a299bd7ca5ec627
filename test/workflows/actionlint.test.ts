import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowFiles } from './workflows';
import { localPaths } from '../../src/local/paths';

/**
 * Action bundles (actions/<name>/dist/) are gitignored and built by every job before use, so
 * actionlint's check that an action's `runs.main`/`runs.post` file exists is expected to fail
 * on a checkout; every other finding counts.
 */
const UNBUILT_BUNDLE = 'file "dist/(main|post)\\.js" does not exist in "[^"]*/actions/[^"/]+"';

describe('actionlint', () => {
  it('reports nothing on the generated workflows', () => {
    const actionlint = path.join(localPaths().bin, 'actionlint');
    if (!fs.existsSync(actionlint)) {
      expect.fail(`actionlint is not installed at ${actionlint}: run \`npx clickstream setup\` with Go installed (it builds actionlint into the cache).`);
    }
    const files = workflowFiles();
    expect(files.length).toBeGreaterThan(0);
    const result = spawnSync(actionlint, ['-no-color', '-ignore', UNBUILT_BUNDLE, ...files], {
      cwd: localPaths().root,
      encoding: 'utf8',
    });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`, 'actionlint findings').toBe('');
    expect(result.status).toBe(0);
  });
});
