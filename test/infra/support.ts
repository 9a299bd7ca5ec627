import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addClickstreamStacks, ClickstreamStacks } from '../../infra/app';
import { environmentConfig, EnvironmentConfig } from '../../infra/config/environments';

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
