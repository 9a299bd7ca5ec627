import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { NamedPolicy, PolicyDocument } from './evaluator';
import { Subnet } from './on-behalf';
import { ACCOUNT, REGION, synthesize } from '../infra/support';
import { previewCiTemplate } from '../workflows/trust-contract';

type Resource = { readonly Type: string; readonly Properties?: Record<string, unknown> };
type Output = { readonly Value: unknown; readonly Export?: { readonly Name: unknown } };
type CfnTemplate = { readonly Resources: Record<string, Resource>; readonly Outputs?: Record<string, Output> };

/** A role of the contract, as the synthesized app defines it. */
export interface ContractRole {
  readonly arn: string;
  readonly policies: readonly NamedPolicy[];
  /** Tags of the role, as `aws:PrincipalTag/<key>` would see them. */
  readonly tags: Readonly<Record<string, string>>;
  /** Its trust policy, resolved. */
  readonly trust: PolicyDocument;
}

/** The roles whose requests the contract evaluates: the GitHub roles, and the ones AWS services act with. */
export type RoleName =
  | 'deploy' | 'run' | 'preview-deploy' | 'preview-run' | 'teardown'
  | 'emr-service' | 'emr-instance' | 'firehose-source' | 'firehose-destination' | 'emr-security-groups'
  | 'serverless-run' | 'serverless-execution';

/** The environment whose compute is EMR Serverless in the contract's templates (dev's is EMR clusters). */
export const SERVERLESS_ENVIRONMENT = 'staging';

/** Stack keys of the serverless environment's templates: `serverless/<concern>`. */
const SERVERLESS = 'serverless/';

/** Where each role is: stack and logical id prefix (CDK appends a hash). */
const ROLE_IDS: Readonly<Record<RoleName, readonly [string, string]>> = {
  'deploy': ['ci', 'DeployRole'],
  'run': ['ci', 'RunRole'],
  'preview-deploy': ['preview-ci', 'DeployRole'],
  'preview-run': ['preview-ci', 'RunRole'],
  'teardown': ['preview-ci', 'TeardownRole'],
  'emr-service': ['compute', 'ServiceRole'],
  'emr-instance': ['compute', 'InstanceRole'],
  'firehose-source': ['ingestion', 'BronzeDeliveryServiceRole'],
  'firehose-destination': ['ingestion', 'BronzeDeliveryS3DestinationRole'],
  // The handler that deletes EMR's security groups with the cluster VPC (infra/constructs/emr-security-groups.ts).
  'emr-security-groups': ['compute', 'CustomEmrSecurityGroupsCustomResourceProviderRole'],
  // The serverless environment's run role, and the role its EMR Serverless job runs run as.
  'serverless-run': [`${SERVERLESS}ci`, 'RunRole'],
  'serverless-execution': [`${SERVERLESS}compute`, 'ServerlessExecutionRole'],
};

const MANAGED_POLICIES = path.join(__dirname, '..', 'fixtures', 'aws-managed-policies');

/** An AWS managed policy, vendored (test/fixtures/aws-managed-policies/<name>.json names its page and version). */
export function managedPolicy(arn: string): NamedPolicy {
  const name = arn.split('/').pop()!;
  const file = path.join(MANAGED_POLICIES, `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`A role attaches ${arn}: vendor it as ${path.relative(process.cwd(), file)} (AWS Managed Policy Reference page and version).`);
  const fixture = JSON.parse(fs.readFileSync(file, 'utf8')) as { document: PolicyDocument };
  return { name, document: fixture.document };
}

/**
 * CloudFormation's intrinsic functions as they resolve in the test account: pseudo parameters,
 * Fn::Join, Fn::ImportValue (through the other stacks' exports), and Ref/Fn::GetAtt of the resources
 * whose names or ARNs the policies use. Anything else throws, so no policy is evaluated half-resolved.
 */
export class TemplateResolver {
  constructor(private readonly templates: Readonly<Record<string, CfnTemplate>>) {}

  resolve(value: unknown, stack: string): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, stack));
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.intrinsic(keys[0], object[keys[0]], stack);
    return Object.fromEntries(keys.map((k) => [k, this.resolve(object[k], stack)]));
  }

  private intrinsic(name: string, argument: unknown, stack: string): string {
    switch (name) {
      case 'Ref':
        return this.ref(argument as string, stack);
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return parts.map((p) => String(this.resolve(p, stack))).join(separator);
      }
      case 'Fn::Sub':
        return String(argument).replace(/\$\{([^}]+)\}/g, (_, variable: string) => {
          if (!variable.startsWith('AWS::')) throw new Error(`Fn::Sub of \${${variable}} is not resolved by the contract.`);
          return this.ref(variable, stack);
        });
      case 'Fn::GetAtt': {
        const [id, attribute] = argument as [string, string];
        if (attribute !== 'Arn') throw new Error(`Fn::GetAtt ${id}.${attribute} is not resolved by the contract.`);
        return this.arn(id, stack);
      }
      case 'Fn::ImportValue': {
        const exportName = this.resolve(argument, stack);
        for (const [other, template] of Object.entries(this.templates)) {
          for (const output of Object.values(template.Outputs ?? {})) {
            if (output.Export && this.resolve(output.Export.Name, other) === exportName) return String(this.resolve(output.Value, other));
          }
        }
        throw new Error(`No stack exports ${String(exportName)}.`);
      }
      default:
        throw new Error(`${name} is not resolved by the contract.`);
    }
  }

  private resource(id: string, stack: string): Resource {
    const resource = this.templates[stack]?.Resources[id];
    if (!resource) throw new Error(`No resource ${id} in stack ${stack}.`);
    return resource;
  }

  private ref(id: string, stack: string): string {
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::URLSuffix': 'amazonaws.com' };
    if (pseudo[id]) return pseudo[id];
    const { Type, Properties: p = {} } = this.resource(id, stack);
    const named: Record<string, () => unknown> = {
      'AWS::IAM::Role': () => p.RoleName ?? id,
      'AWS::S3::Bucket': () => p.BucketName,
      'AWS::Kinesis::Stream': () => p.Name,
      'AWS::Glue::Database': () => (p.DatabaseInput as { Name: unknown }).Name,
      'AWS::Glue::Table': () => (p.TableInput as { Name: unknown }).Name,
      'AWS::Logs::LogGroup': () => p.LogGroupName,
      // Subnet and VPC ids as EC2 makes them (17 hexadecimal characters), derived from the logical id.
      'AWS::EC2::Subnet': () => `subnet-${createHash('sha256').update(id).digest('hex').slice(0, 17)}`,
      'AWS::EC2::VPC': () => `vpc-${createHash('sha256').update(id).digest('hex').slice(0, 17)}`,
      // Ref of an OIDC provider is its ARN (the GitHub roles' trust policies name it).
      'AWS::IAM::OIDCProvider': () => `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(p.Url).replace(/^https:\/\//, '')}`,
      // An EMR Serverless application id as the service makes them (16 lower-case letters and digits); Ref is the id.
      'AWS::EMRServerless::Application': () => `00f${createHash('sha256').update(id).digest('hex').slice(0, 13)}`,
    };
    const value = named[Type]?.();
    if (value === undefined) throw new Error(`Ref ${id} (${Type}) is not resolved by the contract.`);
    return String(this.resolve(value, stack));
  }

  private arn(id: string, stack: string): string {
    const { Type } = this.resource(id, stack);
    const name = this.ref(id, stack);
    const arns: Record<string, string> = {
      'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${name}`,
      'AWS::S3::Bucket': `arn:aws:s3:::${name}`,
      'AWS::Kinesis::Stream': `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::EMRServerless::Application': `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/${name}`,
    };
    if (!arns[Type]) throw new Error(`Fn::GetAtt ${id}.Arn (${Type}) is not resolved by the contract.`);
    return arns[Type];
  }
}

/**
 * The synthesized templates, by stack concern: one standing environment on EMR clusters (dev), one on
 * EMR Serverless ({@link SERVERLESS_ENVIRONMENT}, under `serverless/<concern>`), and the previews' roles.
 */
export function synthesizedTemplates(): Record<string, CfnTemplate> {
  const templates: Record<string, CfnTemplate> = {};
  const add = (prefix: string, stacks: Record<string, Stack | undefined>) => {
    for (const [concern, stack] of Object.entries(stacks)) {
      if (stack) templates[`${prefix}${concern}`] = Template.fromStack(stack).toJSON() as CfnTemplate;
    }
  };
  add('', { ...synthesize('dev', { nag: false, context: { createOidcProvider: 'true' } }).stacks });
  add(SERVERLESS, { ...synthesize(SERVERLESS_ENVIRONMENT, { nag: false, context: { compute: 'emr-serverless', createOidcProvider: 'false' } }).stacks });
  templates['preview-ci'] = previewCiTemplate('acme/clickstream') as CfnTemplate;
  return templates;
}

/** The serverless environment's EMR Serverless application: its id and tags, as the contract resolves them. */
export function serverlessApplication(templates: Readonly<Record<string, CfnTemplate>>): {
  readonly id: string;
  readonly tags: Readonly<Record<string, string>>;
} {
  const stack = `${SERVERLESS}compute`;
  const resolver = new TemplateResolver(templates);
  const found = Object.entries(templates[stack].Resources).filter(([, r]) => r.Type === 'AWS::EMRServerless::Application');
  if (found.length !== 1) throw new Error(`Expected one EMR Serverless application in ${stack}, found ${found.length}.`);
  const [id, resource] = found[0];
  const declared = (resource.Properties?.Tags ?? []) as Array<{ Key: string; Value: unknown }>;
  const tags = Object.fromEntries(declared.map((t) => [t.Key, String(resolver.resolve(t.Value, stack))]));
  return { id: resolver.resolve({ Ref: id }, stack) as string, tags };
}

/** Every role of the contract with its identity policies: inline policies as synthesized, managed policies as vendored. */
export function contractRoles(templates: Readonly<Record<string, CfnTemplate>>): Record<RoleName, ContractRole> {
  const resolver = new TemplateResolver(templates);
  const roles = {} as Record<RoleName, ContractRole>;
  for (const [role, [stack, prefix]] of Object.entries(ROLE_IDS) as Array<[RoleName, readonly [string, string]]>) {
    const template = templates[stack];
    const found = Object.entries(template.Resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(prefix) && !id.startsWith(`${prefix}Default`));
    if (found.length !== 1) throw new Error(`Expected one ${prefix} role in ${stack}, found ${found.length}.`);
    const [id, resource] = found[0];
    const attached = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && (r.Properties!.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === id))
      .map(([policyId, r]) => ({ name: `${stack}/${policyId}`, document: resolver.resolve(r.Properties!.PolicyDocument, stack) as PolicyDocument }));
    // Policies written into the role itself (aws-cdk-lib's custom resource providers do that).
    const embedded = ((resource.Properties!.Policies ?? []) as Array<{ PolicyName: string; PolicyDocument: unknown }>)
      .map((p) => ({ name: `${stack}/${id}/${p.PolicyName}`, document: resolver.resolve(p.PolicyDocument, stack) as PolicyDocument }));
    const inline = [...attached, ...embedded];
    const managed = ((resource.Properties!.ManagedPolicyArns ?? []) as unknown[]).map((arn) => managedPolicy(String(resolver.resolve(arn, stack))));
    const tags = Object.fromEntries(((resource.Properties!.Tags ?? []) as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]));
    const trust = resolver.resolve(resource.Properties!.AssumeRolePolicyDocument, stack) as PolicyDocument;
    roles[role] = { arn: resolver.resolve({ 'Fn::GetAtt': [id, 'Arn'] }, stack) as string, policies: [...inline, ...managed], tags, trust };
  }
  return roles;
}

/** A subnet of the app tagged for EMR, if the app has one: its id and tags, by the output that names it. */
export function clusterSubnet(templates: Readonly<Record<string, CfnTemplate>>): Subnet | undefined {
  const resolver = new TemplateResolver(templates);
  for (const [stack, template] of Object.entries(templates)) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::EC2::Subnet') continue;
      const declared = (resource.Properties?.Tags ?? []) as Array<{ Key: string; Value: unknown }>;
      const tags = Object.fromEntries(declared.map((t) => [t.Key, String(resolver.resolve(t.Value, stack))]));
      if (tags['for-use-with-amazon-emr-managed-policies'] === 'true') return { id: resolver.resolve({ Ref: id }, stack) as string, tags };
    }
  }
  return undefined;
}

/** The id of the app's cluster VPC (the compute stack's), as the contract resolves it, if the app has one. */
export function clusterVpcId(templates: Readonly<Record<string, CfnTemplate>>): string | undefined {
  const resolver = new TemplateResolver(templates);
  const vpc = Object.entries(templates.compute?.Resources ?? {}).find(([, r]) => r.Type === 'AWS::EC2::VPC');
  return vpc ? (resolver.resolve({ Ref: vpc[0] }, 'compute') as string) : undefined;
}
