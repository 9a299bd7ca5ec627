import { gzipSync } from 'node:zlib';
import {
  CancelJobRunCommand, EMRServerlessClient, GetJobRunCommand, JobRun, JobRunState, StartJobRunCommand, StartJobRunCommandInput,
} from '@aws-sdk/client-emr-serverless';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resourceNames } from '../../src/config/names';
import { buildKpiSteps, kpiSparkSubmits } from '../../src/emr/steps';
import { serverlessLogUri } from '../../src/emr-serverless/deployed-compute';
import { ICEBERG_RUNTIME_JAR, ServerlessTarget, buildJobRunRequest, jobRunClientToken } from '../../src/emr-serverless/job-run-request';
import { ServerlessRunOptions, runJobRuns } from '../../src/emr-serverless/run-job-runs';
import { fakeTime, kpiStepsOptions } from '../emr/fakes';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

/**
 * EMR Serverless cannot run here: its client is mocked, answering as the API Reference describes
 * StartJobRun (a jobRunId), GetJobRun (the JobRun with state, stateDetails and, once it ended,
 * billedResourceUtilization) and CancelJobRun. The logs bucket is the emulator's S3.
 */
const client = new EMRServerlessClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const serverless = mockClient(client);
const names = resourceNames('dev', '123456789012');
const target: ServerlessTarget = {
  environment: 'dev',
  applicationId: '00fabc123def4567',
  executionRoleArn: 'arn:aws:iam::123456789012:role/clickstream-dev-emr-serverless-job',
  logUri: serverlessLogUri(names.logsBucket),
};
const submits = kpiSparkSubmits(kpiStepsOptions(names, ['sensor_health', 'temp_humidity']));

let fixture: EmulatorFixture;
beforeAll(async () => {
  fixture = await startEmulatorFixture();
  await fixture.clients.s3.send(new CreateBucketCommand({ Bucket: names.logsBucket }));
}, 120_000);
afterAll(() => fixture?.stop());
beforeEach(() => serverless.reset());

/** Job runs that go through `states` one GetJobRun at a time (staying in the last), billed once they end. */
function jobRuns(states: Record<string, readonly JobRunState[]>, details: Record<string, string> = {}) {
  const ids = Object.keys(states);
  let started = 0;
  serverless.on(StartJobRunCommand).callsFake((input: StartJobRunCommandInput) => ({ applicationId: input.applicationId, jobRunId: ids[started++], arn: 'arn' }));
  const seen = new Map<string, number>();
  serverless.on(GetJobRunCommand).callsFake(({ jobRunId }: { jobRunId: string }) => {
    const n = seen.get(jobRunId) ?? 0;
    seen.set(jobRunId, n + 1);
    const state = states[jobRunId][Math.min(n, states[jobRunId].length - 1)];
    const ended = state === 'SUCCESS' || state === 'FAILED' || state === 'CANCELLED';
    const jobRun: Partial<JobRun> = {
      applicationId: target.applicationId,
      jobRunId,
      state,
      stateDetails: ended ? details[jobRunId] ?? '' : '',
      ...(ended ? { billedResourceUtilization: { vCPUHour: 0.5, memoryGBHour: 2, storageGBHour: 0 } } : {}),
    };
    return { jobRun };
  });
  serverless.on(CancelJobRunCommand).callsFake(({ jobRunId }: { jobRunId: string }) => ({ applicationId: target.applicationId, jobRunId }));
}

function run(extra: Partial<ServerlessRunOptions> = {}) {
  const time = fakeTime();
  const lines: string[] = [];
  const result = runJobRuns(
    { target, submits, runId: 'run_20261120T060000_abc123', timeoutMs: 3_600_000, logWaitMs: 60_000, ...extra },
    { client, s3: fixture.clients.s3, clock: time.clock, sleep: time.sleep, log: (line) => lines.push(line) },
  );
  return { result, lines, time };
}

describe('the job run request', () => {
  it('submits what a cluster step submits: the same script, package, catalog settings and arguments, with Iceberg\'s runtime jar', () => {
    const [step] = buildKpiSteps(kpiStepsOptions(names, ['sensor_health']));
    const request = buildJobRunRequest(submits[0], target, 'run_20261120T060000_abc123');
    const stepArgs = step.HadoopJarStep!.Args!;
    const script = stepArgs.findIndex((a) => a.endsWith('.py'));
    const spark = request.jobDriver!.sparkSubmit!;

    expect(spark.entryPoint).toBe(stepArgs[script]);
    expect(spark.entryPointArguments).toEqual(stepArgs.slice(script + 1));
    // Everything between spark-submit's deploy mode and the script, plus the Iceberg runtime.
    expect(spark.sparkSubmitParameters).toBe([...stepArgs.slice(3, script).slice(0, 2), '--conf', `spark.jars=${ICEBERG_RUNTIME_JAR}`, ...stepArgs.slice(5, script)].join(' '));
    expect(request).toMatchObject({
      applicationId: target.applicationId,
      executionRoleArn: target.executionRoleArn,
      name: 'clickstream-kpi-sensor_health',
      clientToken: 'run_20261120T060000_abc123-sensor_health',
      configurationOverrides: { monitoringConfiguration: { s3MonitoringConfiguration: { logUri: target.logUri } } },
      tags: { 'clickstream:environment': 'dev' },
    });
  });

  it('keeps the client token within StartJobRun\'s 64 characters of [A-Za-z0-9._-], one token per run and job', () => {
    const longest = `run_${'x'.repeat(60)}`;
    const token = jobRunClientToken(longest, 'temp_humidity');
    expect(token).toMatch(/^temp_humidity-[0-9a-f]{50}$/);
    expect(jobRunClientToken(longest, 'temp_humidity')).toBe(token);
    expect(jobRunClientToken(`${longest.slice(0, -1)}y`, 'temp_humidity')).not.toBe(token);
    expect(jobRunClientToken('run_20261120T060000_abc123', 'event_geo')).toBe('run_20261120T060000_abc123-event_geo');
    expect(() => jobRunClientToken('run 1', 'event_geo')).toThrow('EMR Serverless takes a clientToken of letters, digits, ".", "_" and "-" only');
  });

  it('refuses an option with a space, which sparkSubmitParameters would cut in two', () => {
    expect(() => buildJobRunRequest({ ...submits[0], conf: ['--conf', 'spark.x=a b'] }, target, 'run_1'))
      .toThrow('A spark-submit option of job sensor_health holds a space, which EMR Serverless\'s sparkSubmitParameters cannot carry: "spark.x=a b".');
  });
});

describe('runJobRuns', () => {
  it('waits through every documented state to SUCCESS and adds up what was billed', async () => {
    jobRuns({
      'run-1': ['SUBMITTED', 'QUEUED', 'PENDING', 'SCHEDULED', 'RUNNING', 'RUNNING', 'SUCCESS'],
      'run-2': ['SUBMITTED', 'PENDING', 'SCHEDULED', 'RUNNING', 'SUCCESS'],
    });

    const { result, lines, time } = run();
    const report = await result;

    expect(report.result).toBe('completed');
    expect(report.jobRuns.map((r) => [r.job, r.jobRunId, r.state])).toEqual([['sensor_health', 'run-1', 'SUCCESS'], ['temp_humidity', 'run-2', 'SUCCESS']]);
    expect(report.billed).toEqual({ vCpuHours: 1, memoryGbHours: 4, storageGbHours: 0 });
    expect(serverless.commandCalls(CancelJobRunCommand)).toHaveLength(0);
    expect(lines.filter((l) => l.startsWith('sensor_health:'))).toEqual([
      'sensor_health: job run run-1 submitted to application 00fabc123def4567',
      'sensor_health: SUBMITTED', 'sensor_health: QUEUED', 'sensor_health: PENDING', 'sensor_health: SCHEDULED', 'sensor_health: RUNNING', 'sensor_health: SUCCESS',
    ]);
    // A run that ended is not asked about again.
    expect(serverless.commandCalls(GetJobRunCommand).filter((c) => c.args[0].input.jobRunId === 'run-2')).toHaveLength(5);
    // Pauses grow from 15 s by half each time, up to a minute.
    expect(time.sleeps.slice(0, 4)).toEqual([15_000, 22_500, 33_750, 50_625]);
  });

  it('reports a FAILED run with EMR Serverless\'s reason, its driver log location and the tail of its stderr', async () => {
    jobRuns({ 'run-1': ['RUNNING', 'FAILED'], 'run-2': ['RUNNING', 'SUCCESS'] }, { 'run-1': 'Job failed, please check complete logs in configured logging destination. ExitCode: 1.' });
    const key = `emr-serverless/applications/${target.applicationId}/jobs/run-1/SPARK_DRIVER/stderr.gz`;
    const stderr = 'Traceback (most recent call last):\nValueError: BRONZE_PATH has no Parquet files\n';
    await fixture.clients.s3.send(new PutObjectCommand({ Bucket: names.logsBucket, Key: key, Body: gzipSync(stderr) }));

    const report = await run().result;

    expect(report.result).toBe('job-failed');
    expect(report.message).toBe(
      `Job run run-1 (sensor_health) on application ${target.applicationId} ended FAILED: Job failed, please check complete logs in configured logging destination. ExitCode: 1.; ` +
        `driver log s3://${names.logsBucket}/${key}.`,
    );
    expect(report.jobRuns[0].stderrTail).toEqual({ uri: `s3://${names.logsBucket}/${key}`, lines: ['Traceback (most recent call last):', 'ValueError: BRONZE_PATH has no Parquet files'] });
    expect(report.jobRuns[1]).toMatchObject({ state: 'SUCCESS', stderrTail: undefined });
  });

  it('cancels the runs still going when the run is stopped (Ctrl-C, a cancelled workflow), and only those', async () => {
    jobRuns({ 'run-1': ['RUNNING', 'SUCCESS'], 'run-2': ['SCHEDULED', 'RUNNING'] });
    const controller = new AbortController();
    const time = fakeTime();
    const report = await runJobRuns(
      { target, submits, runId: 'run_20261120T060000_abc123', timeoutMs: 3_600_000, signal: controller.signal },
      {
        client,
        s3: fixture.clients.s3,
        clock: time.clock,
        // Ctrl-C during the second pause, while run-2 is still RUNNING.
        sleep: async (ms) => {
          await time.sleep(ms);
          if (time.sleeps.length === 2) controller.abort();
        },
      },
    );

    expect(report.result).toBe('aborted');
    expect(serverless.commandCalls(CancelJobRunCommand).map((c) => c.args[0].input)).toEqual([{ applicationId: target.applicationId, jobRunId: 'run-2' }]);
    expect(report.cancelled).toEqual(['run-2']);
    expect(report.message).toBe(`1 job run(s) on application ${target.applicationId} cancelled (the run was stopped): run-2.`);
  });

  it('still reports, and names the command, when a job run cannot be cancelled', async () => {
    jobRuns({ 'run-1': ['PENDING'], 'run-2': ['PENDING'] });
    serverless.on(CancelJobRunCommand, { jobRunId: 'run-1' })
      .rejects(Object.assign(new Error('Job run run-1 is in SUCCESS state'), { name: 'ValidationException' }));

    const report = await run({ timeoutMs: 10 * 60_000 }).result;

    expect(report.result).toBe('timed-out');
    expect(report.cancelled).toEqual(['run-2']);
    expect(report.cleanupProblems).toEqual([
      'Could not cancel job run run-1 (ValidationException: Job run run-1 is in SUCCESS state); if it still runs, cancel it with ' +
        `\`aws emr-serverless cancel-job-run --application-id ${target.applicationId} --job-run-id run-1\`.`,
    ]);
    expect(report.message).toContain('aws emr-serverless cancel-job-run');
  });

  it('cancels what is still going after the timeout', async () => {
    jobRuns({ 'run-1': ['PENDING'], 'run-2': ['PENDING'] });

    const report = await run({ timeoutMs: 10 * 60_000 }).result;

    expect(report.result).toBe('timed-out');
    expect(report.cancelled).toEqual(['run-1', 'run-2']);
    expect(report.message).toContain('cancelled (still going after 10 min)');
  });

  it('cancels the job runs it started when a later one cannot start, and says why', async () => {
    serverless.on(StartJobRunCommand).resolvesOnce({ applicationId: target.applicationId, jobRunId: 'run-1', arn: 'arn' })
      .rejectsOnce(Object.assign(new Error('Application 00fabc123def4567 is in TERMINATED state'), { name: 'ValidationException' }));
    serverless.on(CancelJobRunCommand).resolves({ applicationId: target.applicationId, jobRunId: 'run-1' });

    await expect(run().result).rejects.toThrow(
      'Could not start the temp_humidity job run on EMR Serverless application 00fabc123def4567: ValidationException: Application 00fabc123def4567 is in TERMINATED state (cancelled run-1, already started)',
    );
    expect(serverless.commandCalls(CancelJobRunCommand).map((c) => c.args[0].input.jobRunId)).toEqual(['run-1']);
  });
});
