import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeWildcards, arnFinding } from './nag';
import { EMR_ENVIRONMENT_TAG, EMR_LOG_PREFIX, EmrRoleNames, ResourceNames, SERVERLESS_LOG_PREFIX } from '../../src/config/names';
import { KPI_VALIDATIONS_TABLE } from '../../src/kpis/catalog';
import { RoleOwner } from '../config/deploy-environments';
import { GitHubTrust } from '../config/environments';
import { RoleKind, trustedSubjects } from '../config/github-environments';
import { EMR_SERVERLESS_PRINCIPAL } from '../stacks/compute-stack';
import { ATHENA_RESULTS_PREFIX } from '../stacks/query-stack';

/** Issuer of GitHub Actions' OIDC tokens. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The audience configure-aws-credentials requests and IAM's GitHub OIDC trust expects. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/**
 * The account's GitHub OIDC provider. IAM allows one per issuer URL in an account, so only the
 * first stack deployed to an account creates it; the others import it.
 */
export function gitHubOidcProvider(stack: Stack, github: GitHubTrust): iam.IOidcProvider {
  return github.createOidcProvider
    ? new iam.OidcProviderNative(stack, 'GitHubOidc', { url: `https://${GITHUB_OIDC_HOST}`, clientIds: [STS_AUDIENCE] })
    : iam.OidcProviderNative.fromOidcProviderArn(stack, 'GitHubOidc', stack.formatArn({ service: 'iam', region: '', resource: 'oidc-provider', resourceName: GITHUB_OIDC_HOST }));
}

export interface GitHubRoleProps {
  readonly provider: iam.IOidcProvider;
  readonly repository: string;
  readonly owner: RoleOwner;
  readonly kind: RoleKind;
  readonly description: string;
  readonly maxSessionDuration: Duration;
}

/**
 * A role that trusts exactly the subjects of the GitHub environments the contract lets assume it
 * (`repo:<owner>/<repo>:environment:<name>`, {@link trustedSubjects}), with `StringEquals`: no
 * wildcard, branch or pull-request subject.
 */
export function gitHubRole(stack: Stack, id: string, props: GitHubRoleProps): iam.Role {
  const subjects = trustedSubjects(props.repository, props.owner, props.kind);
  if (subjects.length === 0) throw new Error(`No GitHub environment may assume the ${props.kind} role of ${props.owner}: add one to GITHUB_ENVIRONMENTS or drop the role.`);
  return new iam.Role(stack, id, {
    assumedBy: new iam.WebIdentityPrincipal(props.provider.openIdConnectProviderArn, {
      StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subjects },
    }),
    description: props.description,
    maxSessionDuration: props.maxSessionDuration,
  });
}

/**
 * What a deploy role may do: assume the account's CDK bootstrap roles (the toolkit assumes the one
 * each step needs; they hold the deployment permissions) and check the bootstrap stack.
 */
export function grantCdkDeployment(stack: Stack, role: iam.Role, bootstrapQualifier: string): void {
  const bootstrapRoles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `cdk-${bootstrapQualifier}-*-${stack.account}-${stack.region}` });
  const bootstrapStack = stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: 'CDKToolkit/*' });
  role.addToPolicy(new iam.PolicyStatement({ sid: 'AssumeCdkBootstrapRoles', actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [bootstrapRoles] }));
  role.addToPolicy(new iam.PolicyStatement({ sid: 'CheckBootstrap', actions: ['cloudformation:DescribeStacks'], resources: [bootstrapStack] }));
  acknowledgeWildcards(role, [
    { finding: arnFinding(stack, bootstrapRoles), reason: "The account's CDK bootstrap roles (deploy, lookup, file and image publishing); the toolkit assumes the one each step needs and they hold the deployment permissions." },
    { finding: arnFinding(stack, bootstrapStack), reason: 'A stack ARN ends in a generated id; this names the bootstrap stack only (the deploy action\'s bootstrap check).' },
  ]);
}

/** What a run role acts on: one environment's resources, or every preview's. */
export interface RunTarget {
  /** The names, or IAM patterns matching them ({@link previewNamePatterns}). */
  readonly names: ResourceNames;
  /** Its EMR roles' names, or patterns matching them. */
  readonly emrRoles: EmrRoleNames;
  /**
   * How the environment tag (EMR_ENVIRONMENT_TAG) of an EMR cluster, an EMR Serverless application or
   * job run must match: one environment's name, or a pattern.
   */
  readonly clusterTag: { readonly operator: 'StringEquals' | 'StringLike'; readonly value: string };
  /**
   * The EMR Serverless job execution role's name, or a pattern matching the names, when the target
   * runs its jobs on EMR Serverless: the run then starts, follows and cancels job runs on the
   * target's applications, passing them this role, and reads their logs.
   * @default - no EMR Serverless statement
   */
  readonly serverlessExecutionRole?: string;
  /** The stacks whose outputs it reads, as a name pattern (`clickstream-dev-*`). */
  readonly stacks: string;
  /** What the reasons call it: "this environment", "every preview". */
  readonly scope: string;
}

/**
 * What a run needs, and nothing else: replay into the stream, wait for Firehose (its buffer interval),
 * read landed data, scripts, EMR logs and the KPI tables, run EMR clusters tagged for the target with
 * its EMR roles, validate through its Athena workgroup, and resolve names from its stack outputs.
 * Bucket statements are written out (not aws-cdk-lib's grants) so they also take name patterns.
 */
export function grantPipelineRun(stack: Stack, role: iam.Role, target: RunTarget): void {
  const { names } = target;
  const bucketArn = (bucket: string) => `arn:${stack.partition}:s3:::${bucket}`;
  const readBuckets = [names.bronzeBucket, names.warehouseBucket, names.scriptsBucket];
  const stream = stack.formatArn({ service: 'kinesis', resource: 'stream', resourceName: names.streamName });
  const deliveryStream = stack.formatArn({ service: 'firehose', resource: 'deliverystream', resourceName: names.deliveryStreamName });
  const clusters = stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' });
  const emrRoles = [target.emrRoles.serviceRole, target.emrRoles.instanceRole].map((name) => stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name }));
  const catalog = stack.formatArn({ service: 'glue', resource: 'catalog' });
  const database = stack.formatArn({ service: 'glue', resource: 'database', resourceName: names.glueDatabase });
  const tables = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${names.glueDatabase}/*` });
  const verdicts = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${names.glueDatabase}/${KPI_VALIDATIONS_TABLE}` });
  const workgroup = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: names.athenaWorkgroup });
  const stacks = stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${target.stacks}/*` });
  const tag = (key: string) => ({ [target.clusterTag.operator]: { [key]: target.clusterTag.value } });

  const statements: iam.PolicyStatementProps[] = [
    { sid: 'ReplayIntoStream', actions: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards', 'kinesis:DescribeStreamSummary'], resources: [stream] },
    { sid: 'WaitForFirehose', actions: ['firehose:DescribeDeliveryStream'], resources: [deliveryStream] },
    { sid: 'ListPipelineBuckets', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [...readBuckets, names.logsBucket, names.athenaResultsBucket].map(bucketArn) },
    { sid: 'ReadPipelineData', actions: ['s3:GetObject'], resources: readBuckets.map((b) => `${bucketArn(b)}/*`) },
    { sid: 'ReadEmrLogs', actions: ['s3:GetObject'], resources: [`${bucketArn(names.logsBucket)}/${EMR_LOG_PREFIX}*`] },
    {
      sid: 'AthenaResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [`${bucketArn(names.athenaResultsBucket)}/${ATHENA_RESULTS_PREFIX}*`],
    },
    { sid: 'PassEmrRoles', actions: ['iam:PassRole'], resources: emrRoles },
    // EMR Management Guide, "Using service-linked roles for Amazon EMR for cleanup": EMR creates
    // AWSServiceRoleForEMRCleanup when a cluster launches and it does not exist yet, and the entity
    // launching the cluster must be allowed to create it (iam:CreateServiceLinkedRole, this role only).
    {
      sid: 'CreateEmrCleanupRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup' })],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'elasticmapreduce.amazonaws.com' } },
    },
    // Service Authorization Reference, "Actions, resources, and condition keys for Amazon EMR": RunJobFlow
    // names no resource type, so only `*` matches it (a cluster ARN never does: the cluster does not
    // exist yet); the request's environment tag is what scopes it. AddTags acts on a cluster.
    { sid: 'CreateTaggedClusters', actions: ['elasticmapreduce:RunJobFlow'], resources: ['*'], conditions: tag(`aws:RequestTag/${EMR_ENVIRONMENT_TAG}`) },
    { sid: 'TagOwnClusters', actions: ['elasticmapreduce:AddTags'], resources: [clusters], conditions: tag(`aws:RequestTag/${EMR_ENVIRONMENT_TAG}`) },
    {
      sid: 'OperateOwnClusters',
      actions: [
        'elasticmapreduce:DescribeCluster', 'elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:DescribeStep',
        'elasticmapreduce:ListSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:TerminateJobFlows',
        // The run's cost estimate prices the cluster's instances.
        'elasticmapreduce:ListInstances',
      ],
      resources: [clusters],
      conditions: tag(`aws:ResourceTag/${EMR_ENVIRONMENT_TAG}`),
    },
    {
      sid: 'ReadKpiTables',
      actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: [catalog, database, tables],
    },
    // Validation records each run's verdict in _kpi_validations through Athena (an Iceberg INSERT:
    // data and metadata files under the table's location, then a Glue table update); publishing reads it.
    // Glue authorizes a table action on the table, its database and the catalog (AWS Glue Developer Guide,
    // "Specifying AWS Glue resource ARNs": catalog resources are hierarchical, catalog at the root); the
    // permission contract evaluates UpdateTable on all three.
    { sid: 'RecordValidationVerdicts', actions: ['glue:UpdateTable'], resources: [catalog, database, verdicts] },
    { sid: 'WriteValidationVerdicts', actions: ['s3:PutObject'], resources: [`${bucketArn(names.warehouseBucket)}/warehouse/${names.glueDatabase}.db/${KPI_VALIDATIONS_TABLE}/*`] },
    // Publishing is a metadata commit per table from the runner (PyIceberg's Glue catalog): a new
    // metadata file under the table's metadata/ folder, then UpdateTable. No data file is written.
    { sid: 'PublishRuns', actions: ['glue:UpdateTable'], resources: [catalog, database, tables] },
    { sid: 'WritePublishedMetadata', actions: ['s3:PutObject'], resources: [`${bucketArn(names.warehouseBucket)}/warehouse/${names.glueDatabase}.db/*/metadata/*`] },
    {
      sid: 'ValidateWithAthena',
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
      resources: [workgroup],
    },
    { sid: 'ResolveNamesFromStackOutputs', actions: ['cloudformation:DescribeStacks'], resources: [stacks] },
    ...(target.serverlessExecutionRole ? serverlessRunStatements(stack, target.serverlessExecutionRole, names.logsBucket, tag) : []),
  ];
  for (const statement of statements) role.addToPolicy(new iam.PolicyStatement(statement));

  const wildcard = (arn: string) => arn.includes('*');
  const reasons: Record<string, string> = {
    ListPipelineBuckets: `The pipeline buckets of ${target.scope}.`,
    ReadPipelineData: `Read-only: runs check landed data, published scripts and (through Athena) the Iceberg tables of ${target.scope}.`,
    ReadEmrLogs: 'Read-only: failed steps are reported with their EMR logs.',
    AthenaResults: 'Athena writes and the validation suite reads query results under results/.',
    OperateOwnClusters: `EMR cluster ids are generated; the statements only allow clusters tagged for ${target.scope}.`,
    CreateTaggedClusters: `EMR cluster ids are generated; the statements only allow clusters tagged for ${target.scope}.`,
    ReadKpiTables: `Read-only metadata of the KPI tables in the database of ${target.scope}, for Athena.`,
    ResolveNamesFromStackOutputs: `The CLI resolves names from the stack outputs of ${target.scope}; stack ARNs end in a generated id.`,
    ReplayIntoStream: `The stream of ${target.scope}.`,
    WaitForFirehose: `The delivery stream of ${target.scope}.`,
    PassEmrRoles: `The EMR roles of ${target.scope}, named after it.`,
    ValidateWithAthena: `The Athena workgroup of ${target.scope}.`,
    RecordValidationVerdicts: `The verdicts table of ${target.scope}'s database, and no other table.`,
    WriteValidationVerdicts: 'Athena writes the verdicts table\'s data and metadata files; no other table of the warehouse.',
    PublishRuns: `Publishing a validated run moves main of every KPI table of ${target.scope}'s database (a metadata commit).`,
    WritePublishedMetadata: 'Publishing writes each table\'s new metadata file; data files stay read-only.',
    StartTaggedJobRuns: `EMR Serverless application ids are generated; the statement only allows applications tagged for ${target.scope}, and job runs tagged for it.`,
    ReadOwnApplications: `EMR Serverless application ids are generated; the statement only allows applications tagged for ${target.scope}.`,
    OperateOwnJobRuns: `EMR Serverless job run ids are generated; the statement only allows job runs tagged for ${target.scope}.`,
    PassServerlessExecutionRole: `The EMR Serverless job execution roles of ${target.scope}, named after it, passed to EMR Serverless only.`,
    ReadServerlessLogs: 'Read-only: failed job runs are reported with their driver logs.',
  };
  acknowledgeWildcards(role, statements.flatMap((s) => (s.resources ?? []).filter(wildcard)
    .map((arn) => ({ finding: arnFinding(stack, arn), reason: reasons[s.sid!] }))));
}

type TagCondition = (key: string) => Record<string, Record<string, string>>;

/**
 * The EMR Serverless part of a run (Service Authorization Reference, "Actions, resources, and condition
 * keys for Amazon EMR Serverless"): StartJobRun and GetApplication act on an application
 * (`arn:<partition>:emr-serverless:<region>:<account>:/applications/<id>`), GetJobRun and CancelJobRun on
 * a job run (`.../applications/<id>/jobruns/<id>`); both resource types take aws:ResourceTag, and
 * StartJobRun aws:RequestTag. Ids are generated, so tags scope them: the application carries the
 * environment tag (the compute stack), and since an application's tags do not propagate to its job runs
 * (EMR Serverless User Guide, "Tagging your resources"), StartJobRun must tag each job run with it too.
 * StartJobRun passes the job execution role (User Guide, "Job runtime roles for Amazon EMR Serverless":
 * iam:PassRole with iam:PassedToService emr-serverless.amazonaws.com).
 */
function serverlessRunStatements(stack: Stack, executionRole: string, logsBucket: string, tag: TagCondition): iam.PolicyStatementProps[] {
  const applications = stack.formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: '*' });
  const jobRuns = stack.formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: '*/jobruns/*' });
  const role = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: executionRole });
  const ownResource = tag(`aws:ResourceTag/${EMR_ENVIRONMENT_TAG}`);
  const [operator] = Object.keys(ownResource);
  return [
    {
      sid: 'StartTaggedJobRuns',
      actions: ['emr-serverless:StartJobRun'],
      resources: [applications],
      conditions: { [operator]: { ...ownResource[operator], ...tag(`aws:RequestTag/${EMR_ENVIRONMENT_TAG}`)[operator] } },
    },
    { sid: 'ReadOwnApplications', actions: ['emr-serverless:GetApplication'], resources: [applications], conditions: ownResource },
    { sid: 'OperateOwnJobRuns', actions: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], resources: [jobRuns], conditions: ownResource },
    {
      sid: 'PassServerlessExecutionRole',
      actions: ['iam:PassRole'],
      resources: [role],
      conditions: { StringEquals: { 'iam:PassedToService': EMR_SERVERLESS_PRINCIPAL } },
    },
    { sid: 'ReadServerlessLogs', actions: ['s3:GetObject'], resources: [`arn:${stack.partition}:s3:::${logsBucket}/${SERVERLESS_LOG_PREFIX}*`] },
  ];
}
