import { App, Aws, Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnvironmentConfig, HostConfig } from './config/environments';
import { CatalogStack } from './stacks/catalog-stack';
import { CiStack } from './stacks/ci-stack';
import { ComputeStack } from './stacks/compute-stack';
import { IngestionStack } from './stacks/ingestion-stack';
import { PreviewCiStack } from './stacks/preview-ci-stack';
import { QueryStack } from './stacks/query-stack';
import { StorageStack } from './stacks/storage-stack';
import { PREVIEW_ROLES_ENVIRONMENT, isPreviewEnvironment, resourceNames } from '../src/config/names';
import { StackConcern, stackName } from '../src/config/stack-outputs';

export interface ClickstreamAppProps {
  readonly config: EnvironmentConfig;
  /** The repository's `spark/` folder, published by the compute stack. */
  readonly sparkDir: string;
  /**
   * Run cdk-nag's AwsSolutions checks at synthesis (violations fail the synth).
   * @default true
   */
  readonly nag?: boolean;
}

/** Apps cdk-nag already checks: one plugin covers every environment's stacks. */
const NAGGED_APPS = new WeakSet<App>();

export interface ClickstreamStacks {
  readonly storage: StorageStack;
  readonly catalog: CatalogStack;
  readonly ingestion: IngestionStack;
  readonly compute: ComputeStack;
  readonly query: QueryStack;
  /** Absent in a preview, whose jobs assume the roles of the preview-ci stack ({@link addPreviewCiStack}). */
  readonly ci?: CiStack;
}

/**
 * Context every environment's stacks are synthesized with. Deliver S3 access logs through a bucket
 * policy rather than the legacy log-delivery ACL, which would need ACLs enabled on the
 * (owner-enforced) logs bucket; all stacks deploy together in dependency order, so exports may
 * protect their consumers.
 */
const APP_CONTEXT: Readonly<Record<string, unknown>> = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

/**
 * Adds one environment's stacks to an app; call it once per environment to synthesize several
 * side by side (their names never collide: see test/infra/environments.test.ts).
 */
export function addClickstreamStacks(app: App, props: ClickstreamAppProps): ClickstreamStacks {
  const { config } = props;
  setAppContext(app);
  const env = stackEnv(config);
  const stackProps = (concern: StackConcern, description: string) => ({
    stackName: stackName(config.name, concern),
    description: `clickstream ${config.name}: ${description}`,
    env,
  });
  const id = (concern: StackConcern) => stackName(config.name, concern);
  // With no account configured the stacks are environment-agnostic and the names carry the
  // AWS::AccountId token, which CloudFormation resolves at deployment.
  const names = resourceNames(config.name, config.account ?? Aws.ACCOUNT_ID);

  const storage = new StorageStack(app, id('storage'), { ...stackProps('storage', 'S3 buckets'), config, names });
  const catalog = new CatalogStack(app, id('catalog'), {
    ...stackProps('catalog', 'Glue database and raw table'),
    names,
    removalPolicy: config.removalPolicy,
  });
  const ingestion = new IngestionStack(app, id('ingestion'), {
    ...stackProps('ingestion', 'Kinesis stream and Firehose to bronze'),
    config,
    names,
    rawTable: catalog.rawCfnTable,
  });
  const compute = new ComputeStack(app, id('compute'), {
    ...stackProps('compute', config.compute === 'emr' ? 'EMR roles, cluster network and Spark scripts' : 'EMR Serverless application, job execution role and Spark scripts'),
    config,
    names,
    sparkDir: props.sparkDir,
  });
  const query = new QueryStack(app, id('query'), { ...stackProps('query', 'Athena workgroup'), config, names });
  const name = config.name;
  const ci = isPreviewEnvironment(name) ? undefined : new CiStack(app, id('ci'), {
    ...stackProps('ci', 'GitHub OIDC deploy and run roles'),
    config: { ...config, name },
    names,
  });
  // Consumers name the storage stack's buckets (and each other's resources) by their
  // deterministic names, so the deployment order is declared rather than inferred.
  catalog.addStackDependency(storage);
  ingestion.addStackDependency(catalog);
  compute.addStackDependency(catalog);
  query.addStackDependency(storage);
  ci?.addStackDependency(ingestion);
  ci?.addStackDependency(compute);
  ci?.addStackDependency(query);

  const stacks = { storage, catalog, ingestion, compute, query, ...(ci ? { ci } : {}) };
  for (const stack of Object.values(stacks)) tagStack(stack, config.name);
  addNag(app, props.nag);
  return stacks;
}

export interface PreviewCiAppProps {
  readonly config: HostConfig;
  /** @default true */
  readonly nag?: boolean;
}

/**
 * Adds the stack of the roles every preview shares (`clickstream-preview-ci`, `-c environment=preview`):
 * deployed once per account before the first labelled pull request, and by hand or by a deploy of
 * `preview` when the roles change.
 */
export function addPreviewCiStack(app: App, props: PreviewCiAppProps): PreviewCiStack {
  setAppContext(app);
  const stack = new PreviewCiStack(app, stackName(PREVIEW_ROLES_ENVIRONMENT, 'ci'), {
    stackName: stackName(PREVIEW_ROLES_ENVIRONMENT, 'ci'),
    description: 'clickstream previews: GitHub OIDC deploy, run and teardown roles of every pull request\'s preview',
    env: stackEnv(props.config),
    config: props.config,
  });
  tagStack(stack, PREVIEW_ROLES_ENVIRONMENT);
  addNag(app, props.nag);
  return stack;
}

/** Context can only be set before the app has children, i.e. by the first environment added. */
function setAppContext(app: App): void {
  for (const [key, value] of Object.entries(APP_CONTEXT)) {
    if (app.node.tryGetContext(key) !== value) app.node.setContext(key, value);
  }
}

function stackEnv(config: Pick<HostConfig, 'account' | 'region'>) {
  return config.account || config.region ? { account: config.account, region: config.region } : undefined;
}

/** Stack tags (CloudFormation propagates them to the resources): the sweep finds previews by them too. */
function tagStack(stack: Stack, environment: string): void {
  Tags.of(stack).add('project', 'clickstream');
  Tags.of(stack).add('environment', environment);
}

function addNag(app: App, nag: boolean | undefined): void {
  if ((nag ?? true) && !NAGGED_APPS.has(app)) {
    NAGGED_APPS.add(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
}
