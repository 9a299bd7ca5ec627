import { Fn, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EMR_ENVIRONMENT_TAG, EMR_LOG_PREFIX, ResourceNames, SERVERLESS_LOG_PREFIX, emrRoleNames, serverlessExecutionRoleName } from '../../src/config/names';
import { OUTPUT_KEYS } from '../../src/config/stack-outputs';
import { EMR_MANAGED_POLICY_TAG } from '../../src/emr/cluster-network';
import { EnvironmentConfig, logRetentionDays } from '../config/environments';
import { ClusterNetwork } from '../constructs/cluster-network';
import { ownFunctionLogs } from '../constructs/function-logs';
import { pipelineBucket } from '../constructs/imports';
import { addOutput } from '../constructs/output';
import { grantSparkJobAccess } from '../constructs/spark-job-access';
import { SparkScripts } from '../constructs/spark-scripts';

export interface ComputeStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly names: ResourceNames;
  /** The repository's `spark/` folder, published to the scripts bucket. */
  readonly sparkDir: string;
}

/** The EMR Serverless service principal: it assumes job execution roles and is who they are passed to. */
export const EMR_SERVERLESS_PRINCIPAL = 'emr-serverless.amazonaws.com';

/**
 * The most an environment's EMR Serverless application may hold at once, across all its job runs
 * (CloudFormation, AWS::EMRServerless::Application MaximumCapacity): it bounds what a runaway job
 * (a skewed join, a loop of retries) can cost per hour, at the price of queueing workers past it.
 * Four times a preview run's needs; the KPI jobs of a nightly run fit in it.
 */
export const SERVERLESS_MAXIMUM_CAPACITY = { cpu: '16 vCPU', memory: '64 GB', disk: '200 GB' } as const;

/**
 * How long an idle application keeps its workers before it stops: EMR Serverless's default (CloudFormation,
 * AWS::EMRServerless::Application AutoStopConfiguration: 15 minutes), so a run's jobs reuse a started
 * application and an idle one is not billed.
 */
export const SERVERLESS_IDLE_MINUTES = 15;

/** What the EMR cluster compute adds: the roles clusters run as and the network they run in. */
export interface ClusterCompute {
  readonly serviceRole: iam.Role;
  readonly instanceRole: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
  readonly network: ClusterNetwork;
}

/** What the EMR Serverless compute adds: the application job runs are submitted to and the role they run as. */
export interface ServerlessCompute {
  readonly application: emrserverless.CfnApplication;
  readonly executionRole: iam.Role;
}

/**
 * Where an environment's KPI jobs run and as whom, by its compute (EnvironmentConfig.compute):
 * - `emr`: the EMR service role, the EC2 instance profile (scoped to this environment's buckets, Glue
 *   database and logs) and the network the service role may launch clusters into;
 * - `emr-serverless`: an EMR Serverless application of the same release, and the job execution role,
 *   scoped like the instance role;
 * and, for both, the published scripts.
 */
export class ComputeStack extends Stack {
  readonly compute: EnvironmentConfig['compute'];
  /** Set when the compute is `emr`. */
  readonly clusters?: ClusterCompute;
  /** Set when the compute is `emr-serverless`. */
  readonly serverless?: ServerlessCompute;
  readonly scripts: SparkScripts;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const { config, names } = props;
    const bucket = (b: Parameters<typeof pipelineBucket>[2]) => pipelineBucket(this, names, b);
    this.compute = config.compute;
    if (config.compute === 'emr') {
      this.clusters = this.clusterCompute(config, names);
    } else {
      this.serverless = this.serverlessCompute(config, names);
    }

    this.scripts = new SparkScripts(this, 'SparkScripts', { sourceDir: props.sparkDir, bucket: bucket('scriptsBucket') });
    ownFunctionLogs(this, { logGroupName: `/clickstream/${config.name}/compute/functions`, retention: logRetentionDays(config), removalPolicy: config.removalPolicy });

    addOutput(this, OUTPUT_KEYS.compute, config.compute, 'What runs the Spark jobs: emr (clusters) or emr-serverless (job runs on the application)');
    if (this.clusters) {
      const { serviceRole, instanceProfile, network } = this.clusters;
      addOutput(this, OUTPUT_KEYS.emrServiceRole, serviceRole.roleName, 'EMR ServiceRole for RunJobFlow');
      addOutput(this, OUTPUT_KEYS.emrInstanceProfile, instanceProfile.instanceProfileName, 'EMR JobFlowRole (EC2 instance profile) for RunJobFlow');
      addOutput(this, OUTPUT_KEYS.emrLogUri, bucket('logsBucket').s3UrlForObject(EMR_LOG_PREFIX), 'EMR LogUri');
      addOutput(this, OUTPUT_KEYS.emrReleaseLabel, config.emr.releaseLabel, 'Default EMR release of this environment');
      addOutput(this, OUTPUT_KEYS.emrInstanceType, config.emr.instanceType, 'Default EMR instance type of this environment');
      addOutput(this, OUTPUT_KEYS.clusterSubnetId, network.subnetId, `EMR Ec2SubnetId for RunJobFlow, tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}`);
      addOutput(this, OUTPUT_KEYS.emrCoreInstanceCount, String(config.emr.coreInstanceCount), 'Default EMR core instance count');
    }
    if (this.serverless) {
      const { application, executionRole } = this.serverless;
      addOutput(this, OUTPUT_KEYS.serverlessApplicationId, application.attrApplicationId, 'EMR Serverless applicationId for StartJobRun');
      addOutput(this, OUTPUT_KEYS.serverlessExecutionRoleArn, executionRole.roleArn, 'EMR Serverless executionRoleArn for StartJobRun');
      addOutput(this, OUTPUT_KEYS.emrLogUri, bucket('logsBucket').s3UrlForObject(SERVERLESS_LOG_PREFIX), 'EMR Serverless logUri (s3MonitoringConfiguration) for StartJobRun');
      addOutput(this, OUTPUT_KEYS.emrReleaseLabel, config.emr.releaseLabel, 'EMR release of the EMR Serverless application');
    }
    addOutput(this, OUTPUT_KEYS.scriptsVersion, this.scripts.version, 'Content hash of the published Spark scripts');
    addOutput(this, OUTPUT_KEYS.scriptsUri, this.scripts.uri, 'Where this version of the Spark scripts is published');
  }

  private clusterCompute(config: EnvironmentConfig, names: ResourceNames): ClusterCompute {
    // Named after the environment, so a role that acts on every preview can pass exactly theirs.
    const roleNames = emrRoleNames(config.name);

    const instanceRole = new iam.Role(this, 'InstanceRole', {
      roleName: roleNames.instanceRole,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `EC2 instances of clickstream ${config.name} EMR clusters`,
    });
    grantSparkJobAccess(instanceRole, { names, logPrefix: EMR_LOG_PREFIX, runner: 'EMR clusters' });
    const instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: instanceRole, instanceProfileName: roleNames.instanceRole });

    const serviceRole = new iam.Role(this, 'ServiceRole', {
      roleName: roleNames.serviceRole,
      assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
      description: `EMR service role of clickstream ${config.name} clusters`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
    });
    // The v2 policy leaves passing the instance role to the customer.
    instanceRole.grantPassRole(serviceRole);
    Validations.of(serviceRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]',
      reason: "AmazonEMRServicePolicy_v2 is AWS's scoped EMR service policy: it only acts on EC2 resources tagged " +
        `${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}, which this stack's cluster subnet and every RunJobFlow carry.`,
    });
    const network = new ClusterNetwork(this, 'ClusterNetwork', { existingSubnetId: config.clusterSubnetId });
    return { serviceRole, instanceRole, instanceProfile, network };
  }

  /**
   * The application runs Spark on the clusters' EMR release, starts on the first StartJobRun and stops
   * when idle; it has no VPC of its own (the jobs call S3 and Glue only). It carries the environment tag the run roles'
   * statements require (EMR_ENVIRONMENT_TAG); job runs do not inherit it (User Guide, "Tagging your
   * resources": application tags do not propagate to job runs), so the runner tags each job run too.
   */
  private serverlessCompute(config: EnvironmentConfig, names: ResourceNames): ServerlessCompute {
    const application = new emrserverless.CfnApplication(this, 'ServerlessApplication', {
      name: `clickstream-${config.name}-spark`,
      type: 'Spark',
      releaseLabel: config.emr.releaseLabel,
      // The price table the run reports use is x86's.
      architecture: 'X86_64',
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: SERVERLESS_IDLE_MINUTES },
      maximumCapacity: { ...SERVERLESS_MAXIMUM_CAPACITY },
      tags: [{ key: EMR_ENVIRONMENT_TAG, value: config.name }],
    });

    // EMR Serverless User Guide, "Job runtime roles for Amazon EMR Serverless", and IAM User Guide, "The
    // confused deputy problem": EMR Serverless assumes the role for a job run of an application, which it
    // names as aws:SourceArn (arn:aws:emr-serverless:<region>:<account>:/applications/<id>); trusting
    // this application of this account only, no other application may run as the role even if passed it.
    const executionRole = new iam.Role(this, 'ServerlessExecutionRole', {
      roleName: serverlessExecutionRoleName(config.name),
      assumedBy: new iam.ServicePrincipal(EMR_SERVERLESS_PRINCIPAL).withConditions({
        StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': application.attrArn },
      }),
      description: `EMR Serverless job runs of clickstream ${config.name}`,
    });
    grantSparkJobAccess(executionRole, { names, logPrefix: SERVERLESS_LOG_PREFIX, runner: 'EMR Serverless job runs' });
    return { application, executionRole };
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
