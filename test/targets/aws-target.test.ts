import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AddJobFlowStepsCommand, DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand } from '@aws-sdk/client-emr';
import { EMRServerlessClient, GetJobRunCommand, StartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { KpiScope, dayWindow } from '../../src/kpis/day-window';
import { AwsTargetProps, awsTarget } from '../../src/targets/aws/aws-target';
import { KpiRequest } from '../../src/targets/target';
import { cluster, fakeTime, step, steps } from '../emr/fakes';

// EMR cannot run here. Its answers follow the Amazon EMR API Reference: "AddJobFlowSteps" returns
// the new steps' StepIds in order; "ListSteps" returns StepSummary items with Status.State
// (COMPLETED once a step ended well); "DescribeCluster" returns Cluster.Status.State (WAITING: a
// running cluster with no step to do, which accepts new steps).
const emrMock = mockClient(EMRClient);
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

function target(extra: Partial<AwsTargetProps> = {}) {
  const time = fakeTime();
  return awsTarget({
    ...extra,
    clock: time.clock,
    env: {},
    deps: (region) => ({
      emr: new EMRClient({ region, credentials }),
      emrServerless: new EMRServerlessClient({ region, credentials }),
      s3: new S3Client({ region, credentials }),
      kinesis: new KinesisClient({ region, credentials }),
      firehose: new FirehoseClient({ region, credentials }),
      athena: new AthenaClient({ region, credentials }),
      cloudFormation: new CloudFormationClient({ region, credentials }),
      clock: time.clock,
      sleep: time.sleep,
    }),
  });
}

function kpiRequest(scope: KpiScope, asOf?: Date): KpiRequest {
  return {
    config: loadConfig({ target: 'aws', environment: 'dev', region: 'eu-west-1' }, {}),
    scope,
    asOf,
    jobs: ['sensor_health'],
    mode: 'single-app',
    emr: { 'mode': 'existing', 'cluster-id': 'j-EXISTING1', 'region': 'eu-west-1', 'account-id': '123456789012', 'scripts-version': '0f3c2a9d' },
  };
}

/** The arguments of the one step the run submitted, after its script. */
async function stepArguments(scope: KpiScope, asOf?: Date): Promise<string[]> {
  const work = target().planKpis(kpiRequest(scope, asOf));
  const outcome = await work.run({ signal: new AbortController().signal, log: () => undefined });
  expect(outcome.failed).toBe(false);
  const args = emrMock.commandCalls(AddJobFlowStepsCommand)[0].args[0].input.Steps![0].HadoopJarStep!.Args!;
  return args.slice(args.findIndex((a) => a.endsWith('.py')) + 1);
}

describe('the aws target\'s KPI run', () => {
  beforeEach(() => {
    emrMock.reset();
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING'));
    emrMock.on(AddJobFlowStepsCommand).resolves({ $metadata: {}, StepIds: ['s-A'] });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', 'clickstream-kpi-sensor_health', 'COMPLETED')));
  });

  it('recomputes every day with --all, and reads no arrival after --as-of, as the local target does', async () => {
    const args = await stepArguments({ kind: 'all' }, new Date('2026-11-27T03:30:00Z'));
    expect(args).toContain('--all');
    expect(args.slice(args.indexOf('--as-of'), args.indexOf('--as-of') + 2)).toEqual(['--as-of', '2026-11-27T03:30:00Z']);
    expect(args).not.toContain('--from-date');
  });

  it('passes a window as the jobs\' --from-date/--to-date, and nothing for an incremental run', async () => {
    const windowed = await stepArguments({ kind: 'window', window: dayWindow('2026-11-01', '2026-11-03') });
    expect(windowed.slice(windowed.indexOf('--from-date'), windowed.indexOf('--from-date') + 4)).toEqual(['--from-date', '2026-11-01', '--to-date', '2026-11-03']);
    expect(windowed).not.toContain('--all');
    emrMock.resetHistory();
    const incremental = await stepArguments({ kind: 'incremental' });
    expect(incremental.filter((a) => ['--all', '--from-date', '--to-date', '--as-of'].includes(a))).toEqual([]);
  });

  it('refuses the embedded stack\'s commands with what to use instead, before any AWS call', async () => {
    const config = loadConfig({ target: 'aws', environment: 'dev', region: 'eu-west-1' }, {});
    await expect(target().land({ config, bufferSizeBytes: 1, bufferIntervalMs: 1, fromOldest: false, log: () => undefined }))
      .rejects.toThrow('already lands the Kinesis stream in bronze');
    await expect(target().startStack({ config, signal: new AbortController().signal, log: () => undefined })).rejects.toThrow('deploy-infra');
    expect(emrMock.calls()).toHaveLength(0);
  });

  it('destroys previews only, naming how to delete a standing environment', async () => {
    const config = loadConfig({ target: 'aws', environment: 'staging', region: 'eu-west-1' }, {});
    await expect(target().destroyEnvironment({ config, region: 'eu-west-1', log: () => undefined }))
      .rejects.toThrow('npx cdk destroy --all -c environment=staging');
  });
});

// EMR Serverless answers as its API Reference describes StartJobRun (a jobRunId) and GetJobRun (the
// JobRun, billedResourceUtilization once it ended); CloudFormation's DescribeStacks gives the compute
// stack's outputs, as the CDK app declares them (src/config/stack-outputs.ts).
describe('the aws target\'s KPI run on an EMR Serverless environment', () => {
  const cfMock = mockClient(CloudFormationClient);
  const serverlessMock = mockClient(EMRServerlessClient);
  const transient: KpiRequest['emr'] = {
    'region': 'us-east-1',
    'account-id': '123456789012',
    'scripts-version': '0f3c2a9d',
    'service-role': 'clickstream-dev-emr-service',
    'instance-profile': 'clickstream-dev-emr-instance',
    'subnet-id': 'subnet-0abc1234def567890',
  };
  const request = (emr: KpiRequest['emr'] = transient): KpiRequest => ({ ...kpiRequest({ kind: 'all' }, new Date('2026-11-27T03:30:00Z')), emr });
  // A serverless environment has no cluster subnet: none is given.
  const withoutSubnet: KpiRequest['emr'] = Object.fromEntries(Object.entries(transient!).filter(([key]) => key !== 'subnet-id'));
  const computeStack = (outputs: Record<string, string>) => cfMock.on(DescribeStacksCommand, { StackName: 'clickstream-dev-compute' }).resolves({
    Stacks: [{
      StackName: 'clickstream-dev-compute',
      CreationTime: new Date(),
      StackStatus: 'CREATE_COMPLETE',
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    }],
  });
  const serverlessTarget = () => target();

  beforeEach(() => {
    cfMock.reset();
    serverlessMock.reset();
    emrMock.reset();
  });

  it('runs the jobs as job runs on the application the compute stack names, with the step\'s arguments, and prices what was billed', async () => {
    computeStack({ Compute: 'emr-serverless', ServerlessApplicationId: '00fabc123def4567', ServerlessExecutionRoleArn: 'arn:aws:iam::123456789012:role/clickstream-dev-emr-serverless-job' });
    serverlessMock.on(StartJobRunCommand).resolves({ applicationId: '00fabc123def4567', jobRunId: 'jr-1', arn: 'arn' });
    serverlessMock.on(GetJobRunCommand).resolvesOnce({ jobRun: { state: 'RUNNING' } as never })
      .resolves({ jobRun: { state: 'SUCCESS', billedResourceUtilization: { vCPUHour: 1, memoryGBHour: 4, storageGBHour: 0 } } as never });

    const outcome = await serverlessTarget().planKpis(request(withoutSubnet)).run({ signal: new AbortController().signal, log: () => undefined });

    expect(outcome.failed).toBe(false);
    expect(emrMock.calls()).toHaveLength(0);
    const input = serverlessMock.commandCalls(StartJobRunCommand)[0].args[0].input;
    expect(input.applicationId).toBe('00fabc123def4567');
    expect(input.jobDriver!.sparkSubmit!.entryPointArguments).toContain('--all');
    expect(input.configurationOverrides!.monitoringConfiguration!.s3MonitoringConfiguration!.logUri).toBe('s3://clickstream-dev-logs-123456789012/emr-serverless/');
    // 1 vCPU-hour and 4 GB-hours at the shipped us-east-1 prices.
    expect(outcome.text()).toContain(`$${(0.052624 + 4 * 0.0057785).toFixed(4)} at the price table's EMR Serverless prices of`);
  });

  it('refuses a serverless compute stack without its application, saying to redeploy', async () => {
    computeStack({ Compute: 'emr-serverless' });

    await expect(serverlessTarget().planKpis(request()).run({ signal: new AbortController().signal, log: () => undefined })).rejects.toThrow(
      'Stack clickstream-dev-compute runs the jobs on EMR Serverless but lacks its ServerlessApplicationId or ServerlessExecutionRoleArn output: redeploy the environment.',
    );
    expect(serverlessMock.calls()).toHaveLength(0);
  });

  it('asks for a cluster subnet only when the environment runs clusters, before anything starts', async () => {
    computeStack({ Compute: 'emr' });

    await expect(serverlessTarget().planKpis(request(withoutSubnet)).run({ signal: new AbortController().signal, log: () => undefined }))
      .rejects.toThrow('No cluster subnet (subnet-id is not set and no stack output names one)');
    expect(emrMock.calls()).toHaveLength(0);
  });

  it('runs table maintenance as one job run there too, pricing it, and says where the figures are when the driver\'s log has not arrived', async () => {
    computeStack({ Compute: 'emr-serverless', ServerlessApplicationId: '00fabc123def4567', ServerlessExecutionRoleArn: 'arn:aws:iam::123456789012:role/clickstream-dev-emr-serverless-job' });
    serverlessMock.on(StartJobRunCommand).resolves({ applicationId: '00fabc123def4567', jobRunId: 'jr-m', arn: 'arn' });
    serverlessMock.on(GetJobRunCommand).resolves({ jobRun: { state: 'SUCCESS', billedResourceUtilization: { vCPUHour: 0.5, memoryGBHour: 2, storageGBHour: 0 } } as never });
    // S3 API Reference, "GetObject": a key that is not there is NoSuchKey.
    const s3Mock = mockClient(S3Client);
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));

    const outcome = await serverlessTarget().planMaintenance({
      config: loadConfig({ target: 'aws', environment: 'dev', region: 'us-east-1' }, {}), maintenance: { retentionDays: 14 }, emr: withoutSubnet,
    }).run({ signal: new AbortController().signal, log: () => undefined });
    s3Mock.restore();

    expect(emrMock.calls()).toHaveLength(0);
    const input = serverlessMock.commandCalls(StartJobRunCommand)[0].args[0].input;
    expect(input.name).toBe('clickstream-maintain-tables');
    expect(input.jobDriver!.sparkSubmit!.entryPointArguments).toEqual(expect.arrayContaining(['--retention-days', '14']));
    expect(outcome.failed).toBe(false);
    expect(outcome.result).toMatchObject({ compute: 'emr-serverless', billed: { vCpuHours: 0.5, memoryGbHours: 2 } });
    expect(outcome.text()).toContain(`$${(0.5 * 0.052624 + 2 * 0.0057785).toFixed(4)} at the price table's EMR Serverless prices of`);
    expect(outcome.text()).toContain('## Table maintenance on EMR Serverless: completed');
    expect(outcome.text()).toContain('No log at s3://clickstream-dev-logs-123456789012/emr-serverless/applications/00fabc123def4567/jobs/jr-m/SPARK_DRIVER/stdout.gz');
  });

  it('keeps the cluster runner for a compute stack deployed before the Compute output existed', async () => {
    computeStack({ ScriptsVersion: '0f3c2a9d' });
    emrMock.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-NEW1' });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-A', 'clickstream-kpi-sensor_health', 'COMPLETED')));
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATED'));

    const outcome = await serverlessTarget().planKpis(request()).run({ signal: new AbortController().signal, log: () => undefined });

    expect(outcome.failed).toBe(false);
    expect(emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(1);
    expect(serverlessMock.calls()).toHaveLength(0);
  });
});
