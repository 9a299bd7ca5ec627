import { gzipSync } from 'node:zlib';
import { AddJobFlowStepsCommand, DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { EMRServerlessClient, GetJobRunCommand, StartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cluster, fakeTime, step, steps } from './fakes';
import { MAINTENANCE_STEP_NAME, MaintenanceStepOptions, buildMaintenanceStep, runMaintenanceOnEmr } from '../../src/emr/maintenance';
import { parseEmrRunInputs } from '../../src/emr/run-inputs';
import { EmrStepsRunOptions } from '../../src/emr/run-kpis';
import { serverlessLogUri } from '../../src/emr-serverless/deployed-compute';
import { runMaintenanceServerless } from '../../src/emr-serverless/run-maintenance';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

// EMR stays mocked (it cannot run here); the step logs are objects in the emulator's S3.
const emrMock = mockClient(EMRClient);
const emr = new EMRClient({ region: 'eu-west-1' });
let fixture: EmulatorFixture;
let s3: S3Client;
const LOGS = 'clickstream-dev-logs-123456789012';

beforeAll(async () => {
  fixture = await startEmulatorFixture();
  s3 = fixture.clients.s3;
  for (const bucket of [LOGS, 'team-logs']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await fixture?.stop();
});

const inputs = { 'account-id': '123456789012', 'region': 'eu-west-1', 'scripts-version': '0f3c2a9d', 'subnet-id': 'subnet-0abc1234def567890' };
const identity = { runId: '77', purpose: 'maintain' };
const transient = parseEmrRunInputs(inputs, identity, {}).options;
const existing = parseEmrRunInputs({ ...inputs, 'mode': 'existing', 'cluster-id': 'j-EXISTING1' }, identity, {}).options;
const stepOptions: MaintenanceStepOptions = {
  database: 'analytics',
  warehouse: 's3://clickstream-dev-warehouse-123456789012/warehouse',
  region: 'eu-west-1',
  scriptsBucket: 'clickstream-dev-scripts-123456789012',
  scriptsVersion: '0f3c2a9d',
  maintenance: { retentionDays: 14 },
};

/** What the job's driver printed, as EMR uploads a client-mode step's stdout. */
const STDOUT = [
  '[maintain] plan {"database": "analytics", "asOf": "2026-11-27T04:00:00Z", "now": "2026-11-27T04:00:00Z", "retentionDays": 14, "retainLast": 5, ' +
    '"expireBefore": "2026-11-13T04:00:00Z", "expiry": "committed before 2026-11-13T04:00:00Z (now - 14 days)", "compactSince": "2026-11-24", ' +
    '"orphansBefore": "2026-11-24T04:00:00Z", "tables": ["sensor_health"]}',
  '[maintain] table {"table": "sensor_health", "status": "maintained", "snapshots": {"before": 21, "after": 6}, "dataFiles": {"before": 1, "after": 1}, ' +
    '"dataBytes": {"before": 1525, "after": 1525}, "referencedFiles": {"before": 21, "after": 6}, "referencedBytes": {"before": 32025, "after": 9150}, ' +
    '"compaction": {"where": null, "rewrittenFiles": 0, "addedFiles": 0, "rewrittenBytes": 0}, "manifests": {"rewritten": 0, "added": 0}, ' +
    '"expiry": {"deletedDataFiles": 15, "deletedManifestFiles": 15, "deletedManifestLists": 15}, "orphanFiles": 0, "branches": [], "seconds": 12.5}',
  '[maintain] done {"tables": 1, "failed": [], "seconds": 14.0}',
].join('\n');

const serverlessMock = mockClient(EMRServerlessClient);

beforeEach(() => {
  emrMock.reset();
  serverlessMock.reset();
});

/** Runs the maintenance; `duringFirstWait` happens while the runner waits for the first time (EMR uploading a log). */
function run(options: EmrStepsRunOptions, duringFirstWait?: () => Promise<unknown>) {
  const time = fakeTime();
  let waited = false;
  const sleep = async (ms: number) => {
    await time.sleep(ms);
    if (!waited && duringFirstWait) await duringFirstWait();
    waited = true;
  };
  return { time, report: runMaintenanceOnEmr(stepOptions, options, { emr, s3, clock: time.clock, sleep }) };
}

describe('the maintenance step', () => {
  it('submits the published job in client mode with the KPI steps\' catalog configuration and the shared arguments', () => {
    const config = buildMaintenanceStep(stepOptions);
    const args = config.HadoopJarStep!.Args!;
    expect(config.Name).toBe(MAINTENANCE_STEP_NAME);
    expect(config.HadoopJarStep!.Jar).toBe('command-runner.jar');
    expect(args.slice(0, 5)).toEqual(['spark-submit', '--deploy-mode', 'client', '--py-files', 's3://clickstream-dev-scripts-123456789012/spark/0f3c2a9d/clickstream_jobs.zip']);
    expect(args).toContain('spark.sql.catalog.glue.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog');
    expect(args).toContain('spark.sql.catalog.glue.warehouse=s3://clickstream-dev-warehouse-123456789012/warehouse');
    expect(args.join(' ')).not.toContain('endpoint');
    expect(args.slice(args.indexOf('s3://clickstream-dev-scripts-123456789012/spark/0f3c2a9d/maintain_tables.py'))).toEqual([
      's3://clickstream-dev-scripts-123456789012/spark/0f3c2a9d/maintain_tables.py',
      'analytics', '--retention-days', '14', '--retain-last', '5', '--compact-days', '3', '--orphan-days', '3',
    ]);
  });
});

describe('runMaintenanceOnEmr', () => {
  it('runs the step on a transient maintenance cluster and reads the per-table figures from the step\'s stdout', async () => {
    emrMock.on(RunJobFlowCommand).resolves({ $metadata: {}, JobFlowId: 'j-NEW1' });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-M', MAINTENANCE_STEP_NAME, 'COMPLETED')));
    emrMock.on(DescribeClusterCommand).resolves(cluster('TERMINATING', { reason: { Code: 'ALL_STEPS_COMPLETED' } }));
    // In client mode the driver's output is in the step's logs (Amazon EMR Release Guide, "Add a Spark
    // step"), which EMR uploads minutes after the step ends under <log uri>/<cluster id>/steps/<step id>/.
    const upload = () => s3.send(new PutObjectCommand({ Bucket: LOGS, Key: 'emr/j-NEW1/steps/s-M/stdout.gz', Body: gzipSync(Buffer.from(`${STDOUT}\n`)) }));

    const { report, time } = run(transient, upload);
    const result = await report;

    const request = emrMock.commandCalls(RunJobFlowCommand)[0].args[0].input;
    expect(request.Name).toMatch(/^clickstream-dev-maintain-run-77$/);
    expect(request.Steps?.map((s) => s.Name)).toEqual([MAINTENANCE_STEP_NAME]);
    expect(result.result).toBe('completed');
    expect(result.maintenance?.tables.map((t) => [t.table, t.snapshots])).toEqual([['sensor_health', { before: 21, after: 6 }]]);
    expect(result.maintenance?.plan?.retentionDays).toBe(14);
    expect(time.sleeps).toEqual([30_000]);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });

  it('on an existing cluster finds the step log under the cluster\'s log location, and says when it never arrives', async () => {
    emrMock.on(DescribeClusterCommand).resolves(cluster('WAITING', { logUri: 's3n://team-logs/clusters/' }));
    emrMock.on(AddJobFlowStepsCommand).resolves({ $metadata: {}, StepIds: ['s-M'] });
    emrMock.on(ListStepsCommand).resolves(steps(step('s-M', MAINTENANCE_STEP_NAME, 'COMPLETED')));

    const result = await run({ ...existing, logWaitMs: 60_000 }).report;

    expect(result.result).toBe('completed');
    expect(result.maintenance).toBeUndefined();
    expect(result.maintenanceLog).toBe('No log at s3://team-logs/clusters/j-EXISTING1/steps/s-M/stdout.gz after waiting 60 s; EMR may still upload it, look there later.');
  });
});

// EMR Serverless answers as its API Reference describes StartJobRun (a jobRunId) and GetJobRun (the
// JobRun's state, billedResourceUtilization once it ended); the driver's stdout is an object in the
// emulator's S3 where EMR Serverless keeps it (User Guide, "Storing logs").
describe('runMaintenanceServerless', () => {
  const target = {
    environment: 'dev' as const,
    applicationId: '00fabc123def4567',
    executionRoleArn: 'arn:aws:iam::123456789012:role/clickstream-dev-emr-serverless-job',
    logUri: serverlessLogUri(LOGS),
  };
  const stdoutKey = (jobRunId: string) => `emr-serverless/applications/00fabc123def4567/jobs/${jobRunId}/SPARK_DRIVER/stdout.gz`;

  function runServerless(jobRunId: string, final: 'SUCCESS' | 'FAILED', duringFirstWait?: () => Promise<unknown>) {
    serverlessMock.on(StartJobRunCommand).resolves({ applicationId: target.applicationId, jobRunId, arn: 'arn' });
    serverlessMock.on(GetJobRunCommand).resolvesOnce({ jobRun: { state: 'RUNNING' } as never })
      .resolves({ jobRun: { state: final, stateDetails: final === 'FAILED' ? 'Job failed, please check complete logs in configured logging destination.' : '', billedResourceUtilization: { vCPUHour: 0.25, memoryGBHour: 1, storageGBHour: 0 } } as never });
    const time = fakeTime();
    let waited = 0;
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      if (++waited === 1 && duringFirstWait) await duringFirstWait();
    };
    return runMaintenanceServerless(
      stepOptions,
      { target, runId: 'cli-77', timeoutMs: 3_600_000, logWaitMs: 60_000 },
      { client: new EMRServerlessClient({ region: 'eu-west-1' }), s3, clock: time.clock, sleep },
    );
  }

  it('submits the cluster step\'s job as one job run and reads the per-table figures from the driver\'s stdout', async () => {
    const result = await runServerless('jr-m1', 'SUCCESS', () => s3.send(new PutObjectCommand({ Bucket: LOGS, Key: stdoutKey('jr-m1'), Body: gzipSync(Buffer.from(`${STDOUT}\n`)) })));

    const input = serverlessMock.commandCalls(StartJobRunCommand)[0].args[0].input;
    const stepArgs = buildMaintenanceStep(stepOptions).HadoopJarStep!.Args!;
    expect(input.name).toBe(MAINTENANCE_STEP_NAME);
    expect(input.jobDriver!.sparkSubmit!.entryPoint).toBe('s3://clickstream-dev-scripts-123456789012/spark/0f3c2a9d/maintain_tables.py');
    // The same arguments as the cluster's step, after its script.
    const submit = input.jobDriver!.sparkSubmit!;
    expect(submit.entryPointArguments).toEqual(stepArgs.slice(stepArgs.indexOf(submit.entryPoint!) + 1));
    expect(result.result).toBe('completed');
    expect(result.billed).toEqual({ vCpuHours: 0.25, memoryGbHours: 1, storageGbHours: 0 });
    expect(result.maintenance?.tables.map((t) => [t.table, t.snapshots])).toEqual([['sensor_health', { before: 21, after: 6 }]]);
    expect(result.maintenance?.plan?.retentionDays).toBe(14);
  });

  it('reads the figures of a failed job run too, and says where its log is when none arrives', async () => {
    const failed = await runServerless('jr-m2', 'FAILED', () => s3.send(new PutObjectCommand({
      Bucket: LOGS, Key: stdoutKey('jr-m2'), Body: gzipSync(Buffer.from(`${STDOUT.replace('"status": "maintained"', '"status": "failed"')}\n`)),
    })));
    expect(failed.result).toBe('job-failed');
    expect(failed.message).toContain(`driver log s3://${LOGS}/emr-serverless/applications/00fabc123def4567/jobs/jr-m2/SPARK_DRIVER/stderr.gz`);
    expect(failed.maintenance?.failed).toEqual(['sensor_health']);

    const silent = await runServerless('jr-m3', 'SUCCESS');
    expect(silent.maintenance).toBeUndefined();
    expect(silent.maintenanceLog).toBe(`No log at s3://${LOGS}/${stdoutKey('jr-m3')} after waiting 60 s; EMR may still upload it, look there later.`);
  });
});
