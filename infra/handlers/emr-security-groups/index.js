// @ts-check
'use strict';

/**
 * The handler of the Custom::EmrSecurityGroups resource of a cluster VPC (infra/constructs/emr-security-groups.ts):
 * when the stack is deleted, it removes the security groups EMR created in the VPC, which
 * CloudFormation does not know and which would otherwise stop it from deleting the VPC.
 *
 * EMR Management Guide, "Working with Amazon EMR-managed security groups": when RunJobFlow names no
 * security groups, EMR creates its defaults in the cluster's VPC (ElasticMapReduce-Master-Private,
 * ElasticMapReduce-Slave-Private and ElasticMapReduce-ServiceAccess for a private subnet), whose rules
 * name each other, and AmazonEMRServicePolicy_v2 tags them for-use-with-amazon-emr-managed-policies=true
 * (statement CreateDefaultSecurityGroupWithEMRTags) but never deletes them. Amazon EC2 API Reference,
 * "DeleteSecurityGroup": deleting a group that a network interface uses, or that another group's rule
 * references, fails with DependencyViolation; "DeleteVpc": every security group but the default must go
 * first. So, in order: wait until no network interface uses the groups (the clusters' instances are
 * gone), revoke their rules, delete them.
 *
 * Plain JavaScript with no dependencies of its own: Lambda's Node.js runtimes include the AWS SDK for
 * JavaScript v3 (AWS Lambda Developer Guide, "Building Lambda functions with Node.js"), and aws-cdk-lib's
 * custom resource provider answers CloudFormation around it.
 */
const {
  EC2Client, DeleteSecurityGroupCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand,
} = require('@aws-sdk/client-ec2');

/** The names of EMR's default managed security groups, for public and private subnets (same guide page). */
const EMR_DEFAULT_GROUP_NAMES = [
  'ElasticMapReduce-master', 'ElasticMapReduce-slave',
  'ElasticMapReduce-Master-Private', 'ElasticMapReduce-Slave-Private', 'ElasticMapReduce-ServiceAccess',
];
const EMR_MANAGED_POLICY_TAG = 'for-use-with-amazon-emr-managed-policies';

/**
 * @typedef {{ send: (command: any) => Promise<any> }} Ec2Like
 * @typedef {{ ec2: Ec2Like, vpcId: string, maxWaitMs?: number, sleep?: (ms: number) => Promise<void>, now?: () => number, log?: (line: string) => void }} RemoveOptions
 */

/** Every page of a Describe call, by its NextToken. */
async function allPages(ec2, makeCommand, items) {
  const found = [];
  let NextToken;
  do {
    const page = await ec2.send(makeCommand(NextToken));
    found.push(...(page[items] ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/**
 * Removes EMR's default security groups from the VPC; returns the ids removed. Waits (up to
 * `maxWaitMs`, 8 minutes by default) while network interfaces still use them, then fails naming them.
 * @param {RemoveOptions} options
 * @returns {Promise<string[]>}
 */
async function removeEmrSecurityGroups(options) {
  const { ec2, vpcId } = options;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const log = options.log ?? console.log;
  const deadline = now() + (options.maxWaitMs ?? 8 * 60_000);

  const groups = await allPages(ec2, (NextToken) => new DescribeSecurityGroupsCommand({
    Filters: [
      { Name: 'vpc-id', Values: [vpcId] },
      { Name: 'group-name', Values: EMR_DEFAULT_GROUP_NAMES },
      { Name: `tag:${EMR_MANAGED_POLICY_TAG}`, Values: ['true'] },
    ],
    NextToken,
  }), 'SecurityGroups');
  const ids = groups.map((g) => g.GroupId);
  if (ids.length === 0) {
    log(`no EMR security groups in ${vpcId}`);
    return [];
  }
  log(`EMR security groups in ${vpcId}: ${groups.map((g) => `${g.GroupName} (${g.GroupId})`).join(', ')}`);

  for (let pause = 5_000; ; pause = Math.min(pause * 2, 30_000)) {
    const inUse = await allPages(ec2, (NextToken) => new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: ids }], NextToken }), 'NetworkInterfaces');
    if (inUse.length === 0) break;
    const users = inUse.map((n) => `${n.NetworkInterfaceId} (${n.Status}${n.Attachment?.InstanceId ? `, ${n.Attachment.InstanceId}` : ''})`).join(', ');
    if (now() + pause > deadline) {
      throw new Error(`EMR's security groups ${ids.join(', ')} in ${vpcId} are still used by network interfaces ${users}: ` +
        'an EMR cluster still runs in the VPC. Terminate it (the preview teardown does: npx clickstream destroy --target aws --environment <name>), then delete the stack again.');
    }
    log(`waiting for network interfaces ${users} to go`);
    await sleep(pause);
  }

  const rules = await allPages(ec2, (NextToken) => new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: ids }], NextToken }), 'SecurityGroupRules');
  for (const groupId of ids) {
    for (const egress of [false, true]) {
      const ruleIds = rules.filter((r) => r.GroupId === groupId && Boolean(r.IsEgress) === egress).map((r) => r.SecurityGroupRuleId);
      if (ruleIds.length === 0) continue;
      const Command = egress ? RevokeSecurityGroupEgressCommand : RevokeSecurityGroupIngressCommand;
      await ec2.send(new Command({ GroupId: groupId, SecurityGroupRuleIds: ruleIds }));
      log(`revoked ${ruleIds.length} ${egress ? 'egress' : 'ingress'} rule(s) of ${groupId}`);
    }
  }
  for (const groupId of ids) {
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    log(`deleted ${groupId}`);
  }
  return ids;
}

/*
 * CloudFormation's request, through aws-cdk-lib's provider wrapper: Create and Update do nothing but
 * name the resource after its VPC (a new VPC replaces it, and CloudFormation then deletes the old
 * one's); Delete removes the groups and keeps the name (the wrapper refuses a new one on Delete).
 */
/**
 * The handler, with the EC2 client it uses (tests give a fake).
 * @param {() => Ec2Like} makeEc2
 */
function handlerWith(makeEc2) {
  /** @param {{ RequestType: 'Create' | 'Update' | 'Delete', ResourceProperties: { VpcId: string } }} event */
  return async (event) => {
    const vpcId = event.ResourceProperties.VpcId;
    if (event.RequestType !== 'Delete') return { PhysicalResourceId: `emr-security-groups-${vpcId}` };
    await removeEmrSecurityGroups({ ec2: makeEc2(), vpcId });
    return {};
  };
}

const handler = handlerWith(() => new EC2Client({}));

module.exports = { handler, handlerWith, removeEmrSecurityGroups, EMR_DEFAULT_GROUP_NAMES };
