import { gzipSync } from 'node:zlib';
import { AddJobFlowStepsCommand, DescribeClusterCommand, EMRClient, ListStepsCommand, RunJobFlowCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cluster, fakeTime, step, steps } from './fakes';
import { MAINTENANCE_STEP_NAME, MaintenanceStepOptions, buildMaintenanceStep, runMaintenanceOnEmr } from '../../src/emr/maintenance';
import { parseEmrRunInputs } from '../../src/emr/run-inputs';
import { EmrStepsRunOptions } from '../../src/emr/run-kpis';
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

beforeEach(() => {
  emrMock.reset();
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
