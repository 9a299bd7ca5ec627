import { Aspects, IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { IConstruct } from 'constructs';

/** A reviewed wildcard: the IAM5 finding it covers (exact text or pattern) and why it is needed. */
export interface WildcardJustification {
  readonly finding: string | RegExp;
  readonly reason: string;
}

/**
 * Acknowledges AwsSolutions-IAM5 findings of every IAM policy under `scope` that a
 * justification covers. Findings are computed the way cdk-nag names them, after all grants
 * are in, so a wildcard nobody reviewed still fails synthesis.
 */
export function acknowledgeWildcards(scope: IConstruct, justifications: readonly WildcardJustification[]): void {
  Aspects.of(scope).add(new AcknowledgeWildcards(justifications));
}

/** The IAM5 finding of the objects of a bucket under a prefix (`Resource::arn:...:bucket/prefix*`). */
export function bucketObjectsFinding(bucket: s3.IBucket, keyPattern = '*'): string {
  return `Resource::${flattenCfnReference(Stack.of(bucket).resolve(bucket.arnForObjects(keyPattern)))}`;
}

/** The IAM5 finding of an ARN built in a stack. */
export function arnFinding(stack: Stack, arn: string): string {
  return `Resource::${flattenCfnReference(stack.resolve(arn))}`;
}

/** Finding ids of the s3 action wildcards aws-cdk-lib's bucket grants use. */
export const S3_GRANT_ACTIONS = /^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*$/;

class AcknowledgeWildcards implements IAspect {
  constructor(private readonly justifications: readonly WildcardJustification[]) {}

  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: Array<Record<string, unknown>> };
    for (const finding of wildcardFindings(document)) {
      const justification = this.justifications.find((j) => (typeof j.finding === 'string' ? j.finding === finding : j.finding.test(finding)));
      if (justification) Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: justification.reason });
    }
  }
}

function wildcardFindings(document: { Statement?: Array<Record<string, unknown>> }): string[] {
  const findings = new Set<string>();
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of list(statement.Action)) {
      if (typeof action === 'string' && action.includes('*')) findings.add(`Action::${action}`);
    }
    for (const resource of list(statement.Resource)) {
      const flat = flattenCfnReference(resource);
      if (flat.includes('*')) findings.add(`Resource::${flat}`);
    }
  }
  return [...findings];
}
