import type { InstanceGroupConfig, RunJobFlowCommandInput, StepConfig } from '@aws-sdk/client-emr';
import { EMR_MANAGED_POLICY_TAG, validateClusterSubnetId } from './cluster-network';

/** The release with Spark 3.5.6 and Iceberg 1.10, the versions the local target pins. */
export const DEFAULT_RELEASE_LABEL = 'emr-7.12.0';

export interface ClusterSpecOptions {
  /** Cluster name shown in the EMR console. */
  readonly name: string;
  /** Where EMR writes cluster and step logs, `s3://bucket/prefix/`. */
  readonly logUri: string;
  /**
   * EMR release.
   * @default DEFAULT_RELEASE_LABEL
   */
  readonly releaseLabel?: string;
  /**
   * EC2 instance type of the primary node.
   * @default 'm5.xlarge'
   */
  readonly primaryInstanceType?: string;
  /**
   * EC2 instance type of the core nodes.
   * @default - the primary node's type
   */
  readonly coreInstanceType?: string;
  /**
   * Core nodes; 0 runs Spark on the primary node alone.
   * @default 2
   */
  readonly coreInstanceCount?: number;
  /**
   * Buy core nodes on the spot market. The primary node stays on demand: losing it loses the cluster.
   * @default false
   */
  readonly useSpotCoreNodes?: boolean;
  /**
   * The EMR service role.
   * @default 'EMR_DefaultRole'
   */
  readonly serviceRole?: string;
  /**
   * The EC2 instance profile of the cluster's nodes.
   * @default 'EMR_EC2_DefaultRole'
   */
  readonly instanceProfile?: string;
  /**
   * Subnet to launch into, tagged for AmazonEMRServicePolicy_v2 ({@link EMR_MANAGED_POLICY_TAG}): the
   * compute stack's ClusterSubnetId output, or a tagged subnet of the operator's. No default: the
   * default VPC's subnets lack the tag, so the service role could launch nothing there.
   */
  readonly subnetId: string;
  /**
   * Seconds a cluster may sit idle before EMR terminates it: the backstop when nothing else
   * terminates it (a runner that died before it could clean up).
   * @default 1800
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * Tags for cost allocation and for finding the run that created a cluster; the managed-policy tag
   * is always added.
   * @default - the managed-policy tag alone
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The RunJobFlow request of a transient cluster that runs `steps` and terminates when they are
 * done (or idle too long). Iceberg is enabled through EMR's own classification, so the jobs need
 * no jars of their own. The cluster carries {@link EMR_MANAGED_POLICY_TAG} and launches into the
 * given subnet, as AmazonEMRServicePolicy_v2 requires; a missing or malformed subnet, or a tag that
 * contradicts the policy's, fails here, before any AWS call.
 */
export function buildRunJobFlowRequest(options: ClusterSpecOptions, steps: readonly StepConfig[]): RunJobFlowCommandInput {
  const subnetId = validateClusterSubnetId(options.subnetId, 'the cluster spec\'s subnetId');
  const tags = { ...options.tags };
  const given = tags[EMR_MANAGED_POLICY_TAG.key];
  if (given !== undefined && given !== EMR_MANAGED_POLICY_TAG.value) {
    throw new Error(
      `Cluster tag ${EMR_MANAGED_POLICY_TAG.key}=${given}: AmazonEMRServicePolicy_v2 needs it to be "${EMR_MANAGED_POLICY_TAG.value}" ` +
      '(EMR Management Guide, "Service role for Amazon EMR (EMR role)"); remove the tag, the cluster always carries it.',
    );
  }
  tags[EMR_MANAGED_POLICY_TAG.key] = EMR_MANAGED_POLICY_TAG.value;
  const primaryType = options.primaryInstanceType ?? 'm5.xlarge';
  const coreCount = options.coreInstanceCount ?? 2;
  const groups: InstanceGroupConfig[] = [
    { Name: 'primary', InstanceRole: 'MASTER', Market: 'ON_DEMAND', InstanceType: primaryType, InstanceCount: 1 },
  ];
  if (coreCount > 0) {
    groups.push({
      Name: 'core',
      InstanceRole: 'CORE',
      Market: options.useSpotCoreNodes ? 'SPOT' : 'ON_DEMAND',
      InstanceType: options.coreInstanceType ?? primaryType,
      InstanceCount: coreCount,
    });
  }
  return {
    Name: options.name,
    ReleaseLabel: options.releaseLabel ?? DEFAULT_RELEASE_LABEL,
    LogUri: options.logUri,
    ServiceRole: options.serviceRole ?? 'EMR_DefaultRole',
    JobFlowRole: options.instanceProfile ?? 'EMR_EC2_DefaultRole',
    Applications: [{ Name: 'Spark' }],
    Configurations: [{ Classification: 'iceberg-defaults', Properties: { 'iceberg.enabled': 'true' } }],
    Instances: {
      InstanceGroups: groups,
      // Transient: the cluster ends after its last step instead of waiting for more (EMR API reference,
      // JobFlowInstancesConfig: KeepJobFlowAliveWhenNoSteps "whether the cluster should remain available
      // after completing all steps"). Publishing needs no cluster, so nothing waits on it.
      KeepJobFlowAliveWhenNoSteps: false,
      TerminationProtected: false,
      Ec2SubnetId: subnetId,
    },
    AutoTerminationPolicy: { IdleTimeout: options.idleTimeoutSeconds ?? 1800 },
    Steps: [...steps],
    VisibleToAllUsers: true,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}
