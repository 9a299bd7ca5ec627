import { App } from 'aws-cdk-lib';
import { Template as Assertions } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, Resource, Synthesized, Template, physicalNames, previewRolesTestConfig, synthesize } from './support';
import { addPreviewCiStack } from '../../infra/app';
import { PREVIEW_EMR } from '../../infra/config/deploy-environments';
import { emrRoleNames, resourceNames, serverlessExecutionRoleName } from '../../src/config/names';
import { OUTPUT_KEYS, stackConcernsOf, stackName } from '../../src/config/stack-outputs';
import { stringLike } from '../contract/evaluator';

const templatesOf = (synthesized: Synthesized): Template[] =>
  Object.values(synthesized.stacks).map((s) => Assertions.fromStack(s).toJSON() as Template);
const resourcesOf = (templates: readonly Template[]) =>
  templates.flatMap((t) => Object.entries(t.Resources).map(([id, r]) => ({ id, resource: r, template: t })));

/** Resource types that hold data or history and must go with a preview. */
const STATEFUL = ['AWS::S3::Bucket', 'AWS::Kinesis::Stream', 'AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup', 'AWS::Logs::LogGroup', 'AWS::Logs::LogStream'];

describe('a preview (pr-42)', () => {
  let preview: Synthesized;
  let templates: Template[];

  beforeAll(() => {
    // cdk-nag runs in the synthesis and throws on any unacknowledged finding (cfn-lint: environments.test.ts).
    preview = synthesize('pr-42');
    templates = templatesOf(preview);
  });

  it('is the five data stacks, without a CI stack of its own', () => {
    expect(Object.values(preview.stacks).map((s) => s.stackName)).toEqual(['storage', 'catalog', 'ingestion', 'compute', 'query'].map((c) => `clickstream-pr-42-${c}`));
    expect(stackConcernsOf('pr-42').map((c) => stackName('pr-42', c))).toEqual(Object.values(preview.stacks).map((s) => s.stackName));
  });

  it('carries pr-42 in every physical name, and names every resource a person would look for', () => {
    const named = resourcesOf(templates).flatMap(({ resource, template }) => physicalNames(resource, template));
    expect(named.filter((n) => !/pr[-_]42/.test(n))).toEqual([]);
    const names = resourceNames('pr-42', ACCOUNT);
    const expected = [
      names.bronzeBucket, names.warehouseBucket, names.scriptsBucket, names.logsBucket, names.athenaResultsBucket, names.streamName,
      // A preview runs its jobs on EMR Serverless by default: its application and job execution role.
      names.deliveryStreamName, names.glueDatabase, names.athenaWorkgroup, 'clickstream-pr-42-spark', serverlessExecutionRoleName('pr-42'),
      `/aws/kinesisfirehose/${names.deliveryStreamName}`, '/clickstream/pr-42/storage/functions',
    ];
    for (const name of expected) expect(named.some((n) => n.endsWith(` ${name}`)), name).toBe(true);
  });

  it('retains nothing on deletion: every stateful resource is deleted with its stack', () => {
    const stateful = resourcesOf(templates).filter(({ resource }) => STATEFUL.includes(resource.Type));
    expect(new Set(stateful.map(({ resource }) => resource.Type))).toEqual(new Set(STATEFUL));
    for (const { id, resource } of stateful) expect(resource.DeletionPolicy, `${resource.Type} ${id}`).toBe('Delete');
    // And nothing else is kept either.
    for (const { id, resource } of resourcesOf(templates)) expect(resource.DeletionPolicy ?? 'Delete', `${resource.Type} ${id}`).toBe('Delete');
  });

  it('empties every bucket before deleting it, and deletes the workgroup with its history', () => {
    const storage = templates[0];
    const buckets = Object.entries(storage.Resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([id]) => id);
    const emptied = Object.values(storage.Resources).filter((r) => r.Type === 'Custom::S3AutoDeleteObjects').map((r) => (r.Properties!.BucketName as { Ref: string }).Ref);
    expect(buckets).toHaveLength(5);
    expect(emptied.sort()).toEqual(buckets.sort());
    const query = templates[4];
    expect(Object.values(query.Resources).find((r) => r.Type === 'AWS::Athena::WorkGroup')!.Properties!.RecursiveDeleteOption).toBe(true);
  });

  it('sends every function\'s and Firehose\'s logs to log groups of its own stacks, created before and deleted after them', () => {
    // Otherwise Lambda logs to /aws/lambda/<name>, a group CloudFormation never deletes (Lambda docs, "Configuring CloudWatch log groups").
    const functions = resourcesOf(templates).filter(({ resource }) => resource.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const { id, resource, template } of functions) {
      const ref = ((resource.Properties!.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup)?.Ref;
      expect(ref, `${id} logs to a group of the template`).toBeDefined();
      expect(template.Resources[ref!].Type).toBe('AWS::Logs::LogGroup');
      expect([resource.DependsOn].flat(), id).toContain(ref);
    }
    const firehose = resourcesOf(templates).find(({ resource }) => resource.Type === 'AWS::KinesisFirehose::DeliveryStream')!;
    type Destination = { CloudWatchLoggingOptions: { LogGroupName: { Ref: string } } };
    const logging = (firehose.resource.Properties!.ExtendedS3DestinationConfiguration as Destination).CloudWatchLoggingOptions;
    expect(firehose.template.Resources[logging.LogGroupName.Ref].Type).toBe('AWS::Logs::LogGroup');
  });

  it('has the preview defaults: one shard, a day of stream retention, short-lived logs and results, a low Athena cutoff, EMR Serverless', () => {
    const [storage, , ingestion, compute, query] = templates.map((t) => Object.values(t.Resources) as Resource[]);
    expect(ingestion.find((r) => r.Type === 'AWS::Kinesis::Stream')!.Properties).toMatchObject({ ShardCount: 1, RetentionPeriodHours: 24, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    const expiry = (bucket: string) => JSON.stringify(storage.find((r) => r.Properties?.BucketName === bucket)!.Properties!.LifecycleConfiguration);
    const names = resourceNames('pr-42', ACCOUNT);
    expect(expiry(names.logsBucket)).toContain('"ExpirationInDays":3');
    expect(expiry(names.athenaResultsBucket)).toContain('"ExpirationInDays":1');
    for (const group of [...storage, ...ingestion, ...compute].filter((r) => r.Type === 'AWS::Logs::LogGroup')) expect(group.Properties!.RetentionInDays).toBe(3);
    expect((query.find((r) => r.Type === 'AWS::Athena::WorkGroup')!.Properties!.WorkGroupConfiguration as { BytesScannedCutoffPerQuery: number }).BytesScannedCutoffPerQuery).toBe(100 * 2 ** 20);
    const outputs = (Assertions.fromStack(preview.stacks.compute).toJSON() as { Outputs: Record<string, { Value: string }> }).Outputs;
    // No cluster, so no VPC of its own (previews do not count against the account's VPC quota).
    expect(outputs[OUTPUT_KEYS.compute].Value).toBe('emr-serverless');
    expect(compute.filter((r) => r.Type === 'AWS::EC2::VPC' || r.Type === 'AWS::IAM::InstanceProfile')).toEqual([]);
    expect(compute.filter((r) => r.Type === 'AWS::EMRServerless::Application')).toHaveLength(1);
  });

  it('keeps the smallest cluster when deployed with -c compute=emr', () => {
    const outputs = (Assertions.fromStack(synthesize('pr-42', { nag: false, context: { compute: 'emr' } }).stacks.compute).toJSON() as { Outputs: Record<string, { Value: string }> }).Outputs;
    expect([outputs[OUTPUT_KEYS.emrInstanceType].Value, outputs[OUTPUT_KEYS.emrCoreInstanceCount].Value])
      .toEqual([PREVIEW_EMR.instanceType, String(PREVIEW_EMR.coreInstanceCount)]);
  });
});

describe('dev, staging and prod', () => {
  it.each([['dev', 'Delete'], ['staging', 'Delete'], ['prod', 'Retain']] as const)('%s keeps its retention: stateful resources %s', (env, policy) => {
    const templates = templatesOf(synthesize(env, { nag: false }));
    const stateful = resourcesOf(templates).filter(({ resource }) => STATEFUL.includes(resource.Type));
    expect(stateful.length).toBeGreaterThan(0);
    for (const { id, resource } of stateful) expect(resource.DeletionPolicy, `${env} ${resource.Type} ${id}`).toBe(policy);
    const autoDeleted = resourcesOf(templates).filter(({ resource }) => resource.Type === 'Custom::S3AutoDeleteObjects').length;
    expect(autoDeleted).toBe(policy === 'Delete' ? 5 : 0);
  });
});

describe('the roles every preview shares (clickstream-preview-ci)', () => {
  type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, string>> };
  let roles: Record<'deploy' | 'run' | 'teardown', Statement[]>;

  beforeAll(() => {
    const app = new App({ outdir: synthesize('dev', { nag: false }).outdir });
    const stack = addPreviewCiStack(app, { config: previewRolesTestConfig() });
    app.synth();
    const template = Assertions.fromStack(stack).toJSON() as Template;
    const statementsOf = (prefix: string) => Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties!.Roles).includes(prefix))
      .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
    roles = { deploy: statementsOf('DeployRole'), run: statementsOf('RunRole'), teardown: statementsOf('TeardownRole') };
  });

  /** A policy's value as IAM sees it in this account: Fn::Join and the pseudo parameters resolved. */
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as { 'Fn::Join'?: [string, unknown[]]; 'Ref'?: string };
    if (v['Fn::Join']) return v['Fn::Join'][1].map(text).join(v['Fn::Join'][0]);
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION };
    if (v.Ref && pseudo[v.Ref]) return pseudo[v.Ref];
    throw new Error(`Cannot read ${JSON.stringify(value)} as IAM would.`);
  };
  const arns = (s: Statement) => [s.Resource].flat().map(text);
  const reaches = (statements: Statement[], sid: string, arn: string) =>
    statements.filter((s) => s.Sid === sid).flatMap(arns).some((pattern) => stringLike(pattern, arn));

  it("run: reaches every preview's stream, buckets, database, workgroup and EMR roles, and no standing environment's", () => {
    const check = (sid: string, name: (env: 'pr-7' | 'pr-123' | 'dev' | 'staging' | 'prod') => string) => {
      for (const env of ['pr-7', 'pr-123'] as const) expect(reaches(roles.run, sid, name(env)), `${sid} ${name(env)}`).toBe(true);
      for (const env of ['dev', 'staging', 'prod'] as const) expect(reaches(roles.run, sid, name(env)), `${sid} ${name(env)}`).toBe(false);
    };
    check('ReplayIntoStream', (env) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${resourceNames(env, ACCOUNT).streamName}`);
    check('ReadPipelineData', (env) => `arn:aws:s3:::${resourceNames(env, ACCOUNT).bronzeBucket}/events/x.parquet`);
    check('ReadKpiTables', (env) => `arn:aws:glue:${REGION}:${ACCOUNT}:table/${resourceNames(env, ACCOUNT).glueDatabase}/sensor_health`);
    check('ValidateWithAthena', (env) => `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${resourceNames(env, ACCOUNT).athenaWorkgroup}`);
    check('PassEmrRoles', (env) => `arn:aws:iam::${ACCOUNT}:role/${emrRoleNames(env).serviceRole}`);
    const clusters = roles.run.find((s) => s.Sid === 'OperateOwnClusters')!;
    expect(clusters.Condition).toEqual({ StringLike: { 'aws:ResourceTag/clickstream:environment': 'pr-*' } });
  });

  it('teardown: finds, deletes and terminates previews, cancels their job runs, and can create or change nothing', () => {
    const actions = roles.teardown.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual([
      'cloudformation:DeleteStack', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'cloudformation:ListStacks',
      'elasticmapreduce:DescribeCluster', 'elasticmapreduce:ListClusters', 'elasticmapreduce:TerminateJobFlows',
      'emr-serverless:CancelJobRun', 'emr-serverless:GetApplication', 'emr-serverless:GetJobRun', 'emr-serverless:ListJobRuns', 'emr-serverless:StopApplication',
    ]);
    expect(reaches(roles.teardown, 'DeletePreviewStacks', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/clickstream-pr-42-storage/abc`)).toBe(true);
    for (const standing of ['clickstream-staging-storage', 'clickstream-prod-ci', 'clickstream-preview-ci']) {
      expect(reaches(roles.teardown, 'DeletePreviewStacks', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${standing}/abc`), standing).toBe(false);
    }
    for (const sid of ['TerminatePreviewClusters', 'StopPreviewApplications', 'CancelPreviewJobRuns']) {
      expect(roles.teardown.find((s) => s.Sid === sid)!.Condition, sid).toEqual({ StringLike: { 'aws:ResourceTag/clickstream:environment': 'pr-*' } });
    }
  });

  it('deploy: only assumes the CDK bootstrap roles and reads the bootstrap stack, like every deploy role', () => {
    expect(roles.deploy.map((s) => s.Action)).toEqual([['sts:AssumeRole', 'sts:TagSession'], 'cloudformation:DescribeStacks']);
  });
});
