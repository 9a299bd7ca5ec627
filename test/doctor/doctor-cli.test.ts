import { describe, expect, it } from 'vitest';
import { DoctorReport } from '../../src/doctor/check';
import { parseJsonOutput, runCli } from '../support/cli';

// Unset (the child's environment ignores undefined values), so the machine's settings do not leak in.
const NO_REGION = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, CLICKSTREAM_TARGET: undefined, CLICKSTREAM_ENV: undefined };

describe('clickstream doctor (the command)', () => {
  it('--target aws with a malformed region: the report as JSON and exit code 1', async () => {
    const result = await runCli(['doctor', '--target', 'aws', '--environment', 'staging', '--region', 'europe', '--json'], NO_REGION);
    expect(result.code).toBe(1);
    const report = parseJsonOutput<DoctorReport>(result);
    expect(report).toMatchObject({ target: 'aws', environment: 'staging', ok: false, failed: 1, passed: 0, skipped: 9 });
    expect(report.checks[0]).toEqual({ name: 'region', status: 'fail', detail: '"europe" (from --region) is not a region name: use one such as eu-west-1' });
  });

  it('prints one line per check and a summary, and its exit code follows the result', async () => {
    const result = await runCli(['doctor', '--target', 'aws'], NO_REGION);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('clickstream doctor: target aws, environment dev');
    expect(lines[1]).toMatch(/^ {2}region +\[FAIL\] no region: set AWS_REGION \(or pass --region\)/);
    expect(lines.slice(2, -1).every((line) => / \[SKIP\] needs /.test(line))).toBe(true);
    expect(lines.at(-1)).toBe('1 of 10 checks failed, 9 skipped: fix the [FAIL] lines and run `clickstream doctor` again.');
  });

  it('locally, exits 0 exactly when every check passed', async () => {
    const result = await runCli(['doctor', '--json'], { CLICKSTREAM_TARGET: undefined, CLICKSTREAM_ENV: undefined });
    const report = parseJsonOutput<DoctorReport>(result);
    expect(report.checks.map((c) => c.name)).toEqual(['toolchain', 'setup', 'stack', 'ports', 'disk space']);
    expect(result.code).toBe(report.ok ? 0 : 1);
  });

  it('--help explains the checks', async () => {
    const result = await runCli(['doctor', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: clickstream doctor [options]');
    expect(result.stdout).toContain('for-use-with-amazon-emr-managed-policies=true');
    expect(result.stdout).toContain('exits 1 when a check fails');
  });
});
