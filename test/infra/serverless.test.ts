import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template as Assertions } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, Resource, Template, physicalNames, sparkFixture, testConfig } from './support';
import { ClickstreamStacks, addClickstreamStacks } from '../../infra/app';
import { DEPLOY_ENVIRONMENTS } from '../../infra/config/deploy-environments';
import { SERVERLESS_IDLE_MINUTES, SERVERLESS_MAXIMUM_CAPACITY } from '../../infra/stacks/compute-stack';
import { COMPUTES, EMR_ENVIRONMENT_TAG, resourceNames, serverlessExecutionRoleName } from '../../src/config/names';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { localPaths } from '../../src/local/paths';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

describe('the compute of an environment', () => {
  it('is emr in every standing environment and emr-serverless in previews, unless -c compute= says otherwise', () => {
    for (const env of DEPLOY_ENVIRONMENTS) expect(testConfig(env).compute, env).toBe('emr');
    expect(testConfig('pr-42').compute).toBe('emr-serverless');
    expect(testConfig('dev', { compute: 'emr-serverless' }).compute).toBe('emr-serverless');
    expect(testConfig('pr-42', { compute: 'emr' }).compute).toBe('emr');
    expect(COMPUTES).toEqual(['emr', 'emr-serverless']);
  });

  it.each(['lambda', 'EMR', 'serverless', 'emr serverless'])('refuses -c compute=%s, naming the computes there are', (value) => {
    expect(() => testConfig('dev', { compute: value })).toThrow(`Unknown compute "${value}": pass -c compute=emr|emr-serverless`);
  });

  it('refuses a cluster subnet for an environment that runs no cluster', () => {
    expect(() => testConfig('staging', { compute: 'emr-serverless', clusterSubnetId: 'subnet-0abc1234def567890' }))
      .toThrow('Cluster subnet "subnet-0abc1234def567890" is for EMR clusters, and staging\'s compute is emr-serverless, which runs none');
  });
});

describe('a serverless dev and an emr staging in one account', () => {
  let outdir: string;
  let dev: ClickstreamStacks;
  let staging: ClickstreamStacks;
  const names = resourceNames('dev', ACCOUNT);

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-computes-'));
    const app = new App({ outdir });
    const sparkDir = sparkFixture();
    dev = addClickstreamStacks(app, { config: testConfig('dev', { compute: 'emr-serverless', createOidcProvider: 'true' }), sparkDir });
    staging = addClickstreamStacks(app, { config: testConfig('staging', { createOidcProvider: 'false' }), sparkDir });
    app.synth();
  });

  const template = (stacks: ClickstreamStacks, concern: keyof ClickstreamStacks) => Assertions.fromStack(stacks[concern]!);
  const json = (stacks: ClickstreamStacks, concern: keyof ClickstreamStacks) => template(stacks, concern).toJSON() as Template;
  const statementsOf = (t: Template, roleId: string) => Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties!.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === roleId))
    .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  const roleId = (t: Template, prefix: string) => {
    const ids = Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::IAM::Role' && id.startsWith(prefix));
    expect(ids, prefix).toHaveLength(1);
    return ids[0];
  };

  it('creates, for the serverless environment, a Spark application on the clusters\' release that starts on submit, stops when idle and is capped', () => {
    const t = template(dev, 'compute');
    t.resourceCountIs('AWS::EMRServerless::Application', 1);
    t.hasResourceProperties('AWS::EMRServerless::Application', {
      Type: 'Spark',
      ReleaseLabel: testConfig('staging').emr.releaseLabel,
      Architecture: 'X86_64',
      AutoStartConfiguration: { Enabled: true },
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 15 },
      MaximumCapacity: { Cpu: '16 vCPU', Memory: '64 GB', Disk: '200 GB' },
      Tags: Match.arrayWith([{ Key: EMR_ENVIRONMENT_TAG, Value: 'dev' }]),
    });
    expect(SERVERLESS_IDLE_MINUTES).toBe(15);
    expect(SERVERLESS_MAXIMUM_CAPACITY.cpu).toBe('16 vCPU');
    expect(dev.compute.serverless?.application).toBeDefined();
    expect(dev.compute.clusters).toBeUndefined();
  });

  it('creates no cluster network, EMR roles or instance profile for it, and no application for the emr environment', () => {
    const t = template(dev, 'compute');
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::VPCEndpoint', 'AWS::IAM::InstanceProfile']) t.resourceCountIs(type, 0);
    const roles = Object.values(json(dev, 'compute').Resources).filter((r) => r.Type === 'AWS::IAM::Role').map((r) => r.Properties!.RoleName).filter(Boolean);
    expect(roles).toEqual([serverlessExecutionRoleName('dev')]);
    template(staging, 'compute').resourceCountIs('AWS::EMRServerless::Application', 0);
    template(staging, 'compute').resourceCountIs('AWS::IAM::InstanceProfile', 1);
  });

  // EMR Serverless User Guide, "Job runtime roles for Amazon EMR Serverless"; IAM User Guide, "The confused deputy problem".
  it('trusts EMR Serverless with the job execution role for this application of this account only', () => {
    const t = json(dev, 'compute');
    const [applicationId] = Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::EMRServerless::Application');
    const role = t.Resources[roleId(t, 'ServerlessExecutionRole')];
    expect(role.Properties!.RoleName).toBe('clickstream-dev-emr-serverless-job');
    expect((role.Properties!.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'emr-serverless.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': { 'Fn::GetAtt': [applicationId, 'Arn'] } } },
    }]);
    expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
  });

  it('scopes the job execution role like the instance role: its buckets, its Glue database, and its logs under emr-serverless/', () => {
    const serverless = statementsOf(json(dev, 'compute'), roleId(json(dev, 'compute'), 'ServerlessExecutionRole'));
    const instance = statementsOf(json(staging, 'compute'), roleId(json(staging, 'compute'), 'InstanceRole'));
    // The same statements, each environment's names and log prefix in them.
    const shape = (statements: Statement[], env: 'dev' | 'staging', logs: string) =>
      JSON.parse(JSON.stringify(statements).split(`clickstream-${env}-`).join('clickstream-<env>-').split(`analytics_${env}`).join('analytics_<env>').split(logs).join('<logs>/')) as unknown;
    expect(shape(serverless, 'dev', 'emr-serverless/')).toEqual(shape(instance, 'staging', 'emr/'));
    const text = JSON.stringify(serverless);
    expect(text).toContain(`${names.logsBucket}/emr-serverless/*`);
    expect(text).toContain(`:table/${names.glueDatabase}/*`);
    expect(text).not.toContain('analytics_staging');
    const glue = serverless.find((s) => s.Sid === 'IcebergGlueCatalog')!;
    expect(glue.Action).toContain('glue:UpdateTable');
  });

  it('declares the compute and what StartJobRun needs, and no cluster output, for the serverless environment', () => {
    const t = json(dev, 'compute') as Template & { Outputs: Record<string, { Value: unknown }> };
    const [applicationId] = Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::EMRServerless::Application');
    const outputs = t.Outputs;
    expect(Object.keys(outputs).sort()).toEqual([
      OUTPUT_KEYS.compute, OUTPUT_KEYS.emrLogUri, OUTPUT_KEYS.emrReleaseLabel, OUTPUT_KEYS.scriptsUri, OUTPUT_KEYS.scriptsVersion,
      OUTPUT_KEYS.serverlessApplicationId, OUTPUT_KEYS.serverlessExecutionRoleArn,
    ].sort());
    expect(outputs[OUTPUT_KEYS.compute].Value).toBe('emr-serverless');
    expect(outputs[OUTPUT_KEYS.serverlessApplicationId].Value).toEqual({ 'Fn::GetAtt': [applicationId, 'ApplicationId'] });
    expect(outputs[OUTPUT_KEYS.serverlessExecutionRoleArn].Value).toEqual({ 'Fn::GetAtt': [roleId(t, 'ServerlessExecutionRole'), 'Arn'] });
    expect(outputs[OUTPUT_KEYS.emrLogUri].Value).toBe(`s3://${names.logsBucket}/emr-serverless/`);
    expect(outputs[OUTPUT_KEYS.emrReleaseLabel].Value).toBe('emr-7.12.0');
    const emr = (json(staging, 'compute') as Template & { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(emr[OUTPUT_KEYS.compute].Value).toBe('emr');
    expect(Object.keys(emr)).not.toContain(OUTPUT_KEYS.serverlessApplicationId);
    expect(Object.keys(emr)).toContain(OUTPUT_KEYS.clusterSubnetId);
  });

  it('lets the serverless environment\'s run role start, follow and cancel job runs tagged for it on its applications, passing its execution role to EMR Serverless only', () => {
    const t = json(dev, 'ci');
    const run = statementsOf(t, roleId(t, 'RunRole'));
    const sid = (name: string) => run.find((s) => s.Sid === name)!;
    const own = { StringEquals: { 'aws:ResourceTag/clickstream:environment': 'dev' } };
    expect(sid('StartTaggedJobRuns')).toMatchObject({
      Action: 'emr-serverless:StartJobRun',
      Condition: { StringEquals: { 'aws:ResourceTag/clickstream:environment': 'dev', 'aws:RequestTag/clickstream:environment': 'dev' } },
    });
    expect(JSON.stringify(sid('StartTaggedJobRuns').Resource)).toContain(`:emr-serverless:eu-west-1:${ACCOUNT}:/applications/*`);
    expect(sid('ReadOwnApplications')).toMatchObject({ Action: 'emr-serverless:GetApplication', Condition: own });
    expect(sid('OperateOwnJobRuns')).toMatchObject({ Action: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], Condition: own });
    expect(JSON.stringify(sid('OperateOwnJobRuns').Resource)).toContain(`:emr-serverless:eu-west-1:${ACCOUNT}:/applications/*/jobruns/*`);
    expect(sid('PassServerlessExecutionRole')).toMatchObject({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } } });
    expect(JSON.stringify(sid('PassServerlessExecutionRole').Resource)).toContain(`:role/${serverlessExecutionRoleName('dev')}`);
    // The emr environment's run role is as it was: no EMR Serverless statement.
    const emrRun = statementsOf(json(staging, 'ci'), roleId(json(staging, 'ci'), 'RunRole'));
    expect(JSON.stringify(emrRun)).not.toContain('emr-serverless');
  });

  it('shares no physical name between the two, and has no unacknowledged cdk-nag finding and no cfn-lint error', () => {
    const owners = new Map<string, string[]>();
    for (const [env, stacks] of [['dev', dev], ['staging', staging]] as const) {
      for (const stack of Object.values(stacks)) {
        const t = Assertions.fromStack(stack).toJSON() as Template;
        for (const name of [`stack ${stack.stackName}`, ...Object.values(t.Resources).flatMap((r: Resource) => physicalNames(r, t))]) {
          owners.set(name, [...(owners.get(name) ?? []), env]);
        }
      }
    }
    expect([...owners].filter(([name, envs]) => envs.length > 1 && !name.startsWith('AWS::IAM::OIDCProvider'))).toEqual([]);
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations?: unknown[] }> };
    for (const plugin of report.pluginReports) expect(plugin.violations ?? []).toEqual([]);
    const files = [...Object.values(dev), ...Object.values(staging)].map((s) => path.join(outdir, s!.templateFile));
    const run = spawnSync(path.join(localPaths().venv, 'bin', 'cfn-lint'), ['--format', 'json', '--', ...files], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    const matches = JSON.parse(run.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string; Filename: string }>;
    expect(matches.filter((m) => m.Level === 'Error').map((m) => `${path.basename(m.Filename)} ${m.Rule.Id}: ${m.Message}`)).toEqual([]);
  }, 180_000);
});
