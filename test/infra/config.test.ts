import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { REPOSITORY, sparkFixture, synthesize, testConfig } from './support';
import { DEPLOY_ENVIRONMENTS } from '../../infra/config/deploy-environments';
import { environmentConfig } from '../../infra/config/environments';
import { trustedSubjects } from '../../infra/config/github-environments';
import { acknowledgeWildcards, S3_GRANT_ACTIONS } from '../../infra/constructs/nag';
import { COMMIT_SCRIPTS_KEYS } from '../../infra/stacks/ci-stack';
import { BRONZE_PREFIX } from '../../src/config/names';
import { bronzeTablePrefix } from '../../src/config/raw-table';
import { publishedScriptFiles, SCRIPTS_ARCHIVE, scriptsKeyPrefix, scriptsVersion } from '../../src/config/scripts';

describe('environment configuration', () => {
  const context = (values: Record<string, string>) => ({ tryGetContext: (key: string) => values[key] });

  it('defaults to dev and reads account, region and repository from the CDK CLI and GitHub', () => {
    const config = environmentConfig(context({}), { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'us-west-2', GITHUB_REPOSITORY: 'o/r' });
    expect(config).toMatchObject({ name: 'dev', account: '111122223333', region: 'us-west-2', github: { repository: 'o/r' } });
  });

  it('lets context win over the environment', () => {
    const config = environmentConfig(context({ environment: 'prod', account: '444455556666', githubRepository: 'a/b' }), { CDK_DEFAULT_ACCOUNT: '111122223333', GITHUB_REPOSITORY: 'o/r' });
    expect(config).toMatchObject({ name: 'prod', account: '444455556666', stream: { mode: 'on-demand' }, github: { repository: 'a/b' } });
  });

  it('fails closed without a repository, saying how to pass one', () => {
    const message = 'No GitHub repository to trust: pass -c githubRepository=<owner>/<name> (the repository whose workflows deploy and run clickstream), ' +
      'or set GITHUB_REPOSITORY (GitHub Actions sets it).';
    expect(() => environmentConfig(context({ environment: 'prod' }), {})).toThrow(message);
    expect(() => environmentConfig(context({ environment: 'prod' }), { GITHUB_REPOSITORY: '' })).toThrow(message);
  });

  it.each([
    [{ environment: 'local' }, /Unknown environment "local": pass -c environment=dev\|staging\|prod/],
    [{ account: '12345' }, /not a 12-digit AWS account id/],
    [{ githubRepository: 'no-slash' }, /is not "owner\/name"/],
  ])('rejects %o with a message saying what to change', (values, message) => {
    expect(() => environmentConfig(context(values), { GITHUB_REPOSITORY: 'o/r' })).toThrow(message);
  });

  it('trusts each role from its GitHub environments only: the pull-request run environment reaches staging\'s run role alone', () => {
    const subject = (environment: string) => `repo:${REPOSITORY}:environment:${environment}`;
    expect(Object.fromEntries(DEPLOY_ENVIRONMENTS.map((env) => [env, { deploy: trustedSubjects(REPOSITORY, env, 'deploy'), run: trustedSubjects(REPOSITORY, env, 'run') }]))).toEqual({
      dev: { deploy: [subject('dev')], run: [subject('dev')] },
      staging: { deploy: [subject('staging')], run: [subject('staging'), subject('staging-pr')] },
      prod: { deploy: [subject('prod')], run: [subject('prod')] },
    });
  });

  it('imports the OIDC provider when told another environment created it', () => {
    expect(testConfig('staging', { createOidcProvider: 'false' }).github.createOidcProvider).toBe(false);
  });
});

describe('staging', () => {
  it("lets the run role publish a pull request's scripts under commit versions only", () => {
    const { stacks } = synthesize('staging');
    const statements = Object.values(Template.fromStack(stacks.ci).findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: unknown; Resource: unknown }>);
    const publish = statements.find((s) => s.Sid === 'PublishPullRequestScripts');
    expect(publish?.Action).toBe('s3:PutObject');
    expect(JSON.stringify(publish?.Resource)).toContain(`/${COMMIT_SCRIPTS_KEYS}`);
    const keys = new RegExp(`^${COMMIT_SCRIPTS_KEYS.replace(/\?/g, '.').replace('*', '.*')}$`);
    expect(keys.test(`${scriptsKeyPrefix('9fceb02d0ae598e95dc970b74767f19372d61af8')}${SCRIPTS_ARCHIVE}`)).toBe(true);
    expect(keys.test(`${scriptsKeyPrefix('0123456789abcdef')}${SCRIPTS_ARCHIVE}`)).toBe(false);
    const writesScripts = (s: { Action: unknown; Resource: unknown }) => JSON.stringify(s.Action).includes('s3:Put') && JSON.stringify(s.Resource).includes('-scripts-');
    expect(statements.filter(writesScripts)).toEqual([publish]);
  });
});

describe('prod', () => {
  it('retains data, uses an on-demand stream and the largest buffers', () => {
    const { stacks } = synthesize('prod', { nag: false });
    const storage = Template.fromStack(stacks.storage).toJSON();
    const buckets = Object.values(storage.Resources as Record<string, { Type: string; DeletionPolicy?: string }>).filter((r) => r.Type === 'AWS::S3::Bucket');
    expect(buckets.map((b) => b.DeletionPolicy)).toEqual(Array(5).fill('Retain'));
    const ingestion = Template.fromStack(stacks.ingestion);
    ingestion.hasResourceProperties('AWS::Kinesis::Stream', { StreamModeDetails: { StreamMode: 'ON_DEMAND' }, ShardCount: Match.absent() });
    ingestion.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({ BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 } }),
    });
    Template.fromStack(stacks.storage).resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });
});

describe('Spark scripts version', () => {
  it('publishes jobs and their package, not caches, tests or docs', () => {
    expect(publishedScriptFiles(sparkFixture())).toEqual(['clickstream_jobs/__init__.py', 'kpi_sensor_health.py']);
  });

  it('changes with a published file and ignores everything else', () => {
    const dir = sparkFixture();
    const before = scriptsVersion(dir);
    expect(before).toMatch(/^[0-9a-f]{16}$/);
    fs.writeFileSync(path.join(dir, 'README.md'), 'changed');
    fs.writeFileSync(path.join(dir, 'tests', 'test_kpis.py'), 'changed');
    expect(scriptsVersion(dir)).toBe(before);
    fs.writeFileSync(path.join(dir, 'kpi_sensor_health.py'), 'print("v2")\n');
    expect(scriptsVersion(dir)).not.toBe(before);
    expect(scriptsKeyPrefix(before)).toBe(`spark/${before}/`);
  });

  it('fails clearly for a missing folder or a malformed version', () => {
    expect(() => scriptsVersion('/nonexistent/spark')).toThrow(/does not exist/);
    expect(() => scriptsKeyPrefix('main/../x')).toThrow('scripts-version must be a git sha or content hash (letters, digits, ".", "_", "-"), got "main/../x".');
    expect(() => scriptsKeyPrefix('')).toThrow(/scripts-version/);
  });
});

describe('bronze table location', () => {
  it("is the static part of Firehose's prefix", () => {
    expect(bronzeTablePrefix()).toBe('events/');
    expect(BRONZE_PREFIX.startsWith(bronzeTablePrefix())).toBe(true);
  });
});

describe('acknowledgeWildcards', () => {
  const synth = (justifyResources: boolean) => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')) });
    const stack = new Stack(app, 'S');
    const bucket = s3.Bucket.fromBucketName(stack, 'B', 'some-bucket');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    bucket.grantRead(role);
    acknowledgeWildcards(role, [
      { finding: S3_GRANT_ACTIONS, reason: 'test' },
      ...(justifyResources ? [{ finding: 'Resource::arn:<AWS::Partition>:s3:::some-bucket/*', reason: 'test' }] : []),
    ]);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
  };

  it('covers exactly the justified findings', () => {
    expect(() => synth(true)).not.toThrow();
    expect(() => synth(false)).toThrow(/AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:s3:::some-bucket\/\*\]/);
  });
});
