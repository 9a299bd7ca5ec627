import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ResourceNames, emrRoleNames, serverlessExecutionRoleName } from '../../src/config/names';
import { OUTPUT_KEYS, stackNamePrefix } from '../../src/config/stack-outputs';
import { StandingEnvironment } from '../config/deploy-environments';
import { EnvironmentConfig } from '../config/environments';
import { gitHubOidcProvider, gitHubRole, grantCdkDeployment, grantPipelineRun } from '../constructs/github-roles';
import { addOutput } from '../constructs/output';

export interface CiStackProps extends StackProps {
  readonly config: EnvironmentConfig & { readonly name: StandingEnvironment };
  readonly names: ResourceNames;
}

/**
 * GitHub OIDC trust and the two roles a standing environment's workflows assume: deploy (may only
 * assume the CDK bootstrap roles) and run (replay, EMR KPI runs and Athena validation in this
 * environment). Each trusts exactly the subjects of the GitHub environments the trust contract lets
 * assume it. Previews have no CI stack: their jobs use the roles of the preview-ci stack.
 */
export class CiStack extends Stack {
  readonly deployRole: iam.Role;
  readonly runRole: iam.Role;

  constructor(scope: Construct, id: string, props: CiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const provider = gitHubOidcProvider(this, config.github);
    const role = { provider, repository: config.github.repository, owner: config.name };

    this.deployRole = gitHubRole(this, 'DeployRole', {
      ...role,
      kind: 'deploy',
      description: `GitHub Actions: deploys clickstream ${config.name} from ${config.github.repository}`,
      maxSessionDuration: Duration.hours(2),
    });
    grantCdkDeployment(this, this.deployRole, config.bootstrapQualifier);

    this.runRole = gitHubRole(this, 'RunRole', {
      ...role,
      kind: 'run',
      description: `GitHub Actions: replays events, runs the KPI jobs on EMR and validates them in clickstream ${config.name}`,
      maxSessionDuration: Duration.hours(4),
    });
    grantPipelineRun(this, this.runRole, {
      names: props.names,
      emrRoles: emrRoleNames(config.name),
      clusterTag: { operator: 'StringEquals', value: config.name },
      stacks: `${stackNamePrefix(config.name)}*`,
      scope: `environment ${config.name}`,
      ...(config.compute === 'emr-serverless' ? { serverlessExecutionRole: serverlessExecutionRoleName(config.name) } : {}),
    });

    addOutput(this, OUTPUT_KEYS.deployRoleArn, this.deployRole.roleArn, 'role-to-assume of the deploy workflow');
    addOutput(this, OUTPUT_KEYS.runRoleArn, this.runRole.roleArn, 'role-to-assume of the KPI run workflows');
  }
}
