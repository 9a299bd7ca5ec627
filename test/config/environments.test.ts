import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { ENVIRONMENTS, glueDatabaseName, isPreviewEnvironment, parseEnvironmentName, previewEnvironment, previewNamePatterns, resourceNames } from '../../src/config/names';
import { stackConcernsOf, stackName } from '../../src/config/stack-outputs';
import { stringLike } from '../contract/evaluator';
import { runCli } from '../support/cli';

describe('environment names', () => {
  it('are the standing ones and a pull request\'s preview pr-<number>, and nothing else', () => {
    expect(ENVIRONMENTS.map(parseEnvironmentName)).toEqual(['local', 'dev', 'staging', 'prod']);
    expect(['pr-1', 'pr-42', 'pr-999999999'].map(parseEnvironmentName)).toEqual(['pr-1', 'pr-42', 'pr-999999999']);
    for (const name of ['pr-0', 'pr-01', 'pr-', 'pr-1234567890', 'PR-4', 'pr-4a', 'qa', 'preview']) {
      expect(isPreviewEnvironment(name), name).toBe(false);
      expect(() => parseEnvironmentName(name), name).toThrow(`Unknown environment "${name}": use local, dev, staging, prod or a pull request's preview pr-<number> (e.g. pr-42).`);
    }
    expect(previewEnvironment(42)).toBe('pr-42');
    expect(() => previewEnvironment(0)).toThrow('A pull request number is a whole number from 1 to 999999999, got 0.');
  });

  it('give a preview names of its own, within the services\' limits', () => {
    const names = resourceNames(previewEnvironment(999_999_999), '123456789012');
    expect(names.glueDatabase).toBe('analytics_pr_999999999');
    // S3 bucket names are at most 63 characters.
    for (const bucket of [names.bronzeBucket, names.warehouseBucket, names.scriptsBucket, names.logsBucket, names.athenaResultsBucket]) {
      expect(bucket.length, bucket).toBeLessThanOrEqual(63);
    }
    expect(stackConcernsOf('pr-7').map((c) => stackName('pr-7', c))).toEqual(['storage', 'catalog', 'ingestion', 'compute', 'query'].map((c) => `clickstream-pr-7-${c}`));
    expect(stackConcernsOf('preview').map((c) => stackName('preview', c))).toEqual(['clickstream-preview-ci']);
  });

  it('have patterns that match every preview\'s names and no standing environment\'s', () => {
    const patterns = previewNamePatterns('123456789012');
    for (const key of ['streamName', 'bronzeBucket', 'warehouseBucket', 'glueDatabase', 'athenaWorkgroup'] as const) {
      expect(stringLike(patterns[key], resourceNames('pr-7', '123456789012')[key]), key).toBe(true);
      expect(stringLike(patterns[key], resourceNames('pr-123456', '123456789012')[key]), key).toBe(true);
      for (const standing of ENVIRONMENTS) expect(stringLike(patterns[key], resourceNames(standing, '123456789012')[key]), `${key} ${standing}`).toBe(false);
    }
  });

  it('never share a database on one embedded stack: prod (whose database is the local one\'s) is refused locally, local on aws', () => {
    const local = ['local', 'dev', 'staging', 'pr-1', 'pr-2'].map((environment) => loadConfig({ target: 'local', environment }).names.glueDatabase);
    expect(new Set(local).size).toBe(local.length);
    expect(glueDatabaseName('prod')).toBe(glueDatabaseName('local'));
    expect(() => loadConfig({ target: 'local', environment: 'prod' })).toThrow('The local target has no prod environment');
    expect(() => loadConfig({ target: 'aws', environment: 'local' })).toThrow('The environment "local" is the embedded stack\'s');
    // Set by the variable, the message says where it came from; an explicit environment wins over it.
    expect(() => loadConfig({ target: 'local' }, { CLICKSTREAM_ENV: 'prod' })).toThrow('(The environment came from CLICKSTREAM_ENV=prod.)');
    expect(loadConfig({ target: 'local', environment: 'local' }, { CLICKSTREAM_ENV: 'prod' }).environment).toBe('local');
  });
});

/** The shared --target/--environment of the command line: refused while the command line is read, before anything starts. */
describe('--target and --environment', () => {
  // A state folder with no stack: a command that got past its options would say the stack is not running.
  const env = { CLICKSTREAM_STATE_DIR: '/nonexistent/clickstream-state' };

  it.each(['replay', 'land', 'kpis', 'validate', 'publish', 'run', 'up'])('%s refuses an unknown environment while reading its options', async (command) => {
    const result = await runCli([command, '--environment', 'qa'], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Unknown environment "qa": use local, dev, staging, prod or a pull request\'s preview pr-<number> (e.g. pr-42).');
  });

  it('takes CLICKSTREAM_ENV, and refuses prod on the local target before starting anything', async () => {
    const result = await runCli(['run', '--records', '10'], { ...env, CLICKSTREAM_ENV: 'prod' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('The local target has no prod environment');
    expect(result.stderr).not.toContain('stack:');
  });

  it('destroy needs the environment on the command line, and removes only previews on AWS', async () => {
    const bare = await runCli(['destroy'], { ...env, CLICKSTREAM_ENV: 'pr-7' });
    expect(bare.stderr).toContain('Name the environment to destroy with --environment <name> (e.g. --environment pr-7); nothing is destroyed by default.');
    const staging = await runCli(['destroy', '--target', 'aws', '--environment', 'staging'], env);
    expect(staging.stderr).toContain('destroy --target aws removes a pull request\'s preview (pr-<number>) only, not "staging"');
  });
});
