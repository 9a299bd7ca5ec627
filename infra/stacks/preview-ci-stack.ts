import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EMR_ENVIRONMENT_TAG, PREVIEW_PREFIX, PREVIEW_ROLES_ENVIRONMENT, PreviewEnvironmentName, emrRoleNames, previewNamePatterns, serverlessExecutionRoleName } from '../../src/config/names';
import { OUTPUT_KEYS, stackNamePrefix } from '../../src/config/stack-outputs';
import { HostConfig } from '../config/environments';
import { gitHubOidcProvider, gitHubRole, grantCdkDeployment, grantPipelineRun } from '../constructs/github-roles';
import { acknowledgeWildcards, arnFinding } from '../constructs/nag';
import { addOutput } from '../constructs/output';

export interface PreviewCiStackProps extends StackProps {
  readonly config: HostConfig;
}

/** The name every preview's environment matches in IAM patterns (`pr-*`). */
const ANY_PREVIEW = `${PREVIEW_PREFIX}*` as PreviewEnvironmentName;

/**
 * The roles every pull request's preview (`pr-<number>`) is deployed, run and destroyed with. A
 * preview's own stacks cannot hold them: its first deployment needs credentials before they exist,
 * its teardown after they are gone. So one standing stack holds three roles for all previews, each
 * scoped by the naming module's patterns to preview resources (`clickstream-pr-*`, `analytics_pr_*`,
 * clusters tagged `pr-*`) and trusted by the GitHub environments of the trust contract:
 * - deploy (GitHub environment `preview`, reviewed): assumes the CDK bootstrap roles, like every
 *   deploy role, since CloudFormation deploys the pull request's templates;
 * - run (`preview`): replay, EMR and Athena on previews only;
 * - teardown (`preview-teardown`, unreviewed because of what it cannot do): delete preview stacks
 *   and terminate preview clusters, nothing that creates or changes anything.
 */
export class PreviewCiStack extends Stack {
  readonly deployRole: iam.Role;
  readonly runRole: iam.Role;
  readonly teardownRole: iam.Role;

  constructor(scope: Construct, id: string, props: PreviewCiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const provider = gitHubOidcProvider(this, config.github);
    const role = { provider, repository: config.github.repository, owner: PREVIEW_ROLES_ENVIRONMENT } as const;

    this.deployRole = gitHubRole(this, 'DeployRole', {
      ...role,
      kind: 'deploy',
      description: `GitHub Actions: deploys pull requests' previews (pr-<number>) of clickstream from ${config.github.repository}`,
      maxSessionDuration: Duration.hours(2),
    });
    grantCdkDeployment(this, this.deployRole, config.bootstrapQualifier);

    this.runRole = gitHubRole(this, 'RunRole', {
      ...role,
      kind: 'run',
      description: 'GitHub Actions: replays events, runs the KPI jobs on EMR and validates them in pull requests\' previews',
      maxSessionDuration: Duration.hours(4),
    });
    grantPipelineRun(this, this.runRole, {
      names: previewNamePatterns(this.account),
      emrRoles: emrRoleNames(ANY_PREVIEW),
      clusterTag: { operator: 'StringLike', value: ANY_PREVIEW },
      stacks: `${stackNamePrefix(ANY_PREVIEW)}*`,
      scope: 'every preview (pr-<number>)',
      // A preview's compute is chosen at its deployment (-c compute=...): the shared role serves both.
      serverlessExecutionRole: serverlessExecutionRoleName(ANY_PREVIEW),
    });

    this.teardownRole = gitHubRole(this, 'TeardownRole', {
      ...role,
      kind: 'teardown',
      description: 'GitHub Actions: destroys pull requests\' previews (their stacks and EMR clusters), on close and on schedule',
      maxSessionDuration: Duration.hours(2),
    });
    this.grantTeardown();

    addOutput(this, OUTPUT_KEYS.deployRoleArn, this.deployRole.roleArn, 'role-to-assume of the preview jobs that deploy (GitHub environment preview)');
    addOutput(this, OUTPUT_KEYS.runRoleArn, this.runRole.roleArn, 'role-to-assume of the preview jobs that run the pipeline (GitHub environment preview)');
    addOutput(this, OUTPUT_KEYS.teardownRoleArn, this.teardownRole.roleArn, 'role-to-assume of the preview teardown and sweep (GitHub environment preview-teardown)');
  }

  /**
   * Finding previews and deleting them. DeleteStack runs with the service role the stack was created
   * with (the CDK bootstrap's execution role), which a caller allowed to operate on the stack may use
   * without iam:PassRole (CloudFormation API reference, DeleteStack RoleARN and CreateStack RoleARN).
   */
  private grantTeardown(): void {
    const role = this.teardownRole;
    const stacks = this.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stackNamePrefix(ANY_PREVIEW)}*/*` });
    const clusters = this.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' });
    // Service Authorization Reference, EMR Serverless: ListJobRuns acts on the application, CancelJobRun on the job run.
    const applications = this.formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: '*' });
    const jobRuns = this.formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: '*/jobruns/*' });
    const previewTagged = { StringLike: { [`aws:ResourceTag/${EMR_ENVIRONMENT_TAG}`]: ANY_PREVIEW } };
    const statements: iam.PolicyStatementProps[] = [
      // ListStacks and ListClusters have no resource-level permissions.
      { sid: 'FindPreviews', actions: ['cloudformation:ListStacks', 'elasticmapreduce:ListClusters'], resources: ['*'] },
      {
        sid: 'DeletePreviewStacks',
        actions: ['cloudformation:DescribeStacks', 'cloudformation:DeleteStack', 'cloudformation:ListStackResources', 'cloudformation:DescribeStackEvents'],
        resources: [stacks],
      },
      // Reading a cluster's tags is how a preview's cluster is told from the others.
      { sid: 'DescribeClusters', actions: ['elasticmapreduce:DescribeCluster'], resources: [clusters] },
      {
        sid: 'TerminatePreviewClusters',
        actions: ['elasticmapreduce:TerminateJobFlows'],
        resources: [clusters],
        conditions: { StringLike: { [`aws:ResourceTag/${EMR_ENVIRONMENT_TAG}`]: ANY_PREVIEW } },
      },
      // A serverless preview's job runs still going are cancelled, and its application stopped, before its
      // stacks are deleted: CloudFormation cannot delete an application that is not CREATED or STOPPED.
      {
        sid: 'StopPreviewApplications',
        actions: ['emr-serverless:ListJobRuns', 'emr-serverless:GetApplication', 'emr-serverless:StopApplication'],
        resources: [applications],
        conditions: previewTagged,
      },
      { sid: 'CancelPreviewJobRuns', actions: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], resources: [jobRuns], conditions: previewTagged },
    ];
    for (const statement of statements) role.addToPolicy(new iam.PolicyStatement(statement));
    acknowledgeWildcards(role, [
      { finding: 'Resource::*', reason: 'cloudformation:ListStacks and elasticmapreduce:ListClusters have no resource-level permissions: the sweep lists to find previews.' },
      { finding: arnFinding(this, stacks), reason: 'Every preview\'s stacks (clickstream-pr-<number>-<concern>); stack ARNs end in a generated id.' },
      { finding: arnFinding(this, clusters), reason: 'EMR cluster ids are generated: any cluster may be described (to read its tags), only clusters tagged pr-* terminated.' },
      { finding: arnFinding(this, applications), reason: 'EMR Serverless application ids are generated: only applications tagged pr-* have their job runs listed, and are stopped.' },
      { finding: arnFinding(this, jobRuns), reason: 'EMR Serverless job run ids are generated: only job runs tagged pr-* are read and cancelled.' },
    ]);
  }
}
