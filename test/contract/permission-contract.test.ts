import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand, RunJobFlowCommandInput, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluator';
import { athenaQueryRequests, cdkToolkitRequests, emrServiceRequests, firehoseRequests, icebergJobRequests, publisherRequests } from './on-behalf';
import { sentRequests } from './recorder';
import { AccountState, Authorization, SentRequest, authorizationsOf } from './request-table';
import { ContractRole, RoleName, clusterSubnet, clusterVpcId, contractRoles, synthesizedTemplates } from './role-policies';
import { BOOTSTRAP_QUALIFIER } from '../../infra/config/environments';
import { deployStacks, ToolkitPort } from '../../infra/deploy/deploy-stacks';
import { ATHENA_RESULTS_PREFIX } from '../../infra/stacks/query-stack';
import { EMR_ENVIRONMENT_TAG, RAW_TABLE, ResourceNames, emrRoleNames, resourceNames } from '../../src/config/names';
import { bronzeTablePrefix } from '../../src/config/raw-table';
import { parseEmrRunInputs } from '../../src/emr/run-inputs';
import { runKpisOnEmr } from '../../src/emr/run-kpis';
import { AthenaEngine } from '../../src/engines/athena';
import { QueryEngine, QueryResult } from '../../src/engines/query-engine';
import { CHECKED_TABLES, KPI_JOBS } from '../../src/kpis/catalog';
import { auditBranch } from '../../src/kpis/run-ledger';
import { waitForFirehoseLanding } from '../../src/pipeline/firehose-landing';
import { teardownPreview } from '../../src/previews/teardown';
import { bronzeHoldsEvents } from '../../src/replay/earlier-events';
import { replay } from '../../src/replay/replayer';
import { generatorSource } from '../../src/replay/sources';
import { RUN_TABLES, loadRunScope } from '../../src/validation/run-scope';
import { runValidation } from '../../src/validation/runner';
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

/**
 * A transient KPI run in dev, as runKpisOnEmr sends it (cluster created, steps listed, cluster
 * described); when its step fails, the runner also reads the step's logs from the logs bucket (EMR
 * Management Guide, "View log files archived to Amazon S3": steps/<step id>/stderr.gz under the
 * cluster's log URI). The logs are not there yet, so it asks again until its wait ends.
 */
async function recordKpiRun(of: ResourceNames, subnetId?: string, stepState: 'COMPLETED' | 'FAILED' = 'COMPLETED'): Promise<SentRequest[]> {
  const emrMock = mockClient(EMRClient);
  const s3Mock = mockClient(S3Client);
  try {
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    emrMock.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-CONTRACT1' });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', 'clickstream-kpi-sensor_health', stepState)));
    // EMR reports the log URI RunJobFlow set: the environment's logs bucket.
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATED', { logUri: `s3n://${of.logsBucket}/emr/` }));
    emrMock.on(TerminateJobFlowsCommand).resolves({});
    const { options } = parseEmrRunInputs({
      'account-id': ACCOUNT,
      'region': 'eu-west-1',
      'environment': of.environment,
      'scripts-version': 'abc1234',
      'jobs': 'sensor_health',
      'service-role': emrRoleNames(of.environment).serviceRole,
      'instance-profile': emrRoleNames(of.environment).instanceRole,
      ...(subnetId ? { 'subnet-id': subnetId } : {}),
    }, {}, { repository: 'acme/clickstream', runId: '4242' });
    await runKpisOnEmr(options, { emr: new EMRClient({ region: 'eu-west-1' }), s3: new S3Client({ region: 'eu-west-1' }), ...fakeTime() });
    return sentRequests(emrMock, s3Mock);
  } finally {
    emrMock.restore();
    s3Mock.restore();
  }
}

/**
 * A replay into dev, as the replay action and `run --target aws` send it: bronze asked whether it
 * already holds events, the stream's shards read to pace the replay, the records put.
 */
async function recordReplay(of: ResourceNames): Promise<SentRequest[]> {
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
    await bronzeHoldsEvents(new S3Client({ region: 'eu-west-1' }), of.bronzeBucket);
    await replay({ kinesis: new KinesisClient({ region: 'eu-west-1' }), streamName: of.streamName, source: generatorSource({ count: 200, seed: 1 }) });
    return sentRequests(s3Mock, kinesisMock);
  } finally {
    kinesisMock.restore();
    s3Mock.restore();
  }
}

/**
 * The wait for Firehose after a replay into dev, as `run --target aws` sends it: the delivery stream
 * described (its buffer interval and bucket), then bronze's arrival-hour prefixes listed until two
 * listings agree after the buffer has flushed.
 */
async function recordLandingWait(of: ResourceNames): Promise<SentRequest[]> {
  const firehoseMock = mockClient(FirehoseClient);
  const s3Mock = mockClient(S3Client);
  try {
    const time = fakeTime();
    firehoseMock.on(DescribeDeliveryStreamCommand).resolves({
      DeliveryStreamDescription: {
        Destinations: [{
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationDescription: { BucketARN: `arn:aws:s3:::${of.bronzeBucket}`, BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 } } as never,
        }],
      } as never,
    });
    s3Mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => (input.Prefix.startsWith('events/')
      ? { KeyCount: 1, Contents: [{ Key: `${input.Prefix}part.parquet`, Size: 1024, LastModified: new Date(time.clock()) }] }
      : { KeyCount: 0 }));
    const started = time.clock();
    await waitForFirehoseLanding(
      {
        deliveryStreamName: of.deliveryStreamName,
        bucket: of.bronzeBucket,
        since: started - 1000,
        lastPutAt: started,
        timeoutMs: 3_600_000,
        graceMs: 0,
        pollIntervalMs: 10_000,
      },
      { firehose: new FirehoseClient({ region: 'eu-west-1' }), s3: new S3Client({ region: 'eu-west-1' }), clock: time.clock, sleep: time.sleep },
    );
    return sentRequests(firehoseMock, s3Mock);
  } finally {
    firehoseMock.restore();
    s3Mock.restore();
  }
}

/**
 * A deployment of `environment` (dev, or `preview`: the roles every preview shares) as deploy-infra
 * sends it: the bootstrap stack described to check its version; the toolkit (faked: it would act with
 * the bootstrap roles it assumes, see cdkToolkitRequests) deploys nothing here.
 */
async function recordDeploy(environment: 'dev' | 'pr-7'): Promise<SentRequest[]> {
  const cloudFormationMock = mockClient(CloudFormationClient);
  try {
    cloudFormationMock.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '30' }] }],
    });
    const toolkit = { fromCdkApp: async () => ({}), diff: async () => ({}), deploy: async () => ({ stacks: [] }) } as unknown as ToolkitPort;
    await deployStacks({ environment, region: 'eu-west-1', appDirectory: '.' }, { toolkit, cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }) });
    return sentRequests(cloudFormationMock);
  } finally {
    cloudFormationMock.restore();
  }
}

/** One validation statement on Athena in dev's workgroup, as the Athena engine sends every statement of the suite. */
async function recordValidationQuery(of: ResourceNames): Promise<Recording> {
  const client = new AthenaClient({ region: 'eu-west-1' });
  const athena = mockClient(client);
  try {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-contract' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: 'q-contract', WorkGroup: of.athenaWorkgroup, Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    const time = fakeTime();
    await new AthenaEngine({ client, workGroup: of.athenaWorkgroup, clock: time.clock, sleep: time.sleep }).query('SELECT 1');
    return { requests: sentRequests(athena), state: { clusterTags: () => ({}), queryWorkgroup: () => of.athenaWorkgroup } };
  } finally {
    athena.restore();
  }
}

/**
 * Every statement a validation of a pending run sends to Athena (run scope, the check suite, the
 * verdict's INSERT), as the suite renders them for dev's database. The engine answers as Athena would
 * for a run on its audit branch: the ledger's tables exist, the run's branch and main have snapshots,
 * the ledger holds the run, and every table has its columns.
 */
async function recordValidationStatements(of: ResourceNames): Promise<string[]> {
  const runId = 'run_20260110T033000_c0ffee';
  const statements: string[] = [];
  const answer = (sql: string): Array<Record<string, string | number>> => {
    if (sql.includes('"information_schema"."tables"')) return RUN_TABLES.map((table_name) => ({ table_name }));
    if (/information_schema"?\."?columns/.test(sql)) {
      return Object.values(CHECKED_TABLES).flatMap((t) => t.columns.map((c) => ({ table_name: t.name, column_name: c.name, data_type: c.type === 'int' ? 'integer' : c.type === 'string' ? 'varchar' : c.type })));
    }
    if (sql.includes(' AS committed')) return [{ name: 'main', snapshot_id: '1', committed: 1 }, { name: auditBranch(runId), snapshot_id: '2', committed: 2 }];
    if (sql.includes('recomputed_days')) {
      return Object.keys(KPI_JOBS).map((job) => ({ run_id: runId, job, mode: 'incremental', read_through: 1768014000, first_arrival: 1767999600, read_open: '', recomputed_days: '2026-01-09,2026-01-10' }));
    }
    if (sql.includes('UNION ALL')) return RUN_TABLES.flatMap((table_name) => [{ table_name, name: 'main', snapshot_id: '1' }, { table_name, name: auditBranch(runId), snapshot_id: '2' }]);
    return [];
  };
  const engine: QueryEngine = {
    name: 'athena',
    query: async (sql) => {
      statements.push(sql);
      return { queryId: `q${statements.length}`, columns: [], rows: answer(sql), durationMs: 1 } satisfies QueryResult;
    },
  };
  const run = await loadRunScope(engine, 'awsdatacatalog', of.glueDatabase);
  await runValidation(engine, { database: of.glueDatabase, run });
  return statements;
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

/** Everything a whole run sends in one environment: KPI steps (one failing), replay, landing wait, validation. */
interface PipelineRecording {
  readonly sent: SentRequest[];
  readonly validation: Recording;
  readonly statements: string[];
}

async function recordPipeline(of: ResourceNames): Promise<PipelineRecording> {
  return {
    // A preview's compute stack creates its own tagged subnet, as dev's does.
    sent: [...await recordKpiRun(of, 'subnet-0feed1234abcd5678'), ...await recordKpiRun(of, 'subnet-0feed1234abcd5678', 'FAILED'), ...await recordReplay(of), ...await recordLandingWait(of)],
    validation: await recordValidationQuery(of),
    statements: await recordValidationStatements(of),
  };
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
  /** A run whose step failed: the runner reads the step's logs. */
  readonly failedRun: SentRequest[];
  readonly replay: SentRequest[];
  readonly landing: SentRequest[];
  /** deploy-infra deploying dev, and a preview. */
  readonly deploy: SentRequest[];
  readonly previewDeploy: SentRequest[];
  readonly validation: Recording;
  /** The SQL of a whole validation of a pending run, which Athena runs with the run role's permissions. */
  readonly statements: string[];
  readonly teardown: SentRequest[];
  /** A pull request's preview run, sent with the previews' run role. */
  readonly preview: PipelineRecording;
  readonly securityGroups: Recording;
}

/** The tags of the clusters a recording created (RunJobFlow), or started in a fake account. */
function stateOf(requests: readonly SentRequest[], environment: string): AccountState {
  const created = requests.find((r) => r.command === 'RunJobFlowCommand')?.input as unknown as RunJobFlowCommandInput | undefined;
  const tags = Object.fromEntries((created?.Tags ?? [{ Key: EMR_ENVIRONMENT_TAG, Value: environment }]).map((t) => [t.Key!, t.Value!]));
  return { clusterTags: () => tags };
}

/** Where Athena finds the raw table's objects and writes results (the catalog and query stacks' locations). */
const athenaLocations = { rawTable: RAW_TABLE, rawPrefix: bronzeTablePrefix(), resultsPrefix: ATHENA_RESULTS_PREFIX };

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
    ...ours('run', recorded.failedRun, 'dev'),
    ...ours('run', recorded.replay, 'dev'),
    ...ours('run', recorded.landing, 'dev'),
    ...ours('preview-run', recorded.preview.sent, previewNames.environment),
    ...recorded.preview.validation.requests.flatMap((r) => ofRole('preview-run', r.command, authorizationsOf(r, recorded.preview.validation.state))),
    ...ofRole('preview-run', 'Athena running the validation', athenaQueryRequests(recorded.preview.statements, previewNames, athenaLocations)),
    ...ours('deploy', recorded.deploy, 'dev'),
    ...ofRole('deploy', 'the CDK toolkit', cdkToolkitRequests(BOOTSTRAP_QUALIFIER)),
    ...ours('preview-deploy', recorded.previewDeploy, 'pr-7'),
    ...ofRole('preview-deploy', 'the CDK toolkit', cdkToolkitRequests(BOOTSTRAP_QUALIFIER)),
    ...recorded.validation.requests.flatMap((r) => ofRole('run', r.command, authorizationsOf(r, recorded.validation.state))),
    ...ours('teardown', recorded.teardown, 'pr-7'),
    ...recorded.securityGroups.requests.flatMap((r) => ofRole('emr-security-groups', r.command, authorizationsOf(r, recorded.securityGroups.state))),
    ...ofRole('emr-service', 'EMR starting the cluster', emrServiceRequests(runJobFlow, subnets)),
    ...ofRole('run', 'Athena running the validation', athenaQueryRequests(recorded.statements, names, athenaLocations)),
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
      run: await recordKpiRun(names, subnet?.id),
      failedRun: await recordKpiRun(names, subnet?.id, 'FAILED'),
      replay: await recordReplay(names),
      landing: await recordLandingWait(names),
      deploy: await recordDeploy('dev'),
      previewDeploy: await recordDeploy('pr-7'),
      validation: await recordValidationQuery(names),
      statements: await recordValidationStatements(names),
      preview: await recordPipeline(previewNames),
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
    expect(new Set(requests.map((r) => r.role))).toEqual(new Set(['deploy', 'preview-deploy', 'run', 'preview-run', 'teardown', 'emr-service', 'emr-instance', 'firehose-source', 'firehose-destination', 'emr-security-groups']));
    expect(requests.filter((r) => r.role === 'emr-security-groups' && r.action === 'ec2:DeleteSecurityGroup')).toHaveLength(3);
    expect(requests.some((r) => r.role === 'run' && r.action === 'kinesis:PutRecords' && r.resource.endsWith(`:stream/${names.streamName}`))).toBe(true);
    // Athena reads every table the suite names and writes the verdict with the run role's permissions.
    const byAthena = requests.filter((r) => r.role === 'run' && r.origin === 'Athena running the validation');
    expect(byAthena.filter((r) => r.action === 'glue:UpdateTable').map((r) => r.resource)).toContain(`arn:aws:glue:eu-west-1:${ACCOUNT}:table/${names.glueDatabase}/_kpi_validations`);
    expect(new Set(byAthena.filter((r) => r.action === 'glue:UpdateTable').map((r) => r.resource.split(':table/')[1]).filter(Boolean))).toEqual(new Set([`${names.glueDatabase}/_kpi_validations`]));
    expect(byAthena.some((r) => r.action === 's3:GetObject' && r.resource.startsWith(`arn:aws:s3:::${names.bronzeBucket}/events/`))).toBe(true);
    expect(requests.filter((r) => r.role === 'run' && r.action === 'firehose:DescribeDeliveryStream').map((r) => r.resource))
      .toEqual([`arn:aws:firehose:eu-west-1:${ACCOUNT}:deliverystream/${names.deliveryStreamName}`]);
    expect(requests.some((r) => r.origin === 'ListObjectsV2Command' && r.context['s3:prefix'] === 'events/year=2026/month=11/day=20/hour=06/')).toBe(true);
    expect(requests.filter((r) => r.role === 'run' && r.origin === 'GetObjectCommand').map((r) => r.resource))
      .toContain(`arn:aws:s3:::${names.logsBucket}/emr/j-CONTRACT1/steps/s-A/stderr.gz`);
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

  it('fails, naming the request, when the run role may not write the verdicts table Athena inserts into', async () => {
    const run = roles.run;
    const cut: ContractRole = {
      ...run,
      policies: run.policies.map((p) => ({ ...p, document: { ...p.document, Statement: p.document.Statement.filter((s) => s.Sid !== 'WriteValidationVerdicts') } })),
    };
    // The whole suite went through the recording: the run scope, one statement per checked table, bronze, the verdict.
    expect(recorded.statements.length).toBeGreaterThan(Object.keys(CHECKED_TABLES).length + 4);
    const problems = await denials(ofRole('run', 'Athena running the validation', athenaQueryRequests(recorded.statements, names, athenaLocations)), { ...roles, run: cut });
    // Its metadata file is still allowed (publishing writes every table's metadata/); its data file is not.
    expect(problems).toEqual([expect.stringMatching(new RegExp(
      `^run \\(Athena running the validation\\) may not s3:PutObject on arn:aws:s3:::${names.warehouseBucket}/warehouse/${names.glueDatabase}\\.db/_kpi_validations/data/part-00000\\.parquet: .*AthenaResults: resource does not match`,
    ))]);
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
