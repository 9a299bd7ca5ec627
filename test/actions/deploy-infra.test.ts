import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { fakeActionIo } from './action-io';
import { run } from '../../actions/deploy-infra/run';
import { CDK_APP_COMMAND, TemplateDiffLike, ToolkitPort } from '../../infra/deploy/deploy-stacks';
import { OUTPUT_KEYS, outputParameterName } from '../../src/config/stack-outputs';

const cfn = mockClient(CloudFormationClient);

type Change = { isAddition?: boolean; isRemoval?: boolean; resourceType: string; changeImpact?: string };
const diff = (changes: Record<string, Change>): TemplateDiffLike => ({
  resources: { forEachDifference: (cb) => Object.entries(changes).forEach(([id, c]) => cb(id, { isAddition: false, isRemoval: false, ...c })) },
});

function fakeToolkit(overrides: Partial<ToolkitPort> = {}) {
  const toolkit = {
    fromCdkApp: vi.fn(async () => ({ produce: async () => { throw new Error('not used'); } })),
    diff: vi.fn(async () => ({
      'clickstream-dev-storage': diff({}),
      'clickstream-dev-compute': diff({ InstanceRole: { resourceType: 'AWS::IAM::Role', isAddition: true }, Publish: { resourceType: 'Custom::CDKBucketDeployment', changeImpact: 'WILL_UPDATE' } }),
    })),
    deploy: vi.fn(async () => ({
      stacks: [
        { stackName: 'clickstream-dev-storage', outputs: { BronzeBucket: 'clickstream-dev-bronze-123456789012' } },
        { stackName: 'clickstream-dev-compute', outputs: { ScriptsVersion: '0123456789abcdef', EmrServiceRole: 'svc' } },
      ],
    })),
    ...overrides,
  };
  return toolkit;
}

const bootstrapped = (version = '29') => cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
  Stacks: [{ StackName: 'CDKToolkit', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: version }] }],
});

async function runWith(inputs: Record<string, string>, toolkit = fakeToolkit(), env: NodeJS.ProcessEnv = {}) {
  const { io, record } = fakeActionIo('deploy-infra', inputs);
  const deployDependencies = vi.fn(() => ({ toolkit: toolkit as ToolkitPort, cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }) }));
  await run(io, { env: { GITHUB_WORKSPACE: '/repo', ...env }, deployDependencies });
  return { ...record, toolkit, deployDependencies };
}

beforeEach(() => cfn.reset());

describe('deploy-infra inputs', () => {
  it.each([
    [{ environment: 'qa', region: 'eu-west-1' }, 'Input "environment" must be dev, staging, prod, pr-<pull request number> or preview (the roles every preview shares), got "qa".'],
    [{ region: 'eu-west-1' }, 'Input "environment" must be dev, staging, prod, pr-<pull request number> or preview (the roles every preview shares), got "".'],
    [{ environment: 'dev' }, 'No region: set input "region" or AWS_REGION (aws-actions/configure-aws-credentials sets it).'],
    [{ environment: 'dev', region: 'Ireland' }, 'Input "region" is not an AWS region: "Ireland".'],
    [{ environment: 'dev', region: 'eu-west-1', stacks: 'storage,network' }, 'Unknown stack "network" for dev: use storage, catalog, ingestion, compute, query, ci or clickstream-dev-storage, clickstream-dev-catalog, clickstream-dev-ingestion, clickstream-dev-compute, clickstream-dev-query, clickstream-dev-ci.'],
    [{ environment: 'dev', region: 'eu-west-1', context: 'account 123' }, 'Input "context" takes one key=value per line; cannot read "account 123".'],
    [{ environment: 'dev', region: 'eu-west-1', context: 'environment=prod' }, 'Set "environment" with its own input, not through "context".'],
  ])('rejects %o before any AWS call', async (inputs, message) => {
    const { failures, deployDependencies } = await runWith(inputs);
    expect(failures).toEqual([message]);
    expect(deployDependencies).not.toHaveBeenCalled();
    expect(cfn.calls()).toHaveLength(0);
  });
});

describe('deploy-infra', () => {
  it('deploys the selected stacks (and their dependencies) with the toolkit and the given context', async () => {
    bootstrapped();
    const { toolkit, failures } = await runWith({ environment: 'dev', stacks: 'storage\nclickstream-dev-compute', context: 'githubRepository=acme/clickstream\ncreateOidcProvider=false' }, fakeToolkit(), { AWS_REGION: 'eu-west-1' });
    expect(failures).toEqual([]);
    expect(toolkit.fromCdkApp).toHaveBeenCalledWith(CDK_APP_COMMAND, expect.objectContaining({ workingDirectory: '/repo' }));
    const store = vi.mocked(toolkit.fromCdkApp).mock.calls[0][1] as { contextStore: { read(): Promise<Record<string, unknown>> } };
    expect(await store.contextStore.read()).toEqual({ githubRepository: 'acme/clickstream', createOidcProvider: 'false', environment: 'dev', region: 'eu-west-1' });
    expect(vi.mocked(toolkit.deploy).mock.calls[0][1]).toEqual({
      stacks: { strategy: 'pattern-must-match', patterns: ['clickstream-dev-storage', 'clickstream-dev-compute'], expand: 'upstream' },
    });
  });

  it('sets all outputs as JSON and each known key under its own name', async () => {
    bootstrapped();
    const { outputs } = await runWith({ environment: 'dev', region: 'eu-west-1' });
    expect(JSON.parse(outputs.outputs)).toEqual({ BronzeBucket: 'clickstream-dev-bronze-123456789012', ScriptsVersion: '0123456789abcdef', EmrServiceRole: 'svc' });
    expect(outputs['bronze-bucket']).toBe('clickstream-dev-bronze-123456789012');
    expect(outputs['scripts-version']).toBe('0123456789abcdef');
    expect(outputs['emr-service-role']).toBe('svc');
    expect(JSON.parse(outputs.stacks)).toEqual(['clickstream-dev-storage', 'clickstream-dev-compute']);
  });

  it('writes a summary with what changed per stack and the outputs', async () => {
    bootstrapped();
    const { summaries } = await runWith({ environment: 'dev', region: 'eu-west-1' });
    expect(summaries).toHaveLength(1);
    const summary = summaries[0];
    expect(summary).toContain('## Deployed clickstream dev (eu-west-1)');
    expect(summary).toContain('| clickstream-dev-storage | no changes |');
    expect(summary).toContain('| clickstream-dev-compute | 1 add, 1 update |');
    expect(summary).toContain('| add | InstanceRole | AWS::IAM::Role |');
    expect(summary).toContain('| ScriptsVersion | `0123456789abcdef` |');
  });

  it('still deploys, and says so, when the diff is unavailable', async () => {
    bootstrapped();
    const { summaries, failures } = await runWith({ environment: 'dev', region: 'eu-west-1' }, fakeToolkit({ diff: vi.fn(async () => { throw new Error('diff broke'); }) }));
    expect(failures).toEqual([]);
    expect(summaries[0]).toContain('| clickstream-dev-storage | unknown (diff unavailable) |');
  });
});

describe('deploy-infra failures', () => {
  it('explains an unbootstrapped account', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id CDKToolkit does not exist'), { name: 'ValidationError' }));
    const { failures, toolkit } = await runWith({ environment: 'dev', region: 'eu-west-1' });
    expect(failures).toEqual(['The account is not bootstrapped in eu-west-1 (no CDKToolkit stack): run `npx cdk bootstrap aws://<account>/eu-west-1` once with administrator credentials.']);
    expect(toolkit.deploy).not.toHaveBeenCalled();
  });

  it('explains an outdated bootstrap stack', async () => {
    bootstrapped('4');
    const { failures } = await runWith({ environment: 'dev', region: 'eu-west-1' });
    expect(failures[0]).toMatch(/^The CDKToolkit stack in eu-west-1 has bootstrap version 4; version 6 or later is required/);
  });

  it('explains missing credentials', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const { failures } = await runWith({ environment: 'dev', region: 'eu-west-1' });
    expect(failures[0]).toMatch(/^No usable AWS credentials for eu-west-1 \(Could not load credentials from any providers\)\. Add aws-actions\/configure-aws-credentials/);
  });

  it('reports a failed deployment with its cause', async () => {
    bootstrapped();
    const toolkit = fakeToolkit({ deploy: vi.fn(async () => { throw new Error('clickstream-dev-query failed: Resource handler returned message: "Invalid request"'); }) });
    const { failures, outputs } = await runWith({ environment: 'dev', region: 'eu-west-1' }, toolkit);
    expect(failures).toEqual(['Deployment failed: clickstream-dev-query failed: Resource handler returned message: "Invalid request"']);
    expect(outputs).toEqual({});
  });
});

describe('action.yml', () => {
  const action = parse(fs.readFileSync(path.join(__dirname, '../../actions/deploy-infra/action.yml'), 'utf8'));

  it('runs the bundled entry on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.js' });
  });

  it('declares every input run() reads and every output it sets', () => {
    expect(Object.keys(action.inputs)).toEqual(['environment', 'stacks', 'context', 'region', 'working-directory']);
    expect(Object.keys(action.outputs)).toEqual(['outputs', 'stacks', ...Object.values(OUTPUT_KEYS).map(outputParameterName)]);
  });
});
