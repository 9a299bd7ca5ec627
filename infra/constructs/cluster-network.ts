import { Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { EmrSecurityGroups } from './emr-security-groups';
import { EMR_MANAGED_POLICY_TAG } from '../../src/emr/cluster-network';

/** The address range of a cluster VPC; environments never peer, so each may use the same. */
export const CLUSTER_VPC_CIDR = '10.0.0.0/16';

export interface ClusterNetworkProps {
  /**
   * A subnet of the operator's to launch clusters into instead (`-c clusterSubnetId=subnet-...`). It
   * must carry {@link EMR_MANAGED_POLICY_TAG}, and so must its VPC when EMR is to create its default
   * security groups there; the preflight (`clickstream doctor --target aws`) checks it, the synthesis
   * cannot.
   * @default - a VPC of this environment's own
   */
  readonly existingSubnetId?: string;
}

/**
 * Where an environment's EMR clusters run, as AmazonEMRServicePolicy_v2 allows (see
 * {@link EMR_MANAGED_POLICY_TAG}): by default a VPC with one private subnet and no internet route,
 * the VPC and the subnet tagged, so EMR may launch instances in the subnet (`CreateInTaggedNetwork`)
 * and create its default security groups in the VPC (`CreateDefaultSecurityGroupInVPCWithEMRTags`,
 * which tags them itself). RunJobFlow names no security groups, so EMR uses those defaults; for a
 * private subnet they include the service-access group (EMR Management Guide, "Amazon VPC options").
 * CloudFormation does not know them: {@link EmrSecurityGroups} deletes them with the stack, so the
 * VPC can go too.
 *
 * What the cluster reaches, without a NAT gateway:
 * - S3 through a gateway endpoint. EMR Management Guide, "Amazon VPC options", Private subnets: "At a
 *   minimum, you must provide a route to Amazon S3 for the buckets required by Amazon EMR", and it
 *   recommends S3 endpoints; the jobs' data, scripts and logs are in S3 too. Gateway endpoints cost
 *   nothing.
 * - Glue through an interface endpoint (AWS Glue Developer Guide, "Configuring interface VPC endpoints
 *   (AWS PrivateLink) for AWS Glue": `com.amazonaws.<region>.glue`, every Glue API action, no internet
 *   gateway or NAT device; with private DNS the regional name resolves to it), used by Iceberg's Glue
 *   catalog. "To access AWS services that do not provide a VPC endpoint, you still must use a NAT
 *   instance or an internet gateway" (same EMR page): the jobs call none. EMR 8 would also need EMR's
 *   own `emr-service-cell01` endpoint there; the environments run EMR 7.
 *
 * Cost (AWS PrivateLink pricing page): an interface endpoint is billed for every hour it is provisioned
 * in each Availability Zone, plus data processed (USD 0.01 per GB for the first PB); one Availability
 * Zone keeps that to one endpoint-hour an hour per environment. A NAT gateway would also bill by the
 * hour and by the GB, and S3 traffic through it would pay that too; the S3 gateway endpoint is free.
 */
export class ClusterNetwork extends Construct {
  /** The subnet clusters launch into (the compute stack's ClusterSubnetId output). */
  readonly subnetId: string;
  /** The VPC this construct created; absent with an existing subnet. */
  readonly vpc?: ec2.Vpc;

  constructor(scope: Construct, id: string, props: ClusterNetworkProps = {}) {
    super(scope, id);
    if (props.existingSubnetId) {
      this.subnetId = props.existingSubnetId;
      return;
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(CLUSTER_VPC_CIDR),
      // EMR launches every node of a cluster in the one subnet RunJobFlow names.
      maxAzs: 1,
      natGateways: 0,
      subnetConfiguration: [{ name: 'cluster', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      // Nothing uses the VPC's default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
    });
    // Private DNS makes the SDK's default Glue endpoint resolve to the interface endpoint; HTTPS from
    // the VPC's own range only (a literal, which cdk-nag's EC23 check can read, unlike the VPC's token).
    const glue = vpc.addInterfaceEndpoint('Glue', { service: ec2.InterfaceVpcEndpointAwsService.GLUE, privateDnsEnabled: true, open: false });
    glue.connections.allowFrom(ec2.Peer.ipv4(CLUSTER_VPC_CIDR), ec2.Port.tcp(443), 'HTTPS to Glue from the cluster VPC');
    Tags.of(vpc).add(EMR_MANAGED_POLICY_TAG.key, EMR_MANAGED_POLICY_TAG.value, { includeResourceTypes: ['AWS::EC2::VPC', 'AWS::EC2::Subnet'] });
    Validations.of(vpc).acknowledge({
      id: 'AwsSolutions-VPC7',
      reason: 'The VPC holds transient EMR clusters that reach only S3 and Glue through endpoints; EMR keeps their logs in the logs bucket and CloudTrail records their API calls.',
    });
    new EmrSecurityGroups(this, 'EmrSecurityGroups', { vpc });
    this.vpc = vpc;
    this.subnetId = vpc.isolatedSubnets[0].subnetId;
  }
}
