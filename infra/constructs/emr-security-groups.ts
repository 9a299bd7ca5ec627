import * as path from 'node:path';
import { CustomResource, CustomResourceProvider, CustomResourceProviderRuntime, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { EMR_MANAGED_POLICY_TAG } from '../../src/emr/cluster-network';

/** The custom resource's type: one provider per stack serves it. */
export const EMR_SECURITY_GROUPS_RESOURCE_TYPE = 'Custom::EmrSecurityGroups';

export interface EmrSecurityGroupsProps {
  /** The cluster VPC, which EMR creates its default security groups in. */
  readonly vpc: ec2.IVpc;
}

/**
 * Deletes EMR's default security groups from the cluster VPC when the stack is deleted (the handler,
 * infra/handlers/emr-security-groups/index.js, says why and how). Without it, deleting the stack of
 * an environment that ever ran a cluster fails at its VPC, which a preview's teardown would report on
 * every closed pull request, and each left VPC counts against the region's quota (Amazon VPC User
 * Guide, "Amazon VPC quotas": 5 VPCs per Region by default).
 *
 * Its role may revoke rules of, and delete, only security groups of this VPC (condition ec2:Vpc) that
 * carry EMR's managed-policy tag; the Describe actions it needs have no resource-level permissions
 * (Service Authorization Reference, Amazon EC2).
 */
export class EmrSecurityGroups extends Construct {
  constructor(scope: Construct, id: string, props: EmrSecurityGroupsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const vpcArn = stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: props.vpc.vpcId });
    const provider = CustomResourceProvider.getOrCreateProvider(this, EMR_SECURITY_GROUPS_RESOURCE_TYPE, {
      codeDirectory: path.join(__dirname, '..', 'handlers', 'emr-security-groups'),
      runtime: CustomResourceProviderRuntime.NODEJS_22_X,
      // Network interfaces of terminated instances take a while to go; the handler waits up to 8 minutes.
      timeout: Duration.minutes(10),
      description: 'Deletes the security groups EMR created in the cluster VPC when the stack is deleted',
      policyStatements: [
        {
          Sid: 'FindEmrSecurityGroups',
          Effect: 'Allow',
          Action: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces'],
          Resource: '*',
        },
        {
          Sid: 'DeleteEmrSecurityGroupsOfThisVpc',
          Effect: 'Allow',
          Action: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:DeleteSecurityGroup'],
          Resource: stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: '*' }),
          Condition: {
            ArnEquals: { 'ec2:Vpc': vpcArn },
            StringEquals: { [`aws:ResourceTag/${EMR_MANAGED_POLICY_TAG.key}`]: EMR_MANAGED_POLICY_TAG.value },
          },
        },
      ],
    });
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: EMR_SECURITY_GROUPS_RESOURCE_TYPE,
      properties: { VpcId: props.vpc.vpcId },
    });
    // Deleted before the VPC (it names it) and before the subnet EMR launched into.
    resource.node.addDependency(props.vpc);
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The handler writes only its own logs with this policy (the stack\'s function log group).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ec2:DescribeSecurityGroups, DescribeSecurityGroupRules and DescribeNetworkInterfaces have no resource-level permissions.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*]',
        reason: 'EMR generates the groups\' ids: the role may act only on groups of this VPC (ec2:Vpc) tagged for EMR\'s managed policy.',
      },
    );
  }
}
