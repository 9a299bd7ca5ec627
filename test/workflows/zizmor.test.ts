import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_DIR } from './workflows';
import { localPaths } from '../../src/local/paths';

interface Finding {
  readonly ident: string;
  readonly determinations: { readonly severity: string; readonly confidence: string };
  readonly locations: ReadonlyArray<{ readonly symbolic: { readonly key: { readonly Local?: { readonly given_path?: string } } } }>;
}

/**
 * zizmor (installed by `clickstream setup` from PyPI, pinned in requirements.txt) audits the
 * generated workflows and the custom actions. Its severities are informational, low, medium and
 * high; `--min-severity medium` leaves only findings above low (zizmor docs, "Usage: filtering
 * results"). It runs offline (no GitHub API), with its most suspicious persona, and with no
 * configuration file, so nothing can be ignored quietly.
 */
function zizmor(...targets: string[]) {
  const binary = path.join(localPaths().venv, 'bin', 'zizmor');
  expect(fs.existsSync(binary), `${binary} missing: run \`npx clickstream setup\``).toBe(true);
  const run = spawnSync(binary, ['--offline', '--no-config', '--persona', 'auditor', '--min-severity', 'medium', '--format', 'json', ...targets], {
    cwd: localPaths().root, encoding: 'utf8',
  });
  expect(run.error).toBeUndefined();
  return { status: run.status, findings: JSON.parse(run.stdout || '[]') as Finding[], stderr: run.stderr };
}

const describeFinding = (f: Finding) => `${f.ident} (${f.determinations.severity}, ${f.determinations.confidence} confidence)`;

describe('zizmor', () => {
  it('finds nothing above low in the generated workflows and the custom actions', () => {
    const result = zizmor(WORKFLOWS_DIR, path.join(localPaths().root, 'actions'));
    expect(result.findings.map(describeFinding), result.stderr).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('reports a workflow that expands event data in a script (the control)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizmor-'));
    const file = path.join(dir, 'probe.yml');
    fs.writeFileSync(file, [
      'name: probe', 'on: pull_request_target', 'permissions: {}', 'jobs:', '  probe:', '    name: probe', '    runs-on: ubuntu-24.04',
      '    steps:', '      - run: echo "${{ github.event.pull_request.title }}"', '',
    ].join('\n'));
    const result = zizmor(file);
    expect(result.status).not.toBe(0);
    expect(result.findings.map((f) => f.ident)).toEqual(expect.arrayContaining(['template-injection', 'dangerous-triggers']));
    expect(result.findings.every((f) => ['medium', 'high'].includes(f.determinations.severity.toLowerCase()))).toBe(true);
  });
});
