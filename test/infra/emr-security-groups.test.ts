import { DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FakeEmrNetwork, emrDefaultGroups, emrSecurityGroupsHandler } from './fake-emr-network';
import { synthesize } from './support';
import { EMR_SECURITY_GROUPS_RESOURCE_TYPE } from '../../infra/constructs/emr-security-groups';

const { removeEmrSecurityGroups, handlerWith } = emrSecurityGroupsHandler();
const VPC = 'vpc-0preview7000000000';
const OTHER_VPC = 'vpc-0prod00000000000000';

/** A preview's cluster VPC after a cluster ran in it, beside prod's, whose cluster still runs. */
function account(interfacesLeaveAfterPolls = 2): FakeEmrNetwork {
  const preview = emrDefaultGroups(VPC, '0pr7');
  const prod = emrDefaultGroups(OTHER_VPC, '0prd');
  const endpoint = { GroupId: 'sg-0pr7glueendpoint', GroupName: 'clickstream-pr-7-compute-GlueSecurityGroup', VpcId: VPC, Tags: [] };
  return new FakeEmrNetwork({
    groups: [...preview.groups, endpoint, ...prod.groups],
    rules: [...preview.rules, ...prod.rules],
    interfaces: [
      { NetworkInterfaceId: 'eni-0pr7node1', Status: 'in-use', Groups: ['sg-0pr7primary'], Attachment: { InstanceId: 'i-0pr7node1' } },
      { NetworkInterfaceId: 'eni-0prdnode1', Status: 'in-use', Groups: ['sg-0prdprimary'], Attachment: { InstanceId: 'i-0prdnode1' } },
    ],
  }, interfacesLeaveAfterPolls);
}

/** Interfaces of prod's cluster stay: only the preview's leave (its cluster was terminated). */
function keepProdInterfaces(network: FakeEmrNetwork): FakeEmrNetwork {
  const prodNode = network.state.interfaces.find((i) => i.NetworkInterfaceId === 'eni-0prdnode1')!;
  const send = network.client.send;
  network.client.send = async (command) => {
    const answer = await send(command);
    if (!network.state.interfaces.includes(prodNode)) network.state.interfaces.push(prodNode);
    return answer;
  };
  return network;
}

const quietly = { log: () => undefined, sleep: async () => undefined };

describe('deleting EMR\'s security groups with the cluster VPC', () => {
  it('the fake refuses, as EC2 does, to delete a group another group\'s rule references', async () => {
    const network = account(0);
    const deletion = network.client.send(new DeleteSecurityGroupCommand({ GroupId: 'sg-0pr7core0' }) as never);
    await expect(deletion).rejects.toMatchObject({ name: 'DependencyViolation' });
  });

  it('waits for the terminated cluster\'s network interfaces, revokes the groups\' rules, then deletes them, and nothing of another VPC or of the stack', async () => {
    const network = keepProdInterfaces(account(2));
    const pauses: number[] = [];
    const sleep = async (ms: number) => void pauses.push(ms);
    const removed = await removeEmrSecurityGroups({ ec2: network.client, vpcId: VPC, log: () => undefined, sleep });

    expect(removed.sort()).toEqual(['sg-0pr7access', 'sg-0pr7core0', 'sg-0pr7primary']);
    expect(network.state.groups.map((g) => g.GroupId).sort()).toEqual(['sg-0pr7glueendpoint', 'sg-0prdaccess', 'sg-0prdcore0', 'sg-0prdprimary']);
    expect(network.state.rules.every((r) => r.GroupId.startsWith('sg-0prd'))).toBe(true);
    expect(network.state.rules).toHaveLength(10);
    expect(pauses).toEqual([5_000, 10_000]);
    // It asked only for the EMR-tagged default groups of this VPC.
    expect(network.requests[0]).toEqual({
      command: 'DescribeSecurityGroupsCommand',
      input: expect.objectContaining({
        Filters: expect.arrayContaining([
          { Name: 'vpc-id', Values: [VPC] },
          { Name: 'tag:for-use-with-amazon-emr-managed-policies', Values: ['true'] },
        ]),
      }),
    });
    const commands = network.requests.map((r) => r.command);
    expect(commands.lastIndexOf('DescribeNetworkInterfacesCommand')).toBeLessThan(commands.indexOf('RevokeSecurityGroupIngressCommand'));
    expect(commands.lastIndexOf('RevokeSecurityGroupEgressCommand')).toBeLessThan(commands.indexOf('DeleteSecurityGroupCommand'));
  });

  it('fails, naming the groups and the interfaces, while a cluster still runs in the VPC, and changes nothing', async () => {
    const network = account(Number.POSITIVE_INFINITY);
    let clock = 0;
    const error = await removeEmrSecurityGroups({
      ec2: network.client, vpcId: VPC, maxWaitMs: 60_000, now: () => clock, log: () => undefined, sleep: async (ms) => void (clock += ms),
    }).catch((e: Error) => e);

    expect(String(error)).toContain('EMR\'s security groups sg-0pr7primary, sg-0pr7core0, sg-0pr7access in vpc-0preview7000000000 are still used by network interfaces eni-0pr7node1 (in-use, i-0pr7node1)');
    expect(String(error)).toContain('Terminate it');
    expect(network.state.groups).toHaveLength(7);
    expect(network.state.rules).toHaveLength(20);
    expect(network.requests.map((r) => r.command)).not.toContain('RevokeSecurityGroupIngressCommand');
  });

  it('does nothing in a VPC no cluster ran in', async () => {
    const network = account(0);
    expect(await removeEmrSecurityGroups({ ec2: network.client, vpcId: 'vpc-0empty00000000000', ...quietly })).toEqual([]);
    expect(network.requests.map((r) => r.command)).toEqual(['DescribeSecurityGroupsCommand']);
  });

  it('acts on CloudFormation\'s Delete only, keeping the resource\'s name; Create and Update name it after the VPC', async () => {
    const network = account(0);
    const handler = handlerWith(() => network.client);
    expect(await handler({ RequestType: 'Create', ResourceProperties: { VpcId: VPC } })).toEqual({ PhysicalResourceId: `emr-security-groups-${VPC}` });
    expect(await handler({ RequestType: 'Update', ResourceProperties: { VpcId: VPC } })).toEqual({ PhysicalResourceId: `emr-security-groups-${VPC}` });
    expect(network.requests).toEqual([]);
    expect(await handler({ RequestType: 'Delete', ResourceProperties: { VpcId: VPC } })).toEqual({});
    expect(network.state.groups.filter((g) => g.VpcId === VPC).map((g) => g.GroupId)).toEqual(['sg-0pr7glueendpoint']);
  });

  it('runs with the compute stack\'s deletion, before its VPC, by a role that may delete only that VPC\'s EMR-tagged groups', () => {
    const template = Template.fromStack(synthesize('pr-7', { nag: false, context: { compute: 'emr' } }).stacks.compute!);
    const [id, resource] = Object.entries(template.findResources(EMR_SECURITY_GROUPS_RESOURCE_TYPE))[0];
    const vpcId = Object.keys(template.findResources('AWS::EC2::VPC'))[0];
    expect(resource.Properties.VpcId).toEqual({ Ref: vpcId });
    expect(resource.DependsOn).toEqual(expect.arrayContaining([vpcId]));
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Policies: [{ PolicyDocument: { Statement: [{ Sid: 'FindEmrSecurityGroups' }, { Sid: 'DeleteEmrSecurityGroupsOfThisVpc' }] } }] } });
    const statement = Object.values(roles)[0].Properties.Policies[0].PolicyDocument.Statement[1];
    expect(JSON.stringify(statement.Condition.ArnEquals['ec2:Vpc'])).toBe(JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:123456789012:vpc/', { Ref: vpcId }]] }));
    expect(statement.Condition.StringEquals).toEqual({ 'aws:ResourceTag/for-use-with-amazon-emr-managed-policies': 'true' });
    expect(id).toMatch(/^ClusterNetworkEmrSecurityGroups/);
  });
});
