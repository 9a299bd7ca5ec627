import { createRequire } from 'node:module';
import * as path from 'node:path';
import { SentRequest } from '../contract/request-table';

/** A security group as EC2 describes it. */
export interface FakeSecurityGroup {
  readonly GroupId: string;
  readonly GroupName: string;
  readonly VpcId: string;
  readonly Tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
}

/** A rule as DescribeSecurityGroupRules returns it. */
export interface FakeRule {
  readonly SecurityGroupRuleId: string;
  readonly GroupId: string;
  readonly IsEgress: boolean;
  readonly ReferencedGroupInfo?: { readonly GroupId: string };
  readonly CidrIpv4?: string;
}

/** A network interface using groups (an EMR node's). */
export interface FakeInterface {
  readonly NetworkInterfaceId: string;
  readonly Status: string;
  readonly Groups: readonly string[];
  readonly Attachment?: { readonly InstanceId: string };
}

export interface FakeEmrNetworkState {
  readonly groups: FakeSecurityGroup[];
  readonly rules: FakeRule[];
  readonly interfaces: FakeInterface[];
}

type Filter = { Name: string; Values: string[] };

const EMR_TAG = { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' };

/**
 * EMR's default groups for a private subnet as EMR creates them in a VPC (EMR Management Guide, "Working
 * with Amazon EMR-managed security groups"): tagged for the managed policy, the primary's and the core
 * nodes' groups admitting each other, the primary admitting the service-access group on 9443, and the
 * service-access group's egress to both on 8443; every group's egress to anywhere.
 */
export function emrDefaultGroups(vpcId: string, prefix: string): Pick<FakeEmrNetworkState, 'groups' | 'rules'> {
  const primary = `sg-${prefix}primary`;
  const core = `sg-${prefix}core0`;
  const access = `sg-${prefix}access`;
  const group = (GroupId: string, GroupName: string): FakeSecurityGroup => ({ GroupId, GroupName, VpcId: vpcId, Tags: [EMR_TAG] });
  let n = 0;
  const rule = (GroupId: string, IsEgress: boolean, other?: string): FakeRule => ({
    SecurityGroupRuleId: `sgr-${prefix}${String(++n).padStart(4, '0')}`,
    GroupId,
    IsEgress,
    ...(other ? { ReferencedGroupInfo: { GroupId: other } } : { CidrIpv4: '0.0.0.0/0' }),
  });
  return {
    groups: [group(primary, 'ElasticMapReduce-Master-Private'), group(core, 'ElasticMapReduce-Slave-Private'), group(access, 'ElasticMapReduce-ServiceAccess')],
    rules: [
      rule(primary, false, primary), rule(primary, false, core), rule(primary, false, access), rule(primary, true),
      rule(core, false, core), rule(core, false, primary), rule(core, false, access), rule(core, true),
      rule(access, true, primary), rule(access, true, core),
    ],
  };
}

const ec2Error = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

/**
 * An account's EC2 security groups, rules and network interfaces, answering the handler's requests as
 * the Amazon EC2 API Reference describes them, refusals included: DeleteSecurityGroup fails with
 * DependencyViolation while a network interface uses the group or another group's rule references it.
 * Interfaces listed in `leaving` disappear after that many DescribeNetworkInterfaces calls (terminated
 * instances release theirs a little after the cluster ends).
 */
export class FakeEmrNetwork {
  readonly requests: SentRequest[] = [];

  /** The client the handler is given. */
  readonly client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> => {
      const name = command.constructor.name;
      this.requests.push({ command: name, input: command.input });
      return this.answer(name, command.input);
    },
  };

  private interfacePolls = 0;

  constructor(readonly state: FakeEmrNetworkState, private readonly interfacesLeaveAfterPolls = Number.POSITIVE_INFINITY) {}

  private answer(name: string, input: Record<string, unknown>): unknown {
    const filters = (input.Filters ?? []) as Filter[];
    const values = (filter: string) => filters.find((f) => f.Name === filter)?.Values;
    switch (name) {
      case 'DescribeSecurityGroupsCommand':
        return {
          SecurityGroups: this.state.groups.filter((g) => filters.every((f) => {
            if (f.Name === 'vpc-id') return f.Values.includes(g.VpcId);
            if (f.Name === 'group-name') return f.Values.includes(g.GroupName);
            if (f.Name.startsWith('tag:')) return g.Tags.some((t) => t.Key === f.Name.slice(4) && f.Values.includes(t.Value));
            throw new Error(`filter ${f.Name} is not faked`);
          })),
        };
      case 'DescribeNetworkInterfacesCommand': {
        if (++this.interfacePolls > this.interfacesLeaveAfterPolls) this.state.interfaces.length = 0;
        const ids = values('group-id') ?? [];
        return { NetworkInterfaces: this.state.interfaces.filter((i) => i.Groups.some((g) => ids.includes(g))) };
      }
      case 'DescribeSecurityGroupRulesCommand': {
        const ids = values('group-id') ?? [];
        return { SecurityGroupRules: this.state.rules.filter((r) => ids.includes(r.GroupId)) };
      }
      case 'RevokeSecurityGroupIngressCommand':
      case 'RevokeSecurityGroupEgressCommand': {
        const egress = name === 'RevokeSecurityGroupEgressCommand';
        for (const id of input.SecurityGroupRuleIds as string[]) {
          const index = this.state.rules.findIndex((r) => r.SecurityGroupRuleId === id && r.GroupId === input.GroupId && r.IsEgress === egress);
          if (index < 0) throw ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
          this.state.rules.splice(index, 1);
        }
        return { Return: true };
      }
      case 'DeleteSecurityGroupCommand': {
        const id = input.GroupId as string;
        if (!this.state.groups.some((g) => g.GroupId === id)) throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
        const referenced = this.state.rules.some((r) => r.GroupId !== id && r.ReferencedGroupInfo?.GroupId === id);
        const used = this.state.interfaces.some((i) => i.Groups.includes(id));
        if (referenced || used) throw ec2Error('DependencyViolation', `resource ${id} has a dependent object`);
        this.state.groups.splice(this.state.groups.findIndex((g) => g.GroupId === id), 1);
        this.state.rules.splice(0, this.state.rules.length, ...this.state.rules.filter((r) => r.GroupId !== id));
        return { Return: true, GroupId: id };
      }
      default:
        throw new Error(`${name} is not faked`);
    }
  }
}

/** What infra/handlers/emr-security-groups/index.js exports (plain JavaScript, run by Lambda as it is). */
export interface EmrSecurityGroupsHandler {
  readonly removeEmrSecurityGroups: (options: {
    ec2: FakeEmrNetwork['client']; vpcId: string; maxWaitMs?: number; sleep?: (ms: number) => Promise<void>; now?: () => number; log?: (line: string) => void;
  }) => Promise<string[]>;
  readonly handlerWith: (makeEc2: () => FakeEmrNetwork['client']) =>
  (event: { RequestType: 'Create' | 'Update' | 'Delete'; ResourceProperties: { VpcId: string } }) => Promise<{ PhysicalResourceId?: string }>;
}

export function emrSecurityGroupsHandler(): EmrSecurityGroupsHandler {
  return createRequire(__filename)(path.join(__dirname, '..', '..', 'infra', 'handlers', 'emr-security-groups', 'index.js')) as EmrSecurityGroupsHandler;
}
