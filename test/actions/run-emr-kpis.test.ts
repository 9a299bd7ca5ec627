import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AddJobFlowStepsCommand, CancelStepsCommand, DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand, TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import { CancelJobRunCommand, EMRServerlessClient, GetJobRunCommand, StartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fakeActionIo } from './action-io';
import { cleanup } from '../../actions/run-emr-kpis/cleanup';
import { RunDeps, run } from '../../actions/run-emr-kpis/run';
import { EMR_RUN_INPUT_NAMES } from '../../src/emr/run-inputs';
import { cluster, fakeTime, step, steps } from '../emr/fakes';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
  runs: Record<string, string>;
}
const actionYaml = parse(fs.readFileSync(path.join(__dirname, '../../actions/run-emr-kpis/action.yml'), 'utf8')) as ActionYaml;
const SHA = '9fceb02d0ae598e95dc970b74767f19372d61af8';
const env = { GITHUB_REPOSITORY: 'acme/clickstream', GITHUB_RUN_ID: '4242', AWS_REGION: 'eu-west-1' };

// EMR and CloudFormation cannot run here, so they are mocked; the step logs are read from the emulator's S3.
const emrMock = mockClient(EMRClient);
const cfMock = mockClient(CloudFormationClient);
let fixture: EmulatorFixture;
beforeAll(async () => {
  fixture = await startEmulatorFixture();
});
afterAll(async () => {
  await fixture?.stop();
});
/** The clients the action creates once its inputs are valid, counted. */
let clientsCreated = 0;
const clients = () => {
  clientsCreated += 1;
  return { emr: new EMRClient({ region: 'eu-west-1' }), s3: fixture.clients.s3 };
};
const cloudFormation = () => new CloudFormationClient({ region: 'eu-west-1' });

/** The deployed version of the scripts (the compute stack's content hash), and the roles the stack created. */
const DEPLOYED = {
  ScriptsVersion: '0f3c2a9d1e2b3c4d',
  EmrServiceRole: 'clickstream-dev-compute-ServiceRole1',
  EmrInstanceProfile: 'clickstream-dev-compute-InstanceProfile1',
  ClusterSubnetId: 'subnet-0abc1234def567890',
};

/** DescribeStacks as CloudFormation answers it: the dev stacks' outputs, and "does not exist" for others. */
function deployedStacks(outputs: Record<string, Record<string, string>>) {
  cfMock.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const stack = outputs[input.StackName];
    if (!stack) throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { name: 'ValidationError' });
    return { Stacks: [{ StackName: input.StackName, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(stack).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
  });
}

/** The runner as this action sees it; pass the main step's state to the post step. */
const fakeRunner = (inputs: Record<string, string>, state?: Map<string, string>) => fakeActionIo('run-emr-kpis', inputs, state);

const NAMES = ['clickstream-kpi-sensor_health', 'clickstream-kpi-temp_humidity', 'clickstream-kpi-event_geo'];
const inputs = { 'account-id': '123456789012' };

function newClusterWithSteps() {
  emrMock.on(RunJobFlowCommand).resolves({ $metadata: {}, JobFlowId: 'j-NEW1' });
  emrMock.on(ListStepsCommand, { ClusterId: 'j-NEW1', StepIds: undefined }).resolves(steps(
    step('s-C', NAMES[2], 'PENDING'), step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'PENDING'),
  ));
}

beforeEach(() => {
  emrMock.reset();
  cfMock.reset();
  clientsCreated = 0;
  // Only the compute stack is deployed: buckets follow the naming convention with the account id.
  deployedStacks({ 'clickstream-dev-compute': DEPLOYED });
});

/**
 * Runs the main step until its first wait between polls, where the runner kills it: the step's
 * promise never settles and nothing of its own clean-up runs, as when a runner is killed.
 */
async function runUntilKilled(io: ReturnType<typeof fakeRunner>['io'], extra: Partial<RunDeps> = {}): Promise<void> {
  let killed!: () => void;
  const isKilled = new Promise<void>((resolve) => (killed = resolve));
  const sleep = () => {
    killed();
    return new Promise<void>(() => undefined);
  };
  void run(io, {
    env, createClients: clients, createCloudFormation: cloudFormation, clock: () => 0, sleep, signal: new AbortController().signal, ...extra,
  });
  await isKilled;
}

describe('run-emr-kpis action.yml', () => {
  it('runs main and post bundles on node24 and declares exactly the inputs the action reads and the outputs it sets', () => {
    expect(actionYaml.runs).toEqual({ 'using': 'node24', 'main': 'dist/main.js', 'post': 'dist/post.js', 'post-if': 'always()' });
    expect(Object.keys(actionYaml.inputs).sort()).toEqual([...EMR_RUN_INPUT_NAMES, 'manifest'].sort());
    expect(Object.keys(actionYaml.outputs).sort()).toEqual(['application-id', 'cluster-id', 'compute', 'duration-seconds', 'job-run-ids', 'normalized-instance-hours', 'result', 'run-id', 'step-ids']);
  });
});

describe('run-emr-kpis main step', () => {
  it('fails on invalid inputs before any AWS call, naming each input to fix', async () => {
    const { io, record } = fakeRunner({ 'mode': 'existing', 'core-instance-count': '-1', 'from-date': '2026-13-01', 'to-date': '2026-11-02' });

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, signal: new AbortController().signal });

    expect(record.failures).toHaveLength(1);
    expect(record.failures[0]).toContain('core-instance-count: must be a whole number of core nodes (got "-1")');
    expect(record.failures[0]).toContain('- from-date must be a UTC day as YYYY-MM-DD, got "2026-13-01".');
    expect(record.failures[0]).toContain('cluster-id: mode "existing" needs the id of the cluster');
    expect(emrMock.calls()).toHaveLength(0);
    expect(clientsCreated).toBe(0);
    expect(cfMock.calls()).toHaveLength(0);
    expect(record.outputs).toEqual({});
  });

  it('fails on a manifest it cannot read before any AWS call', async () => {
    const { io, record } = fakeRunner({ ...inputs, manifest: '/nonexistent/replay-manifest.json' });

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, signal: new AbortController().signal });

    expect(record.failures).toEqual([expect.stringMatching(/^Cannot read the manifest \/nonexistent\/replay-manifest\.json: ENOENT/)]);
    expect(cfMock.calls()).toHaveLength(0);
    expect(emrMock.calls()).toHaveLength(0);
  });

  it('names what to deploy when no stack publishes a scripts version and none is given', async () => {
    cfMock.reset();
    deployedStacks({});
    const { io, record } = fakeRunner(inputs);

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, signal: new AbortController().signal });

    expect(record.failures).toEqual([
      'No Spark scripts version: scripts-version is not set and stack clickstream-dev-compute in eu-west-1 has no ScriptsVersion output. ' +
      'Deploy the environment (the deployment publishes spark/), or publish the scripts with `npx clickstream publish-scripts` and pass their version.',
    ]);
    expect(emrMock.calls()).toHaveLength(0);
  });

  it('fails before any EMR call when the stacks name no cluster subnet and subnet-id is not given', async () => {
    cfMock.reset();
    const { ClusterSubnetId: _, ...withoutSubnet } = DEPLOYED;
    deployedStacks({ 'clickstream-dev-compute': withoutSubnet });
    const { io, record } = fakeRunner(inputs);

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, signal: new AbortController().signal });

    expect(record.failures).toHaveLength(1);
    expect(record.failures[0]).toMatch(/^No cluster subnet \(subnet-id is not set and no stack output names one\): a transient EMR cluster needs a subnet tagged for-use-with-amazon-emr-managed-policies=true/);
    expect(emrMock.calls()).toHaveLength(0);
  });

  it('runs every job on a transient cluster with the action defaults, sets the outputs and writes a per-step summary', async () => {
    newClusterWithSteps();
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATING', { hours: 32 }));
    emrMock.on(ListStepsCommand, { StepIds: ['s-A', 's-B', 's-C'] }).resolves(steps(
      step('s-A', NAMES[0], 'COMPLETED'), step('s-B', NAMES[1], 'COMPLETED'), step('s-C', NAMES[2], 'COMPLETED'),
    ));
    const { io, record } = fakeRunner(inputs);
    const time = fakeTime();

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, ...time, signal: new AbortController().signal });

    expect(record.failures).toEqual([]);
    expect(record.outputs).toEqual({
      'compute': 'emr',
      'cluster-id': 'j-NEW1',
      'step-ids': 's-A,s-B,s-C',
      'result': 'completed',
      'duration-seconds': '0',
      'normalized-instance-hours': '32',
      // Named after the workflow run: every step writes to its audit branch.
      'run-id': 'run_4242',
    });
    const request = emrMock.commandCalls(RunJobFlowCommand)[0].args[0].input;
    expect(request.ReleaseLabel).toBe('emr-7.12.0');
    // The scripts version and roles the environment's compute stack outputs.
    expect(request).toMatchObject({ ServiceRole: DEPLOYED.EmrServiceRole, JobFlowRole: DEPLOYED.EmrInstanceProfile });
    // The stack's tagged subnet and the tag AmazonEMRServicePolicy_v2 requires (EMR Management Guide, "Service role for Amazon EMR (EMR role)").
    expect(request.Instances!.Ec2SubnetId).toBe(DEPLOYED.ClusterSubnetId);
    expect(cfMock.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toContain('clickstream-dev-compute');
    // No window and no manifest: the jobs get no dates and decide which days to recompute.
    expect(request.Steps![0].HadoopJarStep!.Args).not.toContain('--from-date');
    expect(request.Tags).toEqual([
      { Key: 'clickstream:environment', Value: 'dev' }, { Key: 'repository', Value: 'acme/clickstream' }, { Key: 'run-id', Value: '4242' },
      { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' },
    ]);
    expect(request.Steps!.map((s) => s.HadoopJarStep!.Args!.find((a) => a.endsWith('.py')))).toEqual([
      `s3://clickstream-dev-scripts-123456789012/spark/${DEPLOYED.ScriptsVersion}/kpi_sensor_health.py`,
      `s3://clickstream-dev-scripts-123456789012/spark/${DEPLOYED.ScriptsVersion}/kpi_temp_humidity.py`,
      `s3://clickstream-dev-scripts-123456789012/spark/${DEPLOYED.ScriptsVersion}/kpi_event_geo.py`,
    ]);
    expect(record.summary).toContain('### ✅ KPI jobs completed on EMR');
    expect(record.summary).toContain(`| ${NAMES[1]} | \`s-B\` | COMPLETED |`);
    expect(record.state.get('result')).toBe('completed');

    emrMock.resetHistory();
    await cleanup(io, { createClients: clients });
    expect(emrMock.calls()).toHaveLength(0);
  });

  it('fails with the step\'s reason, shows its log tail, and leaves the post step to make sure the cluster is gone', async () => {
    newClusterWithSteps();
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATING'));
    emrMock.on(ListStepsCommand, { StepIds: ['s-A', 's-B', 's-C'] }).resolves(steps(
      step('s-A', NAMES[0], 'COMPLETED'),
      step('s-B', NAMES[1], 'FAILED', { FailureDetails: { Reason: 'Unknown Error.', LogFile: 's3://clickstream-dev-logs-123456789012/emr/j-NEW1/steps/s-B/stderr.gz' } }),
      step('s-C', NAMES[2], 'COMPLETED'),
    ));
    await fixture.clients.s3.send(new CreateBucketCommand({ Bucket: 'clickstream-dev-logs-123456789012' }));
    await fixture.clients.s3.send(new PutObjectCommand({
      Bucket: 'clickstream-dev-logs-123456789012',
      Key: 'emr/j-NEW1/steps/s-B/stderr.gz',
      Body: gzipSync('pyspark.errors.exceptions.captured.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND]\n'),
    }));
    const { io, record } = fakeRunner({ ...inputs, 'use-spot': 'true' });

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, ...fakeTime(), signal: new AbortController().signal });

    expect(record.outputs.result).toBe('step-failed');
    expect(record.failures).toEqual([
      `Step s-B (${NAMES[1]}) FAILED on cluster j-NEW1: Unknown Error. Log: s3://clickstream-dev-logs-123456789012/emr/j-NEW1/steps/s-B/stderr.gz.`,
    ]);
    expect(record.summary).toContain('AnalysisException: [TABLE_OR_VIEW_NOT_FOUND]');
    expect(record.logs.join('\n')).toContain('AnalysisException: [TABLE_OR_VIEW_NOT_FOUND]');

    emrMock.on(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] }).resolves(steps());
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });
    await cleanup(io, { createClients: clients });
    expect(emrMock.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW1'] }]);
  });

  it('cancels and terminates when the workflow is cancelled mid-run', async () => {
    newClusterWithSteps();
    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING'));
    emrMock.on(ListStepsCommand, { StepIds: ['s-A', 's-B', 's-C'] }).resolves(steps(
      step('s-A', NAMES[0], 'RUNNING'), step('s-B', NAMES[1], 'PENDING'), step('s-C', NAMES[2], 'PENDING'),
    ));
    emrMock.on(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] }).resolves(steps(
      step('s-C', NAMES[2], 'PENDING'), step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'RUNNING'),
    ));
    emrMock.on(CancelStepsCommand).resolves({ $metadata: {}, CancelStepsInfoList: ['s-C', 's-B', 's-A'].map((StepId) => ({ StepId, Status: 'SUBMITTED' as const })) });
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });
    const { io, record } = fakeRunner(inputs);
    const cancelled = new AbortController();
    const time = fakeTime();
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      cancelled.abort();
    };

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, clock: time.clock, sleep, signal: cancelled.signal });

    expect(record.outputs.result).toBe('aborted');
    expect(record.failures[0]).toMatch(/^The run was cancelled while 3 unfinished step\(s\)/);
    expect(emrMock.commandCalls(CancelStepsCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterId: 'j-NEW1', StepIds: ['s-C', 's-B', 's-A'], StepCancellationOption: 'SEND_INTERRUPT' },
    ]);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
    expect(record.summary).toContain('Cleanup: cancelled `s-C`, `s-B`, `s-A`; terminated cluster `j-NEW1`.');
  });
});

describe('run-emr-kpis names and window', () => {
  it("takes the manifest's days as the window, the buckets from the storage stack and a pull request's scripts version over the deployed one", async () => {
    deployedStacks({
      'clickstream-staging-storage': { BronzeBucket: 'bronze-out', WarehouseBucket: 'warehouse-out', ScriptsBucket: 'scripts-out', LogsBucket: 'logs-out', AthenaResultsBucket: 'results-out' },
      'clickstream-staging-compute': { ...DEPLOYED },
    });
    const manifest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-')), 'replay-manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({ days: { '2026-11-22': { distinctEvents: 5 }, '2026-11-20': { distinctEvents: 7 } }, counts: { delivered: 12 } }));
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    emrMock.on(AddJobFlowStepsCommand).resolves({ $metadata: {}, StepIds: ['s-A'] });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', NAMES[0], 'COMPLETED')));
    const { io, record } = fakeRunner({
      'environment': 'staging', 'mode': 'existing', 'cluster-id': 'j-SHARED1', 'jobs': 'sensor_health', manifest, 'scripts-version': SHA,
    });

    await run(io, { env, createClients: clients, createCloudFormation: cloudFormation, ...fakeTime(), signal: new AbortController().signal });

    expect(record.failures).toEqual([]);
    const args = emrMock.commandCalls(AddJobFlowStepsCommand)[0].args[0].input.Steps![0].HadoopJarStep!.Args!;
    expect(args.slice(-10)).toEqual([
      's3://bronze-out/events/', 'analytics_staging', 'sensor_health', 's3://warehouse-out/warehouse', '--from-date', '2026-11-20', '--to-date', '2026-11-22',
      '--run-id', 'run_4242',
    ]);
    expect(args).toContain(`s3://scripts-out/spark/${SHA}/kpi_sensor_health.py`);
    expect(record.logs[0]).toBe('Environment staging in eu-west-1: bronze s3://bronze-out/events/, database analytics_staging, ' +
      `scripts ${SHA}; days 2026-11-20..2026-11-22.`);
  });
});

describe('run-emr-kpis post step', () => {
  it('cancels the steps and terminates the cluster of a run killed before it could clean up', async () => {
    newClusterWithSteps();
    emrMock.on(DescribeClusterCommand).resolves(cluster('RUNNING'));
    emrMock.on(ListStepsCommand, { StepIds: ['s-A', 's-B', 's-C'] }).resolves(steps(
      step('s-A', NAMES[0], 'RUNNING'), step('s-B', NAMES[1], 'PENDING'), step('s-C', NAMES[2], 'PENDING'),
    ));
    const { io, record } = fakeRunner(inputs);
    await runUntilKilled(io);
    expect(record.state.get('result')).toBeUndefined();

    emrMock.on(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] }).resolves(steps(step('s-B', NAMES[1], 'PENDING'), step('s-A', NAMES[0], 'RUNNING')));
    emrMock.on(CancelStepsCommand).resolves({ $metadata: {}, CancelStepsInfoList: ['s-B', 's-A'].map((StepId) => ({ StepId, Status: 'SUBMITTED' as const })) });
    emrMock.on(TerminateJobFlowsCommand).resolves({ $metadata: {} });
    const post = fakeRunner({}, record.state);

    await cleanup(post.io, { createClients: clients });

    expect(emrMock.commandCalls(ListStepsCommand, { StepStates: ['PENDING', 'RUNNING'] })[0].args[0].input)
      .toEqual({ ClusterId: 'j-NEW1', StepIds: ['s-A', 's-B', 's-C'], StepStates: ['PENDING', 'RUNNING'] });
    expect(emrMock.commandCalls(CancelStepsCommand).map((c) => c.args[0].input.StepIds)).toEqual([['s-B', 's-A']]);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW1'] }]);
    expect(post.record.logs).toContain('Terminated cluster j-NEW1, which this run created (run result: none, the run was stopped).');
    expect(post.record.failures).toEqual([]);
  });

  it('on an existing cluster cancels only this run\'s steps and never terminates the cluster', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    emrMock.on(AddJobFlowStepsCommand).resolves({ $metadata: {}, StepIds: ['s-A'] });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', NAMES[0], 'RUNNING')));
    emrMock.on(CancelStepsCommand).resolves({ $metadata: {}, CancelStepsInfoList: [{ StepId: 's-A', Status: 'SUBMITTED' }] });
    const { io, record } = fakeRunner({ ...inputs, 'mode': 'existing', 'cluster-id': 'j-SHARED1', 'jobs': 'sensor_health' });
    await runUntilKilled(io);
    expect(record.state.get('step-ids')).toBe('s-A');

    await cleanup(fakeRunner({}, record.state).io, { createClients: clients });

    expect(emrMock.commandCalls(CancelStepsCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterId: 'j-SHARED1', StepIds: ['s-A'], StepCancellationOption: 'SEND_INTERRUPT' },
    ]);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });

  it('does nothing when the main step never submitted anything', async () => {
    await cleanup(fakeRunner({}).io, { createClients: clients });
    expect(emrMock.calls()).toHaveLength(0);
  });
});

// EMR Serverless cannot run here: its client answers as the API Reference describes StartJobRun and GetJobRun.
describe('run-emr-kpis main step on an EMR Serverless environment', () => {
  const serverlessMock = mockClient(EMRServerlessClient);
  beforeEach(() => serverlessMock.reset());

  /** A dev environment whose compute stack runs EMR Serverless; StartJobRun answers jr-1, jr-2, ... (API Reference, "StartJobRun"). */
  function serverlessEnvironment(): void {
    deployedStacks({
      'clickstream-dev-compute': {
        ScriptsVersion: DEPLOYED.ScriptsVersion,
        Compute: 'emr-serverless',
        ServerlessApplicationId: '00fabc123def4567',
        ServerlessExecutionRoleArn: 'arn:aws:iam::123456789012:role/clickstream-dev-emr-serverless-job',
      },
    });
    let started = 0;
    serverlessMock.on(StartJobRunCommand).callsFake(() => ({ applicationId: '00fabc123def4567', jobRunId: `jr-${++started}`, arn: 'arn' }));
  }

  it('runs the jobs as job runs on the application the compute stack names, with no cluster, and says so in its outputs', async () => {
    serverlessEnvironment();
    serverlessMock.on(GetJobRunCommand).resolves({ jobRun: { state: 'SUCCESS', billedResourceUtilization: { vCPUHour: 0.2, memoryGBHour: 0.8, storageGBHour: 0 } } as never });
    const { io, record } = fakeRunner(inputs);

    await run(io, {
      env,
      createClients: clients,
      createCloudFormation: cloudFormation,
      ...fakeTime(),
      signal: new AbortController().signal,
      createServerless: () => new EMRServerlessClient({ region: 'eu-west-1' }),
    });

    expect(record.failures).toEqual([]);
    expect(emrMock.calls()).toHaveLength(0);
    expect(record.outputs).toMatchObject({ 'compute': 'emr-serverless', 'application-id': '00fabc123def4567', 'job-run-ids': 'jr-1,jr-2,jr-3', 'result': 'completed', 'run-id': 'run_4242' });
    expect(record.outputs['cluster-id']).toBeUndefined();
    const requests = serverlessMock.commandCalls(StartJobRunCommand).map((c) => c.args[0].input);
    expect(requests.map((r) => r.name)).toEqual(NAMES);
    expect(requests.every((r) => r.jobDriver?.sparkSubmit?.entryPoint?.includes(`/${DEPLOYED.ScriptsVersion}/`))).toBe(true);
    // eu-west-1 has no EMR Serverless price in the shipped table: the summary says so instead of guessing.
    expect(record.summary).toContain('0.600 vCPU-hours');
    expect(record.summary).toContain('not priced: the price table');
  });

  it('leaves the post step what it needs to cancel the job runs of a main step killed mid-run, and it cancels only those still going', async () => {
    serverlessEnvironment();
    serverlessMock.on(GetJobRunCommand).resolves({ jobRun: { state: 'RUNNING' } as never });
    const { io, record } = fakeRunner(inputs);
    await runUntilKilled(io, { createServerless: () => new EMRServerlessClient({ region: 'eu-west-1' }) });
    expect(record.state.get('job-run-ids')).toBe('jr-1,jr-2,jr-3');

    // By the time the post step runs, one has ended.
    serverlessMock.on(GetJobRunCommand, { jobRunId: 'jr-2' }).resolves({ jobRun: { state: 'SUCCESS' } as never });
    serverlessMock.on(CancelJobRunCommand).callsFake((input: { jobRunId: string }) => ({ applicationId: '00fabc123def4567', jobRunId: input.jobRunId }));
    const post = fakeRunner({}, record.state);

    await cleanup(post.io, { createClients: clients, createServerless: () => new EMRServerlessClient({ region: 'eu-west-1' }) });

    expect(serverlessMock.commandCalls(CancelJobRunCommand).map((c) => c.args[0].input.jobRunId)).toEqual(['jr-1', 'jr-3']);
    expect(post.record.logs).toContain('Cancelled job run(s) jr-1, jr-3 on application 00fabc123def4567 (run result: none, the run was stopped).');
    expect(post.record.failures).toEqual([]);
    expect(emrMock.calls()).toHaveLength(0);
  });
});
