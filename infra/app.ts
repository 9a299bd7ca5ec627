import { App, Aws, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnvironmentConfig } from './config/environments';
import { CatalogStack } from './stacks/catalog-stack';
import { CiStack } from './stacks/ci-stack';
import { ComputeStack } from './stacks/compute-stack';
import { IngestionStack } from './stacks/ingestion-stack';
import { QueryStack } from './stacks/query-stack';
import { StorageStack } from './stacks/storage-stack';
import { resourceNames } from '../src/config/names';
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
  readonly ci: CiStack;
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
  // Context can only be set before the app has children, i.e. by the first environment added.
  for (const [key, value] of Object.entries(APP_CONTEXT)) {
    if (app.node.tryGetContext(key) !== value) app.node.setContext(key, value);
  }
  const env = config.account || config.region ? { account: config.account, region: config.region } : undefined;
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
    ...stackProps('compute', 'EMR roles and Spark scripts'),
    config,
    names,
    sparkDir: props.sparkDir,
  });
  const query = new QueryStack(app, id('query'), { ...stackProps('query', 'Athena workgroup'), config, names });
  const ci = new CiStack(app, id('ci'), {
    ...stackProps('ci', 'GitHub OIDC deploy and run roles'),
    config,
    names,
    emrServiceRole: compute.serviceRole,
    emrInstanceRole: compute.instanceRole,
  });
  // Consumers name the storage stack's buckets (and each other's resources) by their
  // deterministic names, so the deployment order is declared rather than inferred.
  catalog.addStackDependency(storage);
  ingestion.addStackDependency(catalog);
  compute.addStackDependency(catalog);
  query.addStackDependency(storage);
  ci.addStackDependency(ingestion);
  ci.addStackDependency(query);

  const stacks = { storage, catalog, ingestion, compute, query, ci };
  for (const stack of Object.values(stacks)) {
    Tags.of(stack).add('project', 'clickstream');
    Tags.of(stack).add('environment', config.name);
  }
  if ((props.nag ?? true) && !NAGGED_APPS.has(app)) {
    NAGGED_APPS.add(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return stacks;
}
