import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand, RunJobFlowCommandInput, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluator';
import { emrServiceRequests, firehoseRequests, icebergJobRequests, publisherRequests } from './on-behalf';
import { sentRequests } from './recorder';
import { AccountState, Authorization, SentRequest, authorizationsOf } from './request-table';
import { ContractRole, RoleName, clusterSubnet, clusterVpcId, contractRoles, synthesizedTemplates } from './role-policies';
import { EMR_ENVIRONMENT_TAG, RAW_TABLE, resourceNames } from '../../src/config/names';
import { parseEmrRunInputs } from '../../src/emr/run-inputs';
import { runKpisOnEmr } from '../../src/emr/run-kpis';
import { AthenaEngine } from '../../src/engines/athena';
import { teardownPreview } from '../../src/previews/teardown';
import { bronzeHoldsEvents } from '../../src/replay/earlier-events';
import { replay } from '../../src/replay/replayer';
import { generatorSource } from '../../src/replay/sources';
import { cluster, fakeTime, step, steps } from '../emr/fakes';
import { FakeEmrNetwork, FakeSecurityGroup, emrDefaultGroups, emrSecurityGroupsHandler } from '../infra/fake-emr-network';
import { ACCOUNT } from '../infra/support';
import { fakeAccount } from '../previews/fake-account';

/**
 * The permission contract: every request our code sends (recorded from the mocked clients it is
 * given) and every request AWS services send on our behalf (derived from ours, as their docs
 * describe them) is evaluated by IAM's rules (test/contract/evaluator.ts) against the synthesized
 * policies of the role that sends it, AWS managed policies included.
 */

type Roles = Record<RoleName, ContractRole>;
interface RoleRequest extends Authorization {
  readonly role: RoleName;
  /** Which request of ours it authorizes, or which service acts for us. */
  readonly origin: string;
}

const names = resourceNames('dev', ACCOUNT);
const previewNames = resourceNames('pr-7', ACCOUNT);

/** A transient KPI run in dev, as runKpisOnEmr sends it (cluster created, steps listed, cluster described). */
async function recordKpiRun(subnetId?: string): Promise<SentRequest[]> {
  const emrMock = mockClient(EMRClient);
  try {
    emrMock.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-CONTRACT1' });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', 'clickstream-kpi-sensor_health', 'COMPLETED')));
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATED'));
    emrMock.on(TerminateJobFlowsCommand).resolves({});
    const { options } = parseEmrRunInputs({
      'account-id': ACCOUNT,
      'region': 'eu-west-1',
      'environment': 'dev',
      'scripts-version': 'abc1234',
      'jobs': 'sensor_health',
      'service-role': 'clickstream-dev-emr-service',
      'instance-profile': 'clickstream-dev-emr-instance',
      ...(subnetId ? { 'subnet-id': subnetId } : {}),
    }, {}, { repository: 'acme/clickstream', runId: '4242' });
    await runKpisOnEmr(options, { emr: new EMRClient({ region: 'eu-west-1' }), s3: new S3Client({ region: 'eu-west-1' }), ...fakeTime() });
    return sentRequests(emrMock);
  } finally {
    emrMock.restore();
  }
}

/**
 * A replay into dev, as the replay action and `run --target aws` send it: bronze asked whether it
 * already holds events, the stream's shards read to pace the replay, the records put.
 */
async function recordReplay(): Promise<SentRequest[]> {
  const kinesisMock = mockClient(KinesisClient);
  const s3Mock = mockClient(S3Client);
  try {
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({ StreamDescriptionSummary: { OpenShardCount: 2 } as never });
    // Kinesis API reference, PutRecords: one result per record, in the request's order, and FailedRecordCount.
    kinesisMock.on(PutRecordsCommand).callsFake((input: { Records: PutRecordsRequestEntry[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
    }));
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    await bronzeHoldsEvents(new S3Client({ region: 'eu-west-1' }), names.bronzeBucket);
    await replay({ kinesis: new KinesisClient({ region: 'eu-west-1' }), streamName: names.streamName, source: generatorSource({ count: 200, seed: 1 }) });
    return sentRequests(s3Mock, kinesisMock);
  } finally {
    kinesisMock.restore();
    s3Mock.restore();
  }
}

/** One validation statement on Athena in dev's workgroup, as the Athena engine sends every statement of the suite. */
async function recordValidationQuery(): Promise<Recording> {
  const client = new AthenaClient({ region: 'eu-west-1' });
  const athena = mockClient(client);
  try {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-contract' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: 'q-contract', WorkGroup: names.athenaWorkgroup, Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    const time = fakeTime();
    await new AthenaEngine({ client, workGroup: names.athenaWorkgroup, clock: time.clock, sleep: time.sleep }).query('SELECT 1');
    return { requests: sentRequests(athena), state: { clusterTags: () => ({}), queryWorkgroup: () => names.athenaWorkgroup } };
  } finally {
    athena.restore();
  }
}

/** A preview's teardown (clusters terminated, stacks deleted), as teardownPreview sends it to a fake account. */
async function recordTeardown(): Promise<SentRequest[]> {
  const account = fakeAccount();
  try {
    const day = new Date('2026-11-20T10:00:00Z');
    account.deploy('pr-7', day);
    account.startCluster('pr-7', day);
    await teardownPreview({ ...account.clients, environment: 'pr-7' as never, region: 'eu-west-1', pollSeconds: { min: 0.01, max: 0.01 } });
    return account.requests();
  } finally {
    account.restore();
  }
}

/** Requests of one recording and what the account held when they were sent. */
interface Recording {
  readonly requests: SentRequest[];
  readonly state: AccountState;
}

/**
 * The compute stack's deletion after a cluster ran: its handler removing EMR's default groups from the
 * cluster VPC (infra/handlers/emr-security-groups), as it sends it to a fake account; `groupsVpc` is
 * where the account has the groups (the cluster VPC unless a test says otherwise).
 */
async function recordSecurityGroupRemoval(vpcId: string, groupsVpc = vpcId): Promise<Recording> {
  const network = new FakeEmrNetwork({ ...emrDefaultGroups(vpcId, '0dev'), interfaces: [] });
  const tagsOf = (g: FakeSecurityGroup) => Object.fromEntries(g.Tags.map((t) => [t.Key, t.Value]));
  const groups = new Map(network.state.groups.map((g) => [g.GroupId, { vpcId: groupsVpc, tags: tagsOf(g) }]));
  await emrSecurityGroupsHandler().removeEmrSecurityGroups({ ec2: network.client, vpcId, log: () => undefined });
  return { requests: network.requests, state: { clusterTags: () => ({}), securityGroup: (id) => groups.get(id)! } };
}

/** What the contract recorded our code sending, by what it was doing. */
interface Recorded {
  readonly run: SentRequest[];
  readonly replay: SentRequest[];
  readonly validation: Recording;
  readonly teardown: SentRequest[];
  readonly securityGroups: Recording;
}

/** The tags of the clusters a recording created (RunJobFlow), or started in a fake account. */
function stateOf(requests: readonly SentRequest[], environment: string): AccountState {
  const created = requests.find((r) => r.command === 'RunJobFlowCommand')?.input as unknown as RunJobFlowCommandInput | undefined;
  const tags = Object.fromEntries((created?.Tags ?? [{ Key: EMR_ENVIRONMENT_TAG, Value: environment }]).map((t) => [t.Key!, t.Value!]));
  return { clusterTags: () => tags };
}

const ofRole = (role: RoleName, origin: string, authorizations: readonly Authorization[]): RoleRequest[] =>
  authorizations.map((a) => ({ ...a, role, origin }));

/** Every request of the contract, by role. */
function contractRequests(
  recorded: Recorded, subnets: Parameters<typeof emrServiceRequests>[1],
): RoleRequest[] {
  const ours = (role: RoleName, requests: readonly SentRequest[], environment: string) => {
    const state = stateOf(requests, environment);
    return requests.flatMap((r) => ofRole(role, r.command, authorizationsOf(r, state)));
  };
  const runJobFlow = recorded.run.find((r) => r.command === 'RunJobFlowCommand')!.input as unknown as RunJobFlowCommandInput;
  const firehose = firehoseRequests(names, RAW_TABLE);
  return [
    ...ours('run', recorded.run, 'dev'),
    ...ours('run', recorded.replay, 'dev'),
    ...recorded.validation.requests.flatMap((r) => ofRole('run', r.command, authorizationsOf(r, recorded.validation.state))),
    ...ours('teardown', recorded.teardown, 'pr-7'),
    ...recorded.securityGroups.requests.flatMap((r) => ofRole('emr-security-groups', r.command, authorizationsOf(r, recorded.securityGroups.state))),
    ...ofRole('emr-service', 'EMR starting the cluster', emrServiceRequests(runJobFlow, subnets)),
    ...ofRole('run', 'the publisher (PyIceberg)', publisherRequests(names)),
    ...ofRole('emr-instance', 'the Iceberg KPI jobs', icebergJobRequests(names)),
    ...ofRole('firehose-source', 'Firehose reading the stream', firehose.source),
    ...ofRole('firehose-destination', 'Firehose writing bronze', firehose.destination),
  ];
}

/** The denials, each naming role, action, resource and what did not match. */
async function denials(requests: readonly RoleRequest[], roles: Roles): Promise<string[]> {
  const problems: string[] = [];
  for (const request of requests) {
    const role = roles[request.role];
    const { action, resource, context } = request;
    const decision = await evaluate({ principal: role.arn, action, resource, context }, role.policies);
    if (!decision.allowed) problems.push(`${request.role} (${request.origin}) may not ${request.action} on ${request.resource}: ${decision.reason}`);
  }
  return problems;
}

/** A role without one action of one of its synthesized statements. */
function without(role: ContractRole, action: string): ContractRole {
  return {
    ...role,
    policies: role.policies.map((policy) => ({
      ...policy,
      document: {
        ...policy.document,
        Statement: policy.document.Statement.map((s) => ({ ...s, Action: ([] as unknown[]).concat(s.Action).filter((a) => a !== action) })),
      },
    })),
  };
}

describe('the permission contract', () => {
  let roles: Roles;
  let subnets: Parameters<typeof emrServiceRequests>[1];
  let recorded: Recorded;
  let vpcId: string;

  beforeAll(async () => {
    const templates = synthesizedTemplates();
    roles = contractRoles(templates);
    const subnet = clusterSubnet(templates);
    subnets = subnet ? [subnet] : [];
    vpcId = clusterVpcId(templates)!;
    recorded = {
      run: await recordKpiRun(subnet?.id),
      replay: await recordReplay(),
      validation: await recordValidationQuery(),
      teardown: await recordTeardown(),
      securityGroups: await recordSecurityGroupRemoval(vpcId),
    };
  }, 120_000);

  it('allows every request our code sends and AWS sends for us, with the roles as synthesized', async () => {
    const requests = contractRequests(recorded, subnets);
    const counts = new Map<string, number>();
    for (const r of requests) counts.set(r.role, (counts.get(r.role) ?? 0) + 1);
    const perRole = [...counts].map(([role, count]) => `${role}: ${count}`);
    console.log(`permission contract: ${requests.length} requests (${perRole.join(', ')})`);
    expect(new Set(requests.map((r) => r.role))).toEqual(new Set(['run', 'teardown', 'emr-service', 'emr-instance', 'firehose-source', 'firehose-destination', 'emr-security-groups']));
    expect(requests.filter((r) => r.role === 'emr-security-groups' && r.action === 'ec2:DeleteSecurityGroup')).toHaveLength(3);
    expect(requests.some((r) => r.role === 'run' && r.action === 'kinesis:PutRecords' && r.resource.endsWith(`:stream/${names.streamName}`))).toBe(true);
    expect(requests.some((r) => r.role === 'run' && r.action === 'athena:GetQueryResults' && r.resource.endsWith(`:workgroup/${names.athenaWorkgroup}`))).toBe(true);
    expect(await denials(requests, roles)).toEqual([]);
  });

  it('fails on a command the request table does not map', () => {
    expect(() => authorizationsOf({ command: 'RunInstancesCommand', input: {} }, { clusterTags: () => ({}) }))
      .toThrow('RunInstancesCommand has no row in the permission contract\'s request table');
  });

  it('fails, naming the statement, when RunJobFlow loses the tag the EMR managed policy requires', async () => {
    const runJobFlow = recorded.run.find((r) => r.command === 'RunJobFlowCommand')!.input as unknown as RunJobFlowCommandInput;
    const untagged = { ...runJobFlow, Tags: (runJobFlow.Tags ?? []).filter((t) => t.Key !== 'for-use-with-amazon-emr-managed-policies') };
    const problems = await denials(ofRole('emr-service', 'EMR starting the cluster', emrServiceRequests(untagged, subnets)), roles);
    expect(problems.join('\n')).toContain('emr-service (EMR starting the cluster) may not ec2:RunInstances on arn:aws:ec2:eu-west-1:123456789012:instance/');
    expect(problems.join('\n')).toContain('AmazonEMRServicePolicy_v2/CreateEMRTaggedInstancesAndVolumes: condition StringEquals aws:RequestTag/for-use-with-amazon-emr-managed-policies "true" (key missing from the request)');
    expect(problems.join('\n')).toContain('AmazonEMRServicePolicy_v2/CreateEMRTaggedLaunchTemplate');
  });

  it('fails, naming the statement, when a cluster is started outside a subnet tagged for EMR', async () => {
    const runJobFlow = recorded.run.find((r) => r.command === 'RunJobFlowCommand')!.input as unknown as RunJobFlowCommandInput;
    const untaggedNetwork = { ...runJobFlow, Instances: { ...runJobFlow.Instances, Ec2SubnetId: undefined } };
    const problems = await denials(ofRole('emr-service', 'EMR starting the cluster', emrServiceRequests(untaggedNetwork, subnets)), roles);
    expect(problems.join('\n')).toContain('may not ec2:RunInstances on arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-default0vpc0000: Allow AmazonEMRServicePolicy_v2/CreateInTaggedNetwork: condition StringEquals aws:ResourceTag/for-use-with-amazon-emr-managed-policies "true" (key missing from the request)');
  });

  it('fails, naming the request, when the instance role loses glue:UpdateTable', async () => {
    const problems = await denials(ofRole('emr-instance', 'the Iceberg KPI jobs', icebergJobRequests(names)), { ...roles, 'emr-instance': without(roles['emr-instance'], 'glue:UpdateTable') });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('emr-instance (the Iceberg KPI jobs) may not glue:UpdateTable on arn:aws:glue:eu-west-1:123456789012:'))).toBe(true);
    expect(problems.join('\n')).toContain('table/analytics_dev/sensor_health: no statement names this action');
  });

  it('fails, naming the request, when the run role loses iam:PassRole on the EMR service role', async () => {
    const run = roles.run;
    const cut: ContractRole = {
      ...run,
      policies: run.policies.map((p) => ({
        ...p,
        document: { ...p.document, Statement: p.document.Statement.map((s) => (s.Sid === 'PassEmrRoles' ? { ...s, Resource: ([] as unknown[]).concat(s.Resource).filter((r) => !String(r).endsWith('emr-service')) } : s)) },
      })),
    };
    const state = stateOf(recorded.run, 'dev');
    const requests = recorded.run.filter((r) => r.command === 'RunJobFlowCommand').flatMap((r) => ofRole('run', r.command, authorizationsOf(r, state)))
      .filter((r) => r.action === 'iam:PassRole');
    const problems = await denials(requests, { ...roles, run: cut });
    expect(problems).toEqual([expect.stringMatching(/^run \(RunJobFlowCommand\) may not iam:PassRole on arn:aws:iam::123456789012:role\/clickstream-dev-emr-service: Allow .*\/PassEmrRoles: resource does not match/)]);
  });

  it('fails, naming the condition, when the stack\'s deletion would remove EMR\'s groups of another VPC', async () => {
    const elsewhere = await recordSecurityGroupRemoval(vpcId, 'vpc-0prod00000000000000');
    const requests = elsewhere.requests.flatMap((r) => ofRole('emr-security-groups', r.command, authorizationsOf(r, elsewhere.state)));
    const problems = await denials(requests, roles);
    expect(problems).toHaveLength(3 + 3 + 2);
    expect(problems.join('\n')).toContain('emr-security-groups (DeleteSecurityGroupCommand) may not ec2:DeleteSecurityGroup on arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0devprimary');
    expect(problems.join('\n')).toContain('ec2:Vpc');
  });

  it('covers the previews\' roles and the preview environment\'s names', () => {
    expect(roles['preview-run'].policies.length).toBeGreaterThan(0);
    expect(recorded.teardown.some((r) => (r.input.StackName as string | undefined)?.startsWith('clickstream-pr-7'))).toBe(true);
    expect(previewNames.environment).toBe('pr-7');
  });
});
