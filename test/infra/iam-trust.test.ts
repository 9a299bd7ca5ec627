import { describe, expect, it } from 'vitest';
import { PolicyDocument, conditionHolds, stringLike, trustAdmits } from './iam-trust';

const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const SUB = 'token.actions.githubusercontent.com:sub';
const AUD = 'token.actions.githubusercontent.com:aud';

const request = (claims: Record<string, string>, provider = PROVIDER) => ({
  isProvider: (federated: unknown) => federated === provider,
  action: 'sts:AssumeRoleWithWebIdentity',
  context: claims,
});

const allow = (condition: Record<string, Record<string, string | string[]>>): PolicyDocument => ({
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: PROVIDER }, Condition: condition }],
});

/** The IAM User Guide's semantics, each shown to fail where IAM would refuse. */
describe('the IAM trust evaluator', () => {
  it('StringLike: * spans any run of characters (none included), ? exactly one, case-sensitive', () => {
    expect(stringLike('repo:o/r:*', 'repo:o/r:environment:prod')).toBe(true);
    expect(stringLike('repo:o/r:*', 'repo:o/r:')).toBe(true);
    expect(stringLike('repo:o/r:*', 'repo:o/rr:pull_request')).toBe(false);
    expect(stringLike('spark/????/*', 'spark/abcd/x.py')).toBe(true);
    expect(stringLike('spark/????/*', 'spark/abc/x.py')).toBe(false);
    expect(stringLike('spark/????/*', 'spark/abcde/x.py')).toBe(false);
    expect(stringLike('repo:O/R:*', 'repo:o/r:x')).toBe(false);
    // Regex characters are literal.
    expect(stringLike('repo:o/r.x:(a)', 'repo:o/rax:(a)')).toBe(false);
    expect(stringLike('repo:o/r.x:(a)', 'repo:o/r.x:(a)')).toBe(true);
  });

  it('StringEquals is exact and case-sensitive; several values are ORed', () => {
    const condition = { StringEquals: { [SUB]: ['repo:o/r:environment:dev', 'repo:o/r:environment:staging'] } };
    expect(conditionHolds(condition, { [SUB]: 'repo:o/r:environment:staging' })).toBe(true);
    expect(conditionHolds(condition, { [SUB]: 'repo:o/r:environment:Staging' })).toBe(false);
    expect(conditionHolds(condition, { [SUB]: 'repo:o/r:environment:*' })).toBe(false);
  });

  it('several keys, and several operators, are ANDed', () => {
    const keys = { StringEquals: { [SUB]: 'repo:o/r:environment:dev', [AUD]: 'sts.amazonaws.com' } };
    expect(conditionHolds(keys, { [SUB]: 'repo:o/r:environment:dev', [AUD]: 'sts.amazonaws.com' })).toBe(true);
    expect(conditionHolds(keys, { [SUB]: 'repo:o/r:environment:dev', [AUD]: 'https://github.com/o' })).toBe(false);
    const operators = { StringEquals: { [AUD]: 'sts.amazonaws.com' }, StringLike: { [SUB]: 'repo:o/r:*' } };
    expect(conditionHolds(operators, { [SUB]: 'repo:o/r:pull_request', [AUD]: 'sts.amazonaws.com' })).toBe(true);
    expect(conditionHolds(operators, { [SUB]: 'repo:x/r:pull_request', [AUD]: 'sts.amazonaws.com' })).toBe(false);
  });

  it('a key missing from the request fails a condition, except a negated one; key names ignore case', () => {
    expect(conditionHolds({ StringEquals: { [SUB]: 'a' } }, {})).toBe(false);
    expect(conditionHolds({ StringNotEquals: { [SUB]: 'a' } }, {})).toBe(true);
    expect(conditionHolds({ StringNotLike: { [SUB]: ['repo:o/r:pull_request', 'repo:o/r:ref:*'] } }, { [SUB]: 'repo:o/r:ref:refs/heads/x' })).toBe(false);
    expect(conditionHolds({ StringEquals: { 'Token.Actions.GitHubUserContent.com:Sub': 'a' } }, { [SUB]: 'a' })).toBe(true);
  });

  it('throws on an operator it does not implement instead of guessing', () => {
    expect(() => conditionHolds({ 'ForAnyValue:StringLike': { [SUB]: '*' } }, { [SUB]: 'x' })).toThrow('does not implement condition operator ForAnyValue:StringLike');
  });

  it('admits only through an Allow whose principal, action and conditions match; a matching Deny wins', () => {
    const policy = allow({ StringEquals: { [SUB]: 'repo:o/r:environment:prod', [AUD]: 'sts.amazonaws.com' } });
    const claims = { [SUB]: 'repo:o/r:environment:prod', [AUD]: 'sts.amazonaws.com' };
    expect(trustAdmits(policy, request(claims))).toBe(true);
    expect(trustAdmits(policy, request(claims, 'arn:aws:iam::123456789012:oidc-provider/other.example.com'))).toBe(false);
    expect(trustAdmits(policy, { ...request(claims), action: 'sts:AssumeRole' })).toBe(false);
    const denied: PolicyDocument = {
      Statement: [...policy.Statement, { Effect: 'Deny', Action: 'sts:*', Principal: { Federated: PROVIDER }, Condition: { StringLike: { [SUB]: '*:environment:prod' } } }],
    };
    expect(trustAdmits(denied, request(claims))).toBe(false);
  });
});
