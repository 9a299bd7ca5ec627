import { OUTPUT_KEYS } from '../config/stack-outputs';

/**
 * The tag AmazonEMRServicePolicy_v2 keys on. EMR Management Guide, "Service role for Amazon EMR (EMR
 * role)": with this policy "you need to pass the user tag for-use-with-amazon-emr-managed-policies = true
 * when provisioning the cluster", and resources EMR did not create (subnets, security groups) need it
 * themselves. AWS Managed Policy Reference, "AmazonEMRServicePolicy_v2": `CreateInTaggedNetwork` allows
 * RunInstances, CreateFleet and CreateNetworkInterface only in a subnet and with security groups whose
 * `aws:ResourceTag/for-use-with-amazon-emr-managed-policies` is `true`; `CreateEMRTaggedInstancesAndVolumes`
 * and `CreateEMRTaggedLaunchTemplate` only when the request carries it (`aws:RequestTag/...`), which EMR
 * propagates from the cluster's tags; `CreateDefaultSecurityGroupInVPCWithEMRTags` lets EMR create its
 * default security groups only in a VPC with the tag. The CDK app tags the network with it and every
 * RunJobFlow carries it: one copy of the rule, read by both.
 */
export const EMR_MANAGED_POLICY_TAG = { key: 'for-use-with-amazon-emr-managed-policies', value: 'true' } as const;

/**
 * A subnet id: `subnet-` and 8 or 17 hexadecimal characters (Amazon EC2 User Guide, "Resource IDs":
 * new resources get 17 characters after the hyphen, resources created before 2016-2018 may have 8).
 */
export const SUBNET_ID_PATTERN = /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** What to do when a cluster has no usable subnet: said by every place that checks one. */
export const CLUSTER_SUBNET_HINT =
  `a transient EMR cluster needs a subnet tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value} ` +
  '(AmazonEMRServicePolicy_v2 lets EMR launch instances only there): deploy the environment, whose compute stack creates one ' +
  `(output ${OUTPUT_KEYS.clusterSubnetId}), or name a tagged subnet of your own (subnet-id, or -c clusterSubnetId=... at deployment)`;

/**
 * Checks a cluster subnet id before anything talks to AWS; `source` says where it came from
 * (an input, a stack output), so the error names what to fix.
 */
export function validateClusterSubnetId(subnetId: string | undefined, source: string): string {
  if (subnetId === undefined || subnetId.trim() === '') {
    throw new Error(`No cluster subnet (${source}): ${CLUSTER_SUBNET_HINT}.`);
  }
  if (!SUBNET_ID_PATTERN.test(subnetId)) {
    throw new Error(`Cluster subnet "${subnetId}" (${source}) is not a subnet id like subnet-0abc1234def567890: ${CLUSTER_SUBNET_HINT}.`);
  }
  return subnetId;
}
