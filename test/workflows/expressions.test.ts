import { describe, expect, it } from 'vitest';
import { condition, evaluate, interpolate } from './expressions';

const context = (inputs: Record<string, unknown>, github: Record<string, unknown> = {}) => ({
  contexts: { inputs, github: { event_name: 'schedule', ...github }, needs: { 'deploy-staging': { result: 'success' } } } as never,
});

describe('GitHub expressions', () => {
  it("`||` gives its first truthy operand: a scheduled run's empty inputs fall back, a dispatch's choice wins", () => {
    expect(interpolate("${{ inputs.environment || 'prod' }}", context({}))).toBe('prod');
    expect(interpolate("${{ inputs.environment || 'prod' }}", context({ environment: 'staging' }))).toBe('staging');
    expect(interpolate("kpis-${{ inputs.environment || 'prod' }}", context({ environment: 'dev' }))).toBe('kpis-dev');
  });

  it("`&&` then `||` picks a value by a condition, and '' is falsy", () => {
    expect(interpolate("${{ inputs.replay_into_prod && 'true' || 'false' }}", context({ replay_into_prod: true }))).toBe('true');
    expect(interpolate("${{ inputs.replay_into_prod && 'true' || 'false' }}", context({ replay_into_prod: false }))).toBe('false');
    expect(interpolate("${{ inputs.replay_into_prod && 'true' || 'false' }}", context({}))).toBe('false');
    expect(evaluate("'' || 0 || null", context({}))).toBe(null);
  });

  it('compares strings ignoring case and reads hyphenated property names, * filters and functions', () => {
    expect(condition("github.event_name == 'SCHEDULE'", context({}))).toBe(true);
    expect(condition("needs.deploy-staging.result == 'success' && !cancelled()", context({}))).toBe(true);
    const labels = { pull_request: { labels: [{ name: 'docs' }, { name: 'run-emr' }] } };
    expect(condition("contains(github.event.pull_request.labels.*.name, 'run-emr')", context({}, { event: labels }))).toBe(true);
    expect(condition("contains(github.event.pull_request.labels.*.name, 'run')", context({}, { event: labels }))).toBe(false);
    expect(interpolate("${{ format('{0}-{1}', 'kpis', inputs.environment) }}", context({ environment: 'dev' }))).toBe('kpis-dev');
  });

  it('refuses what it cannot evaluate', () => {
    expect(() => evaluate('hashFiles(\'**/x\')', context({}))).toThrow('does not implement hashFiles()');
    expect(() => evaluate('secrets.TOKEN', context({}))).toThrow('Unknown context secrets');
    expect(() => evaluate("'unterminated", context({}))).toThrow('Unterminated string');
  });
});
