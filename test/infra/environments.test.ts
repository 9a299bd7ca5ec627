import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template as Assertions } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ACCOUNT_SINGLETONS, REPOSITORY, Resource, Template, physicalNames, previewRolesTestConfig, sparkFixture, testConfig } from './support';
import { addClickstreamStacks, addPreviewCiStack } from '../../infra/app';
import { DEPLOY_ENVIRONMENTS } from '../../infra/config/deploy-environments';
import { GLUE_DATABASE, PREVIEW_ROLES_ENVIRONMENT, resourceNames } from '../../src/config/names';
import { localPaths } from '../../src/local/paths';

describe('dev, staging, prod, a preview and the previews\' roles in one account', () => {
  let outdir: string;
  let stacks: Record<string, Stack[]>;
  /** What shares the account: the standing environments, a pull request's preview, and the roles of every preview. */
  const OWNERS = [...DEPLOY_ENVIRONMENTS, 'pr-42', PREVIEW_ROLES_ENVIRONMENT] as const;
  const ENVIRONMENTS = [...DEPLOY_ENVIRONMENTS, 'pr-42'] as const;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-envs-'));
    const app = new App({ outdir });
    const sparkDir = sparkFixture();
    // The first environment in an account creates the GitHub OIDC provider; the others import it (docs/aws.md).
    stacks = Object.fromEntries(ENVIRONMENTS.map((env, i) => [
      env,
      Object.values(addClickstreamStacks(app, { config: testConfig(env, { createOidcProvider: String(i === 0) }), sparkDir })),
    ]));
    stacks[PREVIEW_ROLES_ENVIRONMENT] = [addPreviewCiStack(app, { config: previewRolesTestConfig() })];
    app.synth();
  });

  const templatesOf = (owner: string) => stacks[owner].map((stack) => Assertions.fromStack(stack).toJSON() as Template);

  it('synthesizes with no physical name in common except the account-level GitHub OIDC provider', () => {
    const owners = new Map<string, string[]>();
    for (const owner of OWNERS) {
      const names = [
        ...stacks[owner].map((stack) => `stack ${stack.stackName}`),
        ...templatesOf(owner).flatMap((t) => Object.values(t.Resources).flatMap((r) => physicalNames(r, t))),
        ...templatesOf(owner).flatMap((t) => Object.values(t.Outputs ?? {}).flatMap((o) => (o.Export ? [`export ${JSON.stringify(o.Export.Name)}`] : []))),
      ];
      for (const name of names) owners.set(name, [...(owners.get(name) ?? []), owner]);
    }
    const shared = [...owners].filter(([, envs]) => envs.length > 1).map(([name, envs]) => `${name}: ${envs.join(', ')}`);
    expect(shared).toEqual([]);
    // Each environment's data resources are its own: buckets, stream, delivery stream, database, workgroup.
    const expected = ENVIRONMENTS.map((env) => resourceNames(env, ACCOUNT));
    for (const names of expected) {
      for (const name of [names.bronzeBucket, names.warehouseBucket, names.streamName, names.deliveryStreamName, names.athenaWorkgroup]) {
        expect([...owners.keys()].some((key) => key.endsWith(` ${name}`)), name).toBe(true);
      }
    }
    expect(expected.map((n) => n.glueDatabase)).toEqual(['analytics_dev', 'analytics_staging', GLUE_DATABASE, 'analytics_pr_42']);
    expect([...owners.keys()].filter((key) => ACCOUNT_SINGLETONS.some((s) => s.test(key)))).toHaveLength(1);
  });

  it('would collide on the OIDC provider if a second environment created it too', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-envs-')) });
    const added = (['dev', 'staging'] as const).map((env) => addClickstreamStacks(app, { config: testConfig(env), sparkDir: sparkFixture(), nag: false }));
    const providers = added.map(({ ci }) => {
      const template = Assertions.fromStack(ci!).toJSON() as Template;
      return Object.values(template.Resources).flatMap((r) => physicalNames(r, template)).filter((n) => n.startsWith('AWS::IAM::OIDCProvider'));
    });
    expect(providers[0]).toEqual(providers[1]);
    expect(providers[0]).toHaveLength(1);
  });

  it('scopes every IAM statement that names a Glue database to its own environment\'s, and the previews\' roles to previews\'', () => {
    for (const owner of OWNERS) {
      // The roles every preview shares name the preview databases by their pattern, analytics_pr_*.
      const own = owner === PREVIEW_ROLES_ENVIRONMENT ? 'analytics_pr_*' : resourceNames(owner, ACCOUNT).glueDatabase;
      const others = ENVIRONMENTS.filter((e) => e !== owner).map((e) => resourceNames(e, ACCOUNT).glueDatabase);
      const policies = templatesOf(owner).flatMap((t) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::IAM::Policy'));
      const glueResources = policies
        .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement)
        .filter((s) => JSON.stringify(s.Action).includes('glue:'))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r)));
      expect(glueResources.length, owner).toBeGreaterThan(0);
      const databases = glueResources.flatMap((r) => [...r.matchAll(/:(?:database|table)\/([a-z0-9_*]+)/g)].map((m) => m[1]));
      expect([...new Set(databases)], owner).toEqual([own]);
      for (const other of others) expect(databases, owner).not.toContain(other);
    }
  });

  it('has no unacknowledged cdk-nag finding and no cfn-lint error in any environment', () => {
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations?: unknown[] }> };
    for (const plugin of report.pluginReports) expect(plugin.violations ?? []).toEqual([]);
    const cfnLint = path.join(localPaths().venv, 'bin', 'cfn-lint');
    const files = OWNERS.flatMap((owner) => stacks[owner].map((s) => path.join(outdir, s.templateFile)));
    // Six stacks per standing environment, five in a preview (no CI stack), one of the previews' roles.
    expect(files).toHaveLength(DEPLOY_ENVIRONMENTS.length * 6 + 5 + 1);
    const run = spawnSync(cfnLint, ['--format', 'json', '--', ...files], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    const matches = JSON.parse(run.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string; Filename: string }>;
    expect(matches.filter((m) => m.Level === 'Error').map((m) => `${path.basename(m.Filename)} ${m.Rule.Id}: ${m.Message}`)).toEqual([]);
  }, 180_000);
});

describe('npx cdk synth', () => {
  /** The CDK CLI as a user runs it from the repository root (cdk.json runs infra/main.ts), without GITHUB_REPOSITORY. */
  const cdkSynth = (...context: string[]) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-out-'));
    const env = { ...process.env };
    delete env.GITHUB_REPOSITORY;
    const run = spawnSync(path.join(localPaths().root, 'node_modules', '.bin', 'cdk'), ['synth', '-q', '-o', out, ...context.flatMap((c) => ['-c', c])], {
      cwd: localPaths().root, env, encoding: 'utf8',
    });
    return { ...run, out };
  };

  it('stops without a GitHub repository, saying how to pass one', () => {
    const run = cdkSynth('environment=prod');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('No GitHub repository to trust: pass -c githubRepository=<owner>/<name>');
    expect(run.stderr).toContain('or set GITHUB_REPOSITORY');
    expect(fs.readdirSync(run.out).filter((f) => f.endsWith('.template.json'))).toEqual([]);
  }, 120_000);

  it('stops on a compute there is not, naming the computes there are', () => {
    const run = cdkSynth('environment=dev', `githubRepository=${REPOSITORY}`, 'compute=lambda');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Unknown compute "lambda": pass -c compute=emr|emr-serverless');
    expect(fs.readdirSync(run.out).filter((f) => f.endsWith('.template.json'))).toEqual([]);
  }, 120_000);

  it('synthesizes the environment with one', () => {
    const run = cdkSynth('environment=prod', `githubRepository=${REPOSITORY}`, `account=${ACCOUNT}`, 'region=eu-west-1');
    expect(run.status, run.stderr).toBe(0);
    const out = run.out;
    const ci = JSON.parse(fs.readFileSync(path.join(out, 'clickstream-prod-ci.template.json'), 'utf8')) as { Resources: Record<string, Resource> };
    const trust = Object.values(ci.Resources).filter((r) => r.Type === 'AWS::IAM::Role').map((r) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument));
    expect(trust.filter((t) => t.includes(`repo:${REPOSITORY}:environment:prod`))).toHaveLength(2);
  }, 180_000);

  it('synthesizes the roles every preview shares with -c environment=preview, and nothing else', () => {
    const run = cdkSynth('environment=preview', `githubRepository=${REPOSITORY}`, `account=${ACCOUNT}`, 'region=eu-west-1');
    expect(run.status, run.stderr).toBe(0);
    expect(fs.readdirSync(run.out).filter((f) => f.endsWith('.template.json'))).toEqual(['clickstream-preview-ci.template.json']);
    const ci = JSON.parse(fs.readFileSync(path.join(run.out, 'clickstream-preview-ci.template.json'), 'utf8')) as { Resources: Record<string, Resource> };
    const trust = Object.values(ci.Resources).filter((r) => r.Type === 'AWS::IAM::Role').map((r) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument));
    expect(trust.map((t) => /environment:([\w-]+)/.exec(t)?.[1])).toEqual(['preview', 'preview', 'preview-teardown']);
  }, 180_000);
});
