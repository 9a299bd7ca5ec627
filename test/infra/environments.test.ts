import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template as Assertions } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REPOSITORY, sparkFixture, testConfig } from './support';
import { addClickstreamStacks, ClickstreamStacks } from '../../infra/app';
import { DEPLOY_ENVIRONMENTS, DeployEnvironment } from '../../infra/config/deploy-environments';
import { GLUE_DATABASE, resourceNames } from '../../src/config/names';
import { localPaths } from '../../src/local/paths';

type Resource = { readonly Type: string; readonly Properties?: Record<string, unknown> };
type Template = { readonly Resources: Record<string, Resource>; readonly Outputs?: Record<string, { Export?: { Name: unknown } }> };

/**
 * The names a resource occupies in its account (or, for buckets, globally): what two deployments
 * into one account must not share. Resources without a physical name get generated ones.
 */
function physicalNames(resource: Resource, template: Template): string[] {
  const p = resource.Properties ?? {};
  const named = (key: string) => (typeof p[key] === 'string' ? [`${resource.Type} ${p[key]}`] : []);
  switch (resource.Type) {
    case 'AWS::Glue::Database':
      return [`${resource.Type} ${(p.DatabaseInput as { Name: string }).Name}`];
    case 'AWS::Glue::Table': {
      // A table's name is unique within its database, which the template references.
      const database = template.Resources[(p.DatabaseName as { Ref: string }).Ref];
      return [`${resource.Type} ${(database.Properties!.DatabaseInput as { Name: string }).Name}.${(p.TableInput as { Name: string }).Name}`];
    }
    case 'AWS::IAM::OIDCProvider':
      return named('Url');
    case 'AWS::IAM::Policy':
      // An inline policy's name is unique per role, not per account.
      return [];
    default:
      // CloudFormation's physical names are the properties ending in "Name" (BucketName,
      // DeliveryStreamName, ...) and the `Name` of streams and workgroups.
      return Object.keys(p).filter((key) => key.endsWith('Name')).flatMap(named);
  }
}

/** Account-level singletons: IAM allows one OIDC provider per issuer URL in an account. */
const ACCOUNT_SINGLETONS = [/^AWS::IAM::OIDCProvider https:\/\/token\.actions\.githubusercontent\.com$/];

describe('dev, staging and prod in one account', () => {
  let outdir: string;
  let stacks: Record<DeployEnvironment, ClickstreamStacks>;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-envs-'));
    const app = new App({ outdir });
    const sparkDir = sparkFixture();
    // The first environment in an account creates the GitHub OIDC provider; the others import it (README).
    stacks = Object.fromEntries(DEPLOY_ENVIRONMENTS.map((env, i) => [
      env,
      addClickstreamStacks(app, { config: testConfig(env, { createOidcProvider: String(i === 0) }), sparkDir }),
    ])) as Record<DeployEnvironment, ClickstreamStacks>;
    app.synth();
  });

  const templatesOf = (env: DeployEnvironment) => Object.values(stacks[env]).map((stack) => Assertions.fromStack(stack).toJSON() as Template);

  it('synthesizes with no physical name in common except the account-level GitHub OIDC provider', () => {
    const owners = new Map<string, DeployEnvironment[]>();
    for (const env of DEPLOY_ENVIRONMENTS) {
      const names = [
        ...Object.values(stacks[env]).map((stack) => `stack ${stack.stackName}`),
        ...templatesOf(env).flatMap((t) => Object.values(t.Resources).flatMap((r) => physicalNames(r, t))),
        ...templatesOf(env).flatMap((t) => Object.values(t.Outputs ?? {}).flatMap((o) => (o.Export ? [`export ${JSON.stringify(o.Export.Name)}`] : []))),
      ];
      for (const name of names) owners.set(name, [...(owners.get(name) ?? []), env]);
    }
    const shared = [...owners].filter(([, envs]) => envs.length > 1).map(([name, envs]) => `${name}: ${envs.join(', ')}`);
    expect(shared).toEqual([]);
    // Each environment's data resources are its own: buckets, stream, delivery stream, database, workgroup.
    const expected = DEPLOY_ENVIRONMENTS.map((env) => resourceNames(env, ACCOUNT));
    for (const names of expected) {
      for (const name of [names.bronzeBucket, names.warehouseBucket, names.streamName, names.deliveryStreamName, names.athenaWorkgroup]) {
        expect([...owners.keys()].some((key) => key.endsWith(` ${name}`)), name).toBe(true);
      }
    }
    expect(expected.map((n) => n.glueDatabase)).toEqual(['analytics_dev', 'analytics_staging', GLUE_DATABASE]);
    expect([...owners.keys()].filter((key) => ACCOUNT_SINGLETONS.some((s) => s.test(key)))).toHaveLength(1);
  });

  it('would collide on the OIDC provider if a second environment created it too', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-envs-')) });
    const added = (['dev', 'staging'] as const).map((env) => addClickstreamStacks(app, { config: testConfig(env), sparkDir: sparkFixture(), nag: false }));
    const providers = added.map(({ ci }) => {
      const template = Assertions.fromStack(ci).toJSON() as Template;
      return Object.values(template.Resources).flatMap((r) => physicalNames(r, template)).filter((n) => n.startsWith('AWS::IAM::OIDCProvider'));
    });
    expect(providers[0]).toEqual(providers[1]);
    expect(providers[0]).toHaveLength(1);
  });

  it('scopes every IAM statement that names a Glue database to its own environment\'s', () => {
    for (const env of DEPLOY_ENVIRONMENTS) {
      const own = resourceNames(env, ACCOUNT).glueDatabase;
      const others = DEPLOY_ENVIRONMENTS.filter((e) => e !== env).map((e) => resourceNames(e, ACCOUNT).glueDatabase);
      const policies = templatesOf(env).flatMap((t) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::IAM::Policy'));
      const glueResources = policies
        .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement)
        .filter((s) => JSON.stringify(s.Action).includes('glue:'))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r)));
      expect(glueResources.length, env).toBeGreaterThan(0);
      const databases = glueResources.flatMap((r) => [...r.matchAll(/:(?:database|table)\/([a-z0-9_]+)/g)].map((m) => m[1]));
      expect([...new Set(databases)], env).toEqual([own]);
      for (const other of others) expect(databases, env).not.toContain(other);
    }
  });

  it('has no unacknowledged cdk-nag finding and no cfn-lint error in any environment', () => {
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations?: unknown[] }> };
    for (const plugin of report.pluginReports) expect(plugin.violations ?? []).toEqual([]);
    const cfnLint = path.join(localPaths().venv, 'bin', 'cfn-lint');
    const files = DEPLOY_ENVIRONMENTS.flatMap((env) => Object.values(stacks[env]).map((s) => path.join(outdir, s.templateFile)));
    expect(files).toHaveLength(DEPLOY_ENVIRONMENTS.length * 6);
    const run = spawnSync(cfnLint, ['--format', 'json', '--', ...files], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    const matches = JSON.parse(run.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string; Filename: string }>;
    expect(matches.filter((m) => m.Level === 'Error').map((m) => `${path.basename(m.Filename)} ${m.Rule.Id}: ${m.Message}`)).toEqual([]);
  }, 120_000);
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

  it('synthesizes the environment with one', () => {
    const run = cdkSynth('environment=prod', `githubRepository=${REPOSITORY}`, `account=${ACCOUNT}`, 'region=eu-west-1');
    expect(run.status, run.stderr).toBe(0);
    const out = run.out;
    const ci = JSON.parse(fs.readFileSync(path.join(out, 'clickstream-prod-ci.template.json'), 'utf8')) as { Resources: Record<string, Resource> };
    const trust = Object.values(ci.Resources).filter((r) => r.Type === 'AWS::IAM::Role').map((r) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument));
    expect(trust.filter((t) => t.includes(`repo:${REPOSITORY}:environment:prod`))).toHaveLength(2);
  }, 180_000);
});
