import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');
/** The one file that may talk to the runner through `@actions/core`. */
const SEAM = 'actions/lib/io.ts';

/** The sources under `dir`, as repository paths; not the bundles esbuild writes into each action's dist/. */
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : sources(file);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [file] : [];
  });
}

/** `import ... from`, `export ... from`, a bare `import`, `import()` and `require()` of the package or a path inside it. */
const IMPORTS_ACTIONS_CORE = /(?:\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*['"]@actions\/core(?:\/[^'"]*)?['"]/;

describe('the action seam', () => {
  it(`is the only file under actions/ that imports @actions/core: ${SEAM}`, () => {
    const importers = sources('actions').filter((file) => IMPORTS_ACTIONS_CORE.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
    expect(importers).toEqual([SEAM]);
  });
});
