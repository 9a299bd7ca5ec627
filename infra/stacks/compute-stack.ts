import { Fn, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ResourceNames, emrRoleNames } from '../../src/config/names';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { EMR_MANAGED_POLICY_TAG } from '../../src/emr/cluster-network';
import { EnvironmentConfig, logRetentionDays } from '../config/environments';
import { ClusterNetwork } from '../constructs/cluster-network';
import { ownFunctionLogs } from '../constructs/function-logs';
import { glueDatabaseArns, pipelineBucket } from '../constructs/imports';
import { acknowledgeWildcards, arnFinding, bucketObjectsFinding, S3_GRANT_ACTIONS } from '../constructs/nag';
import { addOutput } from '../constructs/output';
import { SparkScripts } from '../constructs/spark-scripts';

export interface ComputeStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
  /** The repository's `spark/` folder, published to the scripts bucket. */
  readonly sparkDir: string;
}

/** Key prefix of EMR cluster logs in the logs bucket. */
export const EMR_LOG_PREFIX = 'emr/';

/**
 * What an EMR cluster of the KPI jobs runs as and where: the service role, the EC2 instance profile
 * (scoped to this environment's buckets, Glue database and logs), the network the service role may
 * launch into, and the published scripts.
 */
export class ComputeStack extends Stack {
  readonly serviceRole: iam.Role;
  readonly instanceRole: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
  readonly network: ClusterNetwork;
  readonly scripts: SparkScripts;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const { config, names } = props;
    const bucket = (b: Parameters<typeof pipelineBucket>[2]) => pipelineBucket(this, names, b);
    // Named after the environment, so a role that acts on every preview can pass exactly theirs.
    const roleNames = emrRoleNames(config.name);

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      roleName: roleNames.instanceRole,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `EC2 instances of clickstream ${config.name} EMR clusters`,
    });
    bucket('bronzeBucket').grantRead(this.instanceRole);
    bucket('scriptsBucket').grantRead(this.instanceRole);
    bucket('warehouseBucket').grantReadWrite(this.instanceRole);
    bucket('logsBucket').grantPut(this.instanceRole, `${EMR_LOG_PREFIX}*`);
    this.instanceRole.addToPolicy(new iam.PolicyStatement({
      sid: 'IcebergGlueCatalog',
      actions: [
        'glue:GetDatabase', 'glue:GetDatabases',
        'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable',
        'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition',
      ],
      resources: glueDatabaseArns(this, names.glueDatabase),
    }));
    acknowledgeWildcards(this.instanceRole, [
      { finding: S3_GRANT_ACTIONS, reason: 'Bucket grants of the instance role: Spark reads bronze and scripts, Iceberg reads, writes and expires warehouse files.' },
      { finding: bucketObjectsFinding(bucket('bronzeBucket')), reason: 'The KPI jobs read every bronze partition in their window.' },
      { finding: bucketObjectsFinding(bucket('scriptsBucket')), reason: 'Clusters read the script version they were given.' },
      { finding: bucketObjectsFinding(bucket('warehouseBucket')), reason: 'Iceberg manages data and metadata files across the warehouse.' },
      { finding: bucketObjectsFinding(bucket('logsBucket'), `${EMR_LOG_PREFIX}*`), reason: 'Clusters upload their logs under emr/<cluster id>/.' },
      { finding: arnFinding(this, glueDatabaseArns(this, names.glueDatabase)[2]), reason: 'The KPI jobs create and update their Iceberg tables in this database only.' },
    ]);
    this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.instanceRole, instanceProfileName: roleNames.instanceRole });

    this.serviceRole = new iam.Role(this, 'ServiceRole', {
      roleName: roleNames.serviceRole,
      assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
      description: `EMR service role of clickstream ${config.name} clusters`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
    });
    // The v2 policy leaves passing the instance role to the customer.
    this.instanceRole.grantPassRole(this.serviceRole);
    Validations.of(this.serviceRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]',
      reason: "AmazonEMRServicePolicy_v2 is AWS's scoped EMR service policy: it only acts on EC2 resources tagged " +
        `${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}, which this stack's cluster subnet and every RunJobFlow carry.`,
    });
    this.network = new ClusterNetwork(this, 'ClusterNetwork', { existingSubnetId: config.clusterSubnetId });

    this.scripts = new SparkScripts(this, 'SparkScripts', { sourceDir: props.sparkDir, bucket: bucket('scriptsBucket') });
    ownFunctionLogs(this, { logGroupName: `/clickstream/${config.name}/compute/functions`, retention: logRetentionDays(config), removalPolicy: config.removalPolicy });

    addOutput(this, OUTPUT_KEYS.emrServiceRole, this.serviceRole.roleName, 'EMR ServiceRole for RunJobFlow');
    addOutput(this, OUTPUT_KEYS.emrInstanceProfile, this.instanceProfile.instanceProfileName, 'EMR JobFlowRole (EC2 instance profile) for RunJobFlow');
    addOutput(this, OUTPUT_KEYS.emrLogUri, bucket('logsBucket').s3UrlForObject(EMR_LOG_PREFIX), 'EMR LogUri');
    addOutput(this, OUTPUT_KEYS.emrReleaseLabel, config.emr.releaseLabel, 'Default EMR release of this environment');
    addOutput(this, OUTPUT_KEYS.emrInstanceType, config.emr.instanceType, 'Default EMR instance type of this environment');
    addOutput(this, OUTPUT_KEYS.clusterSubnetId, this.network.subnetId, `EMR Ec2SubnetId for RunJobFlow, tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}`);
    addOutput(this, OUTPUT_KEYS.emrCoreInstanceCount, String(config.emr.coreInstanceCount), 'Default EMR core instance count');
    addOutput(this, OUTPUT_KEYS.scriptsVersion, this.scripts.version, 'Content hash of the published Spark scripts');
    addOutput(this, OUTPUT_KEYS.scriptsUri, this.scripts.uri, 'Where this version of the Spark scripts is published');
  }

  /**
   * The region's first Availability Zone, resolved by CloudFormation (Fn::GetAZs): the cluster VPC
   * uses one, and a stack with an account would otherwise look the zones up in the account at
   * synthesis, which the credential-less synthesis of pull requests cannot.
   */
  override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs())];
  }
}
