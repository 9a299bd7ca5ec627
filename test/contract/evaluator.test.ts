import { describe, expect, it } from 'vitest';
import { PolicyDocument, evaluate, stringLike, trustAllows } from './evaluator';

const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const ROLE = 'arn:aws:iam::123456789012:role/run';
const SUB = 'token.actions.githubusercontent.com:sub';
const AUD = 'token.actions.githubusercontent.com:aud';
const ASSUME = 'sts:AssumeRoleWithWebIdentity';

const trust = (condition: Record<string, Record<string, string | string[]>>, extra: PolicyDocument['Statement'] = []): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ASSUME, Principal: { Federated: PROVIDER }, Condition: condition }, ...extra],
});
const admits = (policy: PolicyDocument, claims: Record<string, string>, provider = PROVIDER, action = ASSUME) =>
  trustAllows(policy, provider, action, claims, ROLE);

/** The evaluator answers as the IAM User Guide says IAM does, and each case can fail. */
describe('the IAM policy evaluator', () => {
  it('StringLike: * spans any run of characters (none included), ? exactly one, case-sensitive, regex characters literal', () => {
    expect(stringLike('repo:o/r:*', 'repo:o/r:environment:prod')).toBe(true);
    expect(stringLike('repo:o/r:*', 'repo:o/r:')).toBe(true);
    expect(stringLike('repo:o/r:*', 'repo:o/rr:pull_request')).toBe(false);
    expect(stringLike('spark/????/*', 'spark/abcd/x.py')).toBe(true);
    expect(stringLike('spark/????/*', 'spark/abc/x.py')).toBe(false);
    expect(stringLike('repo:O/R:*', 'repo:o/r:x')).toBe(false);
    expect(stringLike('repo:o/r.x:(a)', 'repo:o/rax:(a)')).toBe(false);
    expect(stringLike('repo:o/r.x:(a)', 'repo:o/r.x:(a)')).toBe(true);
  });

  it('StringEquals is exact and case-sensitive; several values are ORed, several keys ANDed', () => {
    const policy = trust({ StringEquals: { [SUB]: ['repo:o/r:environment:dev', 'repo:o/r:environment:staging'], [AUD]: 'sts.amazonaws.com' } });
    expect(admits(policy, { [SUB]: 'repo:o/r:environment:staging', [AUD]: 'sts.amazonaws.com' })).toBe(true);
    expect(admits(policy, { [SUB]: 'repo:o/r:environment:Staging', [AUD]: 'sts.amazonaws.com' })).toBe(false);
    expect(admits(policy, { [SUB]: 'repo:o/r:environment:*', [AUD]: 'sts.amazonaws.com' })).toBe(false);
    expect(admits(policy, { [SUB]: 'repo:o/r:environment:dev', [AUD]: 'https://github.com/o' })).toBe(false);
  });

  it('a key missing from the request fails a condition, except a negated one', () => {
    expect(admits(trust({ StringEquals: { [SUB]: 'a' } }), {})).toBe(false);
    expect(admits(trust({ StringNotEquals: { [SUB]: 'a' } }), {})).toBe(true);
    expect(admits(trust({ StringNotLike: { [SUB]: ['repo:o/r:pull_request', 'repo:o/r:ref:*'] } }), { [SUB]: 'repo:o/r:ref:refs/heads/x' })).toBe(false);
  });

  it('admits only the trusted provider and action; a matching Deny wins', () => {
    const policy = trust({ StringEquals: { [SUB]: 'repo:o/r:environment:prod', [AUD]: 'sts.amazonaws.com' } });
    const claims = { [SUB]: 'repo:o/r:environment:prod', [AUD]: 'sts.amazonaws.com' };
    expect(admits(policy, claims)).toBe(true);
    expect(admits(policy, claims, 'arn:aws:iam::123456789012:oidc-provider/other.example.com')).toBe(false);
    expect(admits(policy, claims, PROVIDER, 'sts:AssumeRole')).toBe(false);
    const denied = trust({ StringEquals: { [SUB]: 'repo:o/r:environment:prod' } },
      [{ Effect: 'Deny', Action: 'sts:*', Principal: { Federated: PROVIDER }, Condition: { StringLike: { [SUB]: '*:environment:prod' } } }]);
    expect(admits(denied, claims)).toBe(false);
  });

  it('names the statement and the condition that did not match', async () => {
    const policy = { name: 'EmrService', document: { Version: '2012-10-17', Statement: [{ Sid: 'TagOnCreate', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*:*:instance/*', Condition: { StringEquals: { 'aws:RequestTag/for-use-with-amazon-emr-managed-policies': 'true' } } }] } };
    const request = { principal: 'arn:aws:iam::123456789012:role/emr', action: 'ec2:RunInstances', resource: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0000000000000000', context: {} };
    const denied = await evaluate(request, [policy]);
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toContain('EmrService/TagOnCreate: condition StringEquals aws:RequestTag/for-use-with-amazon-emr-managed-policies "true" (key missing from the request)');
    expect((await evaluate({ ...request, context: { 'aws:RequestTag/for-use-with-amazon-emr-managed-policies': 'true' } }, [policy])).allowed).toBe(true);
  });

  it('refuses what it cannot evaluate: an unknown action, a condition key the action does not take, a resource pattern', async () => {
    const request = { principal: 'arn:aws:iam::123456789012:role/r', action: 'kinesis:PutRecords', resource: 'arn:aws:kinesis:eu-west-1:123456789012:stream/s', context: {} };
    await expect(evaluate({ ...request, action: 'kinesis:PutRecordz' }, [])).rejects.toThrow('refuses kinesis:PutRecordz');
    await expect(evaluate({ ...request, context: { 'ec2:CreateAction': 'RunInstances' } }, [])).rejects.toThrow('takes no condition key ec2:CreateAction');
    await expect(evaluate({ ...request, resource: 'arn:aws:kinesis:eu-west-1:123456789012:stream/*' }, [])).rejects.toThrow('name one resource');
  });
});
