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

export interface ClickstreamStacks {
  readonly storage: StorageStack;
  readonly catalog: CatalogStack;
  readonly ingestion: IngestionStack;
  readonly compute: ComputeStack;
  readonly query: QueryStack;
  readonly ci: CiStack;
}

/** Adds one environment's stacks to an app. */
export function addClickstreamStacks(app: App, props: ClickstreamAppProps): ClickstreamStacks {
  const { config } = props;
  // Deliver S3 access logs through a bucket policy rather than the legacy log-delivery ACL,
  // which would need ACLs enabled on the (owner-enforced) logs bucket.
  app.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  // All stacks deploy together in dependency order, so exports may protect their consumers.
  app.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
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
  if (props.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
