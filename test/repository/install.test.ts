import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/cli';

/**
 * A fresh clone installs with `npm ci`: exactly the versions package-lock.json records, refused
 * when package.json and the lockfile disagree or the lockfile misses a package some platform needs
 * (npm docs, npm-ci: "If dependencies in the package lock do not match those in package.json, npm
 * ci will exit with an error").
 */

const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** `npm ci --dry-run` in a folder holding only the given package.json and lockfile, as a fresh clone has them. */
function npmCiDryRun(lockfile: string = fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-npm-ci-'));
  scratch.push(dir);
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), lockfile);
  // --prefer-offline: package metadata from npm's cache when it has it; nothing is downloaded or installed.
  const result = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

interface Lockfile {
  packages: Record<string, { version?: string; optional?: boolean; os?: string[]; cpu?: string[] }>;
}

describe('npm ci from a fresh clone', () => {
  it('accepts the committed package.json and package-lock.json', () => {
    const result = npmCiDryRun();
    expect(result.status, result.output).toBe(0);
  }, 120_000);

  it('finds every platform\'s native binaries in the lockfile, not only this machine\'s', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
    const platforms = (prefix: string) => Object.entries(lock.packages)
      .filter(([key, entry]) => key.startsWith(`node_modules/${prefix}`) && entry.optional && entry.os)
      .map(([, entry]) => `${entry.os!.join('+')}-${entry.cpu?.join('+')}`);
    for (const prefix of ['@duckdb/node-bindings-', '@esbuild/']) {
      expect(platforms(prefix), prefix).toEqual(expect.arrayContaining(['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64', 'win32-x64']));
    }
  });

  it('is refused, naming the package, when the lockfile lacks another platform\'s binary (the control)', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
    const missing = 'node_modules/@duckdb/node-bindings-darwin-arm64';
    expect(lock.packages[missing], `${missing} is in the committed lockfile`).toBeDefined();
    const version = lock.packages[missing].version;
    delete lock.packages[missing];
    const result = npmCiDryRun(JSON.stringify(lock, null, 2));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`Missing: @duckdb/node-bindings-darwin-arm64@${version} from lock file`);
  }, 120_000);
});

describe('every documented and automated install uses npm ci', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const between = (marker: string) => {
    const section = new RegExp(`<!-- ${marker} -->([\\s\\S]*?)<!-- /${marker} -->`).exec(readme)?.[1];
    if (!section) throw new Error(`README.md has no <!-- ${marker} --> section.`);
    return section.replace(/```\w*/g, '').trim();
  };

  it('the quick start and the test command', () => {
    expect(between('quick-start')).toMatch(/^npm ci && /);
    expect(between('test-command')).toMatch(/^npm ci && /);
  });

  it('.ci/run, which runs the README\'s test command', () => {
    const script = fs.readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8');
    expect(script).toContain(`test_command='${between('test-command')}'`);
    expect(script).not.toMatch(/npm install/);
  });

  it('every workflow job that installs dependencies', () => {
    const dir = path.join(REPO_ROOT, '.github', 'workflows');
    const installs: string[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
      const workflow = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { jobs: Record<string, { steps?: Array<{ run?: string }> }> };
      for (const [job, { steps = [] }] of Object.entries(workflow.jobs)) {
        for (const run of steps.map((s) => s.run).filter((r): r is string => r !== undefined && /\bnpm (install|ci|i)\b/.test(r))) {
          installs.push(`${file} ${job}: ${run}`);
        }
      }
    }
    expect(installs.length).toBeGreaterThan(0);
    expect(installs.filter((line) => !/: npm ci\b/.test(line))).toEqual([]);
  });
});
