import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

describe('clickstream kpis --target aws', () => {
  it('names every missing or invalid input before any AWS call', async () => {
    const result = await runCli(['kpis', '--target', 'aws', '--from-date', '2026-11-01', '--to-date', '2026-11-05'], { AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--scripts-version: set the published scripts version');
    expect(result.stderr).toContain('--region: set --region (or AWS_REGION');
  }, 60_000);

  it('refuses a window that ends before it starts, or a window with --all, as the local target does', async () => {
    // The window is parsed once, where the command line is read, for both targets.
    const backwards = await runCli(['kpis', '--target', 'aws', '--from-date', '2026-11-05', '--to-date', '2026-11-01'], { AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain('--from-date (2026-11-05) is after --to-date (2026-11-01)');
    const both = await runCli(['kpis', '--target', 'aws', '--from-date', '2026-11-01', '--to-date', '2026-11-05', '--all']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--all recomputes every day and a window recomputes its days');
  }, 60_000);

  it('refuses a scripts version that is not one path segment', async () => {
    const result = await runCli(['kpis', '--target', 'aws', '--region', 'eu-west-1', '--account-id', '123456789012', '--scripts-version', 'a/b']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('scripts-version must be a git sha or content hash');
  }, 60_000);
});
