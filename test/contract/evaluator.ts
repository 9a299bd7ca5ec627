import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';

/**
 * The one IAM policy evaluator of the tests: @cloud-copilot/iam-simulate (AGPL-3.0, a test-only
 * dependency), which implements the IAM User Guide's "Policy evaluation logic" with every condition
 * operator, and checks each action, resource ARN and condition key against the Service
 * Authorization Reference's tables (its iam-data package): an action we name wrongly, an ARN of a
 * resource type the action does not take, or a condition key the action does not have is an
 * error here, not a silent mismatch.
 */

/** An IAM policy document, as IAM and CloudFormation take it. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** A policy of a role, named as a denial names it (the synthesized policy's logical id, or the managed policy's name). */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

/** One request as IAM authorizes it: who, which action on which resource, with which condition keys. */
export interface IamRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export interface Decision {
  readonly allowed: boolean;
  /** Why not: each statement that names the action, and what of it did not match. */
  readonly reason: string;
}

const ACCOUNT_OF_ARN = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/;

/** Statement explanations, in words: `<policy>/<Sid>: condition StringEquals aws:RequestTag/x (missing)`. */
function explain(analysis: Record<string, unknown> | undefined, policies: readonly NamedPolicy[]): string {
  type Value = { value: string };
  type Condition = { operator: string; conditionKeyValue: string; matches: boolean; failedBecauseMissing?: boolean; values: Value | Value[] };
  type Explain = { effect: string; identifier?: string; actionMatch: boolean; resourceMatch: boolean; conditions?: Condition[] };
  type Analyzed = { explain: Explain; policyId?: string; statement?: { Sid?: string } };
  type Analysis = { denyStatements?: Analyzed[]; unmatchedStatements?: Analyzed[] };
  const parts: string[] = [];
  for (const side of ['identityAnalysis', 'resourceAnalysis'] as const) {
    const a = analysis?.[side] as Analysis | undefined;
    for (const s of [...(a?.denyStatements ?? []), ...(a?.unmatchedStatements ?? [])]) {
      const e = s.explain;
      if (!e.actionMatch) continue;
      const sid = s.statement?.Sid ?? e.identifier;
      const policy = s.policyId ?? (side === 'resourceAnalysis' ? 'resource policy' : policies.length === 1 ? policies[0].name : 'identity policy');
      const why = !e.resourceMatch
        ? 'resource does not match'
        : (e.conditions ?? []).filter((c) => !c.matches)
          .map((c) => {
            const values = JSON.stringify(Array.isArray(c.values) ? c.values.map((v) => v.value) : c.values.value);
            return `condition ${c.operator} ${c.conditionKeyValue} ${values}${c.failedBecauseMissing ? ' (key missing from the request)' : ' (value differs)'}`;
          })
          .join(', ');
      parts.push(`${e.effect} ${policy}/${sid}: ${why || 'matches'}`);
    }
  }
  return parts.length > 0 ? parts.join('; ') : 'no statement names this action';
}

/**
 * Whether IAM allows the request with these identity policies (and the resource's policy, if any).
 * Throws when the evaluator refuses the input (an action or ARN the Service Authorization Reference
 * does not know) or would ignore a condition key we send (a key the action does not take), because
 * a contract that passes on a request it did not really evaluate proves nothing.
 */
export async function evaluate(
  request: IamRequest, identityPolicies: readonly NamedPolicy[], resourcePolicy?: PolicyDocument,
): Promise<Decision> {
  const resourceAccount = ACCOUNT_OF_ARN.exec(request.resource)?.[1] ?? ACCOUNT_OF_ARN.exec(request.principal)?.[1];
  if (!resourceAccount) throw new Error(`No account in ${request.resource} or ${request.principal}.`);
  const response = await runSimulation({
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount },
      contextVariables: Object.fromEntries(Object.entries(request.context).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]])),
    },
    identityPolicies: identityPolicies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  }, {});
  if (response.resultType === 'error') {
    throw new Error(`The evaluator refuses ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType !== 'single') {
    throw new Error(`${request.action} on ${request.resource}: name one resource (a generated id stands for one not created yet), not a pattern.`);
  }
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    throw new Error(`${request.action} takes no condition key ${ignored.join(', ')} (Service Authorization Reference): fix the request mapping.`);
  }
  const allowed = response.overallResult === 'Allowed';
  return { allowed, reason: allowed ? '' : explain(response.result.analysis as unknown as Record<string, unknown>, identityPolicies) };
}

/**
 * Whether a role's trust policy lets `principal` (e.g. the account's GitHub OIDC provider) take
 * `action` with these condition keys. Evaluated without the key check of {@link evaluate}: the
 * Service Authorization Reference's STS table does not list the OIDC provider's `aud` and `sub`
 * keys, which the IAM User Guide ("Available keys for AWS OIDC federation") documents as the keys
 * a web identity trust policy conditions on.
 */
export function trustAllows(
  trust: PolicyDocument, principal: string, action: string, context: Readonly<Record<string, string>>, roleArn: string,
): boolean {
  const account = ACCOUNT_OF_ARN.exec(roleArn)?.[1];
  if (!account) throw new Error(`No account in ${roleArn}.`);
  return runUnsafeSimulation({
    request: { principal, action, resource: { resource: roleArn, accountId: account }, contextVariables: { ...context } },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    // iam-policy's ValidatedPolicy shape: the unsafe entry point names a resource policy only from its metadata.
    resourcePolicy: { __validated: true, policyDocument: trust, metadata: { name: 'trust policy' }, errors: [] },
  }, {}) === 'Allowed';
}

const PATTERN_KEY = 'test:value';

/**
 * IAM's StringLike, from the evaluator (`*` any run of characters, `?` exactly one, case-sensitive:
 * IAM User Guide, "IAM JSON policy elements: Condition operators").
 */
export function stringLike(pattern: string, value: string): boolean {
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringLike: { [PATTERN_KEY]: pattern } } }] };
  return runUnsafeSimulation({
    request: {
      principal: 'arn:aws:iam::123456789012:role/pattern',
      action: 's3:GetObject',
      resource: { resource: 'arn:aws:s3:::pattern/key', accountId: '123456789012' },
      contextVariables: { [PATTERN_KEY]: value },
    },
    identityPolicies: [{ name: 'pattern', policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {}) === 'Allowed';
}
