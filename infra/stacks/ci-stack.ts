import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { EMR_LOG_PREFIX } from './compute-stack';
import { ATHENA_RESULTS_PREFIX } from './query-stack';
import { EMR_ENVIRONMENT_TAG, ResourceNames } from '../../src/config/names';
import { SCRIPTS_ROOT_PREFIX } from '../../src/config/scripts';
import { OUTPUT_KEYS, stackNamePrefix } from '../../src/config/stack-outputs';
import { KPI_VALIDATIONS_TABLE } from '../../src/kpis/catalog';
import { EnvironmentConfig } from '../config/environments';
import { RoleKind, runsPullRequests, trustedSubjects } from '../config/github-environments';
import { glueDatabaseArns, pipelineBucket } from '../constructs/imports';
import { acknowledgeWildcards, arnFinding, bucketObjectsFinding, S3_GRANT_ACTIONS } from '../constructs/nag';
import { addOutput } from '../constructs/output';

/** Issuer of GitHub Actions' OIDC tokens. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface CiStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
  readonly emrServiceRole: iam.IRole;
  readonly emrInstanceRole: iam.IRole;
}

/**
 * Keys a pull request's EMR run publishes its scripts to: versions named by a 40-character commit
 * sha (`?` matches one character), never the 16-character content hashes the CDK app deploys.
 */
export const COMMIT_SCRIPTS_KEYS = `${SCRIPTS_ROOT_PREFIX}/${'?'.repeat(40)}/*`;

/** The audience configure-aws-credentials requests and IAM's GitHub OIDC trust expects. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/**
 * GitHub OIDC trust and the two roles workflows assume: deploy (may only assume the CDK bootstrap
 * roles) and run (replay, EMR KPI runs and Athena validation). Each trusts exactly the subjects of
 * the GitHub environments {@link trustedSubjects} allows it (`repo:<owner>/<repo>:environment:<name>`),
 * with `StringEquals`: no wildcard, branch or pull-request subject.
 */
export class CiStack extends Stack {
  readonly deployRole: iam.Role;
  readonly runRole: iam.Role;

  constructor(scope: Construct, id: string, props: CiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const provider = config.github.createOidcProvider
      ? new iam.OidcProviderNative(this, 'GitHubOidc', { url: `https://${GITHUB_OIDC_HOST}`, clientIds: [STS_AUDIENCE] })
      : iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidc', this.formatArn({ service: 'iam', region: '', resource: 'oidc-provider', resourceName: GITHUB_OIDC_HOST }));
    const github = (role: RoleKind) => new iam.WebIdentityPrincipal(provider.openIdConnectProviderArn, {
      StringEquals: {
        [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
        [`${GITHUB_OIDC_HOST}:sub`]: trustedSubjects(config.github.repository, config.name, role),
      },
    });

    this.deployRole = new iam.Role(this, 'DeployRole', {
      assumedBy: github('deploy'),
      description: `GitHub Actions: deploys clickstream ${config.name} from ${config.github.repository}`,
      maxSessionDuration: Duration.hours(2),
    });
    const bootstrapRoles = this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `cdk-${config.bootstrapQualifier}-*-${this.account}-${this.region}` });
    const bootstrapStack = this.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: 'CDKToolkit/*' });
    this.deployRole.addToPolicy(new iam.PolicyStatement({
      sid: 'AssumeCdkBootstrapRoles',
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      resources: [bootstrapRoles],
    }));
    this.deployRole.addToPolicy(new iam.PolicyStatement({
      sid: 'CheckBootstrap',
      actions: ['cloudformation:DescribeStacks'],
      resources: [bootstrapStack],
    }));
    acknowledgeWildcards(this.deployRole, [
      { finding: arnFinding(this, bootstrapRoles), reason: "The account's CDK bootstrap roles (deploy, lookup, file and image publishing); the toolkit assumes the one each step needs and they hold the deployment permissions." },
      { finding: arnFinding(this, bootstrapStack), reason: "A stack ARN ends in a generated id; this names the bootstrap stack only (the deploy action's bootstrap check)." },
    ]);

    this.runRole = new iam.Role(this, 'RunRole', {
      assumedBy: github('run'),
      description: `GitHub Actions: replays events, runs the KPI jobs on EMR and validates them in clickstream ${config.name}`,
      maxSessionDuration: Duration.hours(4),
    });
    this.grantRun(props);

    addOutput(this, OUTPUT_KEYS.deployRoleArn, this.deployRole.roleArn, 'role-to-assume of the deploy workflow');
    addOutput(this, OUTPUT_KEYS.runRoleArn, this.runRole.roleArn, 'role-to-assume of the KPI run workflows');
  }

  private grantRun(props: CiStackProps): void {
    const role = this.runRole;
    const { names } = props;
    const stream = kinesis.Stream.fromStreamArn(this, 'Stream', this.formatArn({ service: 'kinesis', resource: 'stream', resourceName: names.streamName }));
    stream.grantWrite(role);
    stream.grant(role, 'kinesis:DescribeStreamSummary');
    const bucket = (b: Parameters<typeof pipelineBucket>[2]) => pipelineBucket(this, names, b);
    bucket('bronzeBucket').grantRead(role);
    bucket('warehouseBucket').grantRead(role);
    bucket('scriptsBucket').grantRead(role);
    if (runsPullRequests(props.config.name)) {
      role.addToPolicy(new iam.PolicyStatement({
        sid: 'PublishPullRequestScripts',
        actions: ['s3:PutObject'],
        resources: [bucket('scriptsBucket').arnForObjects(COMMIT_SCRIPTS_KEYS)],
      }));
    }
    bucket('logsBucket').grantRead(role, `${EMR_LOG_PREFIX}*`);
    bucket('athenaResultsBucket').grantReadWrite(role, `${ATHENA_RESULTS_PREFIX}*`);
    props.emrServiceRole.grantPassRole(role);
    props.emrInstanceRole.grantPassRole(role);

    const stacks = this.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stackNamePrefix(props.config.name)}*/*` });
    const tag = `aws:RequestTag/${EMR_ENVIRONMENT_TAG}`;
    const clusters = this.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' });
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'CreateTaggedClusters',
      actions: ['elasticmapreduce:RunJobFlow', 'elasticmapreduce:AddTags'],
      resources: [clusters],
      conditions: { StringEquals: { [tag]: props.config.name } },
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'OperateOwnClusters',
      actions: [
        'elasticmapreduce:DescribeCluster', 'elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:DescribeStep',
        'elasticmapreduce:ListSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:TerminateJobFlows',
        // The run's cost estimate prices the cluster's instances.
        'elasticmapreduce:ListInstances',
      ],
      resources: [clusters],
      conditions: { StringEquals: { [`aws:ResourceTag/${EMR_ENVIRONMENT_TAG}`]: props.config.name } },
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ReadKpiTables',
      actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: glueDatabaseArns(this, names.glueDatabase),
    }));
    // Validation records each run's verdict in _kpi_validations through Athena (an Iceberg INSERT:
    // data and metadata files under the table's location, then a Glue table update); publishing reads it.
    const verdicts = this.formatArn({ service: 'glue', resource: 'table', resourceName: `${names.glueDatabase}/${KPI_VALIDATIONS_TABLE}` });
    const verdictObjects = bucket('warehouseBucket').arnForObjects(`warehouse/${names.glueDatabase}.db/${KPI_VALIDATIONS_TABLE}/*`);
    role.addToPolicy(new iam.PolicyStatement({ sid: 'RecordValidationVerdicts', actions: ['glue:UpdateTable'], resources: [verdicts] }));
    role.addToPolicy(new iam.PolicyStatement({ sid: 'WriteValidationVerdicts', actions: ['s3:PutObject'], resources: [verdictObjects] }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ValidateWithAthena',
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
      resources: [this.formatArn({ service: 'athena', resource: 'workgroup', resourceName: names.athenaWorkgroup })],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'ResolveNamesFromStackOutputs',
      actions: ['cloudformation:DescribeStacks'],
      resources: [stacks],
    }));
    acknowledgeWildcards(role, [
      { finding: S3_GRANT_ACTIONS, reason: 'Bucket grants of the run role: read bronze, warehouse, scripts and EMR logs; read and write Athena results.' },
      ...(['bronzeBucket', 'warehouseBucket', 'scriptsBucket'] as const).map((b) => ({
        finding: bucketObjectsFinding(bucket(b)),
        reason: 'Read-only: runs check landed data, published scripts and (through Athena) the Iceberg tables.',
      })),
      { finding: bucketObjectsFinding(bucket('logsBucket'), `${EMR_LOG_PREFIX}*`), reason: 'Read-only: failed steps are reported with their EMR logs.' },
      {
        finding: bucketObjectsFinding(bucket('scriptsBucket'), COMMIT_SCRIPTS_KEYS),
        reason: "A pull request's EMR run uploads its scripts under its commit's sha (clickstream publish-scripts); deployed content-hash versions stay read-only.",
      },
      { finding: bucketObjectsFinding(bucket('athenaResultsBucket'), `${ATHENA_RESULTS_PREFIX}*`), reason: 'Athena writes and the validation suite reads query results under results/.' },
      { finding: arnFinding(this, clusters), reason: 'EMR cluster ids are generated; the statements only allow clusters tagged with this environment.' },
      { finding: bucketObjectsFinding(bucket('warehouseBucket'), `warehouse/${names.glueDatabase}.db/${KPI_VALIDATIONS_TABLE}/*`), reason: 'Athena writes the verdicts table\'s data and metadata files; no other table of the warehouse.' },
      { finding: arnFinding(this, glueDatabaseArns(this, names.glueDatabase)[2]), reason: 'Read-only metadata of the KPI tables in this database, for Athena.' },
      { finding: arnFinding(this, stacks), reason: "The CLI resolves names from this environment's stack outputs; stack ARNs end in a generated id." },
    ]);
  }
}
