import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addClickstreamStacks, ClickstreamStacks } from '../../infra/app';
import { environmentConfig, EnvironmentConfig, HostConfig, previewRolesConfig } from '../../infra/config/environments';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const REPOSITORY = 'acme/clickstream';

/** A spark/ folder with one job, its package, and files that must not be published. */
export function sparkFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-spark-'));
  fs.mkdirSync(path.join(dir, 'clickstream_jobs', '__pycache__'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tests'));
  fs.writeFileSync(path.join(dir, 'kpi_sensor_health.py'), 'print("sensor health")\n');
  fs.writeFileSync(path.join(dir, 'clickstream_jobs', '__init__.py'), '');
  fs.writeFileSync(path.join(dir, 'clickstream_jobs', '__pycache__', '__init__.cpython-311.pyc'), 'x');
  fs.writeFileSync(path.join(dir, 'tests', 'test_kpis.py'), 'def test(): pass\n');
  fs.writeFileSync(path.join(dir, 'README.md'), '# jobs\n');
  return dir;
}

export function testConfig(environment: string, context: Record<string, string> = {}): EnvironmentConfig {
  const values: Record<string, string> = { environment, account: ACCOUNT, region: REGION, githubRepository: REPOSITORY, ...context };
  return environmentConfig({ tryGetContext: (key) => values[key] }, {});
}

/** The configuration of the roles every preview shares, for the test account. */
export function previewRolesTestConfig(repository = REPOSITORY): HostConfig {
  const values: Record<string, string> = { account: ACCOUNT, region: REGION, githubRepository: repository };
  return previewRolesConfig({ tryGetContext: (key) => values[key] }, {});
}

export interface Synthesized {
  readonly app: App;
  readonly stacks: ClickstreamStacks;
  readonly outdir: string;
  readonly sparkDir: string;
}

export interface SynthesizeOptions {
  /** Run cdk-nag. @default true */
  readonly nag?: boolean;
  /** The repository the roles trust. @default REPOSITORY */
  readonly repository?: string;
  /** More CDK context (`createOidcProvider`, ...). */
  readonly context?: Record<string, string>;
}

/** Synthesizes one environment's stacks into a temporary cloud assembly. */
export function synthesize(environment: string, options: SynthesizeOptions = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-cdk-'));
  const sparkDir = sparkFixture();
  const app = new App({ outdir });
  const config = testConfig(environment, { ...(options.repository ? { githubRepository: options.repository } : {}), ...options.context });
  const stacks = addClickstreamStacks(app, { config, sparkDir, nag: options.nag });
  app.synth();
  return { app, stacks, outdir, sparkDir };
}

export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly DependsOn?: string | string[];
}
export type Template = { readonly Resources: Record<string, Resource>; readonly Outputs?: Record<string, { Export?: { Name: unknown } }> };

/**
 * The names a resource occupies in its account (or, for buckets, globally): what two deployments
 * into one account must not share. Resources without a physical name get generated ones.
 */
export function physicalNames(resource: Resource, template: Template): string[] {
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
    case 'AWS::EC2::VPCEndpoint':
      // ServiceName names the AWS service the endpoint reaches; an endpoint has a generated id only.
      return [];
    default:
      // CloudFormation's physical names are the properties ending in "Name" (BucketName,
      // DeliveryStreamName, LogGroupName, RoleName, ...) and the `Name` of streams and workgroups.
      return Object.keys(p).filter((key) => key.endsWith('Name')).flatMap(named);
  }
}

/** Account-level singletons: IAM allows one OIDC provider per issuer URL in an account. */
export const ACCOUNT_SINGLETONS = [/^AWS::IAM::OIDCProvider https:\/\/token\.actions\.githubusercontent\.com$/];
