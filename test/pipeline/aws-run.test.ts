import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, GetQueryResultsOutput, StartQueryExecutionCommand, StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AddJobFlowStepsCommand, CancelStepsCommand, DescribeClusterCommand, EMRClient, ListInstancesCommand, ListStepsCommand, RunJobFlowCommand,
  RunJobFlowCommandInput,
  StepConfig, TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import { EMRServerlessClient, GetJobRunCommand, StartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS, LOCAL_REGION } from '../../src/config/config';
import { BRONZE_ERROR_PREFIX, BRONZE_PREFIX, QUERY_CATALOG, resourceNames } from '../../src/config/names';
import { GIB, athenaQueryUsd } from '../../src/cost/estimate';
import { loadPriceTable } from '../../src/cost/prices';
import { EmrRunInputs } from '../../src/emr/run-inputs';
import { QueryParameter, QueryResult, sqlDate } from '../../src/engines/query-engine';
import { sqlLiteral } from '../../src/engines/sql-literals';
import { TrinoEngine } from '../../src/engines/trino';
import { CHECKED_TABLES, CheckedTableName, KPI_JOB_NAMES, KPI_TABLES } from '../../src/kpis/catalog';
import { KpiRow, KpiTablesRows, RawEvent, brokenRule, referenceKpis, referencePartials } from '../../src/kpis/reference';
import { LandingResult, land } from '../../src/landing/worker';
import { bootstrapLocalResources } from '../../src/local/bootstrap';
import { renderRunReportMarkdown } from '../../src/pipeline/run-report';
import { renderRunReportHtml } from '../../src/report/html';
import { quote } from '../../src/sql/quote';
import { runAwsPipeline } from '../../src/targets/aws/aws-run';
import { AwsRunOptions } from '../../src/targets/aws/aws-stages';
import { countStreamRecords, download, listKeys } from '../landing/emulator-fixture';
import { runCli } from '../support/cli';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

/**
 * `clickstream run --target aws` end to end: Kinesis, S3, Glue and Firehose's DescribeDeliveryStream
 * are a real moto server, with the project's landing worker delivering into bronze as Firehose
 * would; CloudFormation and EMR cannot run locally, so they are mocked and the exact requests the
 * run sends them are asserted. Athena is mocked at its API, but every statement the run sends is
 * executed on a real Trino (Athena engine v3 is Trino) over the same emulator, against KPI tables
 * holding what the EMR steps would have written: the rows the checks see are the rows real checks
 * return, and a table with wrong values fails the run.
 */

const SCRIPTS_VERSION = 'abc1234';
const SERVICE_ROLE = 'clickstream-dev-emr-service';
const INSTANCE_PROFILE = 'clickstream-dev-emr-instance';
const CLUSTER_SUBNET = 'subnet-0abc1234def567890';
const CREDENTIALS = { region: LOCAL_REGION, credentials: EMULATOR_CREDENTIALS };
const STEP_NAMES = KPI_JOB_NAMES.map((job) => `clickstream-kpi-${job}`);

const cloudFormation = new CloudFormationClient(CREDENTIALS);
const emr = new EMRClient(CREDENTIALS);
const athena = new AthenaClient(CREDENTIALS);
const cfMock = mockClient(cloudFormation);
const emrMock = mockClient(emr);
const athenaMock = mockClient(athena);
const emrServerless = new EMRServerlessClient(CREDENTIALS);
const serverlessMock = mockClient(emrServerless);

/** One deployed environment in the emulator: its own stream, delivery stream and buckets. */
interface Deployment {
  readonly stream: string;
  readonly deliveryStream: string;
  readonly bronze: string;
  readonly warehouse: string;
  readonly scripts: string;
  readonly logs: string;
  readonly athenaResults: string;
  readonly workgroup: string;
  /** The environment's Glue database (the catalog stack's GlueDatabase output). */
  readonly database: string;
}

/** Real time plus the time the code under test slept, so waits are instant and S3's timestamps stay in order. */
function fakeTime() {
  const time = {
    offset: 0,
    sleeps: [] as number[],
    /** Runs once, at the first pause after it is set (the landing worker playing Firehose). */
    onNextSleep: undefined as (() => Promise<void>) | undefined,
    clock: () => Date.now() + time.offset,
    sleep: async (ms: number) => {
      time.sleeps.push(ms);
      time.offset += ms;
      const hook = time.onNextSleep;
      time.onNextSleep = undefined;
      await hook?.();
    },
  };
  return time;
}

function recordingProgress() {
  const lines: string[] = [];
  return {
    lines,
    update: () => undefined,
    line: (text: string) => void lines.push(text),
  };
}

/** A StepConfig's arguments. */
const stepArgs = (step: StepConfig) => step.HadoopJarStep?.Args ?? [];

describe('runAwsPipeline against moto (Kinesis, S3, Firehose) with EMR, Athena and CloudFormation mocked', () => {
  /** An environment of the suite's stack: its emulator stands in for Kinesis, S3, Firehose and Glue, its Trino for Athena. */
  let env: TestEnvironment;
  let firehose: FirehoseClient;
  let tmp: string;
  let deployments = 0;
  /** Commands the run sent to the emulator's clients. */
  const emulatorCommands: string[] = [];

  beforeAll(async () => {
    env = await testEnvironment('aws-run');
    tmp = env.work;
    firehose = new FirehoseClient({ ...CREDENTIALS, endpoint: env.aws });
    const record = { step: 'initialize', name: 'recordEmulatorCommands' } as const;
    env.clients.kinesis.middlewareStack.add((next, context) => (args) => (emulatorCommands.push(`kinesis ${context.commandName}`), next(args)), record);
    env.clients.s3.middlewareStack.add((next, context) => (args) => (emulatorCommands.push(`s3 ${context.commandName}`), next(args)), record);
    firehose.middlewareStack.add((next, context) => (args) => (emulatorCommands.push(`firehose ${context.commandName}`), next(args)), record);
  });

  afterAll(() => endTestEnvironment(env));

  beforeEach(() => {
    cfMock.reset();
    emrMock.reset();
    athenaMock.reset();
    serverlessMock.reset();
  });

  /** Creates an environment's resources in the emulator and answers DescribeStacks with its outputs (`compute`: the compute stack's, when not clusters). */
  async function deploy(compute?: Record<string, string>): Promise<Deployment> {
    const id = `t${process.pid}-${++deployments}`;
    const d: Deployment = {
      stream: `clickstream-${id}-events`,
      deliveryStream: `clickstream-${id}-bronze-delivery`,
      bronze: `clickstream-${id}-bronze`,
      warehouse: `clickstream-${id}-warehouse`,
      scripts: `clickstream-${id}-scripts`,
      logs: `clickstream-${id}-logs`,
      athenaResults: `clickstream-${id}-athena-results`,
      workgroup: `clickstream-${id}-kpis`,
      database: `analytics_${id.replace(/-/g, '_')}`,
    };
    // What the CDK app deploys, by the same rules the local bootstrap creates them: buckets, database, raw table, stream.
    await bootstrapLocalResources(env.clients, {
      ...resourceNames('dev'),
      streamName: d.stream,
      deliveryStreamName: d.deliveryStream,
      bronzeBucket: d.bronze,
      warehouseBucket: d.warehouse,
      scriptsBucket: d.scripts,
      logsBucket: d.logs,
      athenaResultsBucket: d.athenaResults,
      athenaWorkgroup: d.workgroup,
      glueDatabase: d.database,
      bronzeUri: `s3://${d.bronze}/events/`,
      warehouseUri: `s3://${d.warehouse}/warehouse`,
    });
    const role = 'arn:aws:iam::123456789012:role/clickstream-firehose';
    await firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: d.deliveryStream,
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: `arn:aws:kinesis:${LOCAL_REGION}:123456789012:stream/${d.stream}`, RoleARN: role },
      ExtendedS3DestinationConfiguration: {
        BucketARN: `arn:aws:s3:::${d.bronze}`,
        RoleARN: role,
        Prefix: BRONZE_PREFIX,
        ErrorOutputPrefix: BRONZE_ERROR_PREFIX,
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
      },
    }));

    const outputs: Record<string, Record<string, string>> = {
      'clickstream-dev-storage': {
        BronzeBucket: d.bronze, WarehouseBucket: d.warehouse, ScriptsBucket: d.scripts, LogsBucket: d.logs, AthenaResultsBucket: d.athenaResults,
      },
      'clickstream-dev-catalog': { GlueDatabase: d.database, RawTable: 'clickstream_raw' },
      'clickstream-dev-ingestion': { StreamName: d.stream, DeliveryStreamName: d.deliveryStream },
      'clickstream-dev-compute': compute ?? { ScriptsVersion: SCRIPTS_VERSION, EmrServiceRole: SERVICE_ROLE, EmrInstanceProfile: INSTANCE_PROFILE, ClusterSubnetId: CLUSTER_SUBNET },
      'clickstream-dev-query': { AthenaWorkgroup: d.workgroup },
    };
    cfMock.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      const stack = outputs[input.StackName];
      if (!stack) throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { name: 'ValidationError' });
      return {
        Stacks: [{
          StackName: input.StackName,
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: Object.entries(stack).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        }],
      };
    });
    emulatorCommands.length = 0;
    return d;
  }

  /** Lands whatever is in the stream into bronze, as Firehose would: the project's local landing worker. */
  function landWith(d: Deployment, into: { result?: LandingResult }) {
    return async () => {
      into.result = await land({
        kinesis: env.clients.kinesis,
        s3: env.clients.s3,
        streamName: d.stream,
        bucket: d.bronze,
        deliveryStreamName: d.deliveryStream,
        tempDir: tmp,
      });
    };
  }

  /** Starts the landing worker at the land stage's first pause. */
  function progressLandingAt(time: ReturnType<typeof fakeTime>, landing: () => Promise<void>) {
    const progress = recordingProgress();
    return {
      ...progress,
      line: (text: string) => {
        progress.line(text);
        if (text === 'land: started') time.onNextSleep = landing;
      },
    };
  }

  /** The bronze Parquet the landing wrote, as the reference computation's input. */
  async function bronzeEvents(d: Deployment): Promise<RawEvent[]> {
    return (await bronzeRows(d)).map((r) => r.event);
  }

  /** Every bronze row, with the object it is in. */
  async function bronzeRows(d: Deployment): Promise<Array<{ event: RawEvent; key: string }>> {
    const keys = await listKeys(env.clients.s3, d.bronze, 'events/');
    const dir = fs.mkdtempSync(path.join(tmp, 'bronze-'));
    const files = await download(env.clients.s3, d.bronze, keys, dir);
    const instance = await DuckDBInstance.create(':memory:');
    const duck = await instance.connect();
    try {
      const rows = (await duck.runAndReadAll(`SELECT * FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}], filename = true)`))
        .getRowObjectsJS() as Array<Record<string, unknown>>;
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      return rows.map((r) => {
        const location = r.location as Record<string, unknown> | null;
        const event: RawEvent = {
          sensor_id: num(r.sensor_id),
          temperature: num(r.temperature),
          humidity: num(r.humidity),
          location: location ? { latitude: num(location.latitude), longitude: num(location.longitude) } : null,
          status: r.status as string | null,
          event_type: r.event_type as string | null,
          timestamp: num(r.timestamp),
          uuid: r.uuid as string | null,
        };
        return { event, key: keys[files.indexOf(String(r.filename))] };
      });
    } finally {
      duck.closeSync();
      instance.closeSync();
    }
  }

  /**
   * Athena's API over the real Trino: each statement (with its ExecutionParameters bound as Athena
   * binds them, by EXECUTE IMMEDIATE ... USING) runs on Trino in the request's database, and
   * GetQueryResults returns Trino's rows the way Athena does (every value as VarCharValue text, a
   * header row first). Before the first statement `prepare` writes the KPI tables, as the EMR steps
   * would have.
   */
  function athenaServing(prepare: () => Promise<void>) {
    const executions = new Map<string, Promise<{ result?: QueryResult; error?: string }>>();
    const requests: StartQueryExecutionCommandInput[] = [];
    let prepared: Promise<void> | undefined;
    athenaMock.on(StartQueryExecutionCommand).callsFake(async (input: StartQueryExecutionCommandInput) => {
      requests.push(input);
      const id = `q-${requests.length}`;
      await (prepared ??= prepare());
      const engine = new TrinoEngine({ endpoint: env.trinoEndpoint, schema: input.QueryExecutionContext?.Database });
      const params = input.ExecutionParameters ?? [];
      const sql = params.length > 0 ? `EXECUTE IMMEDIATE ${quote(input.QueryString!)} USING ${params.join(', ')}` : input.QueryString!;
      executions.set(id, engine.query(sql).then((result) => ({ result }), (e: Error) => ({ error: e.message })));
      return { QueryExecutionId: id };
    });
    // Athena API reference, QueryExecutionStatistics: DataScannedInBytes, the bytes the query read.
    athenaMock.on(GetQueryExecutionCommand).callsFake(async (input: { QueryExecutionId: string }) => {
      const done = await executions.get(input.QueryExecutionId)!;
      const Status = done.error ? { State: 'FAILED' as const, StateChangeReason: done.error } : { State: 'SUCCEEDED' as const };
      const Statistics = { DataScannedInBytes: scannedBytes(requests[Number(input.QueryExecutionId.slice(2)) - 1].QueryString!) };
      return { QueryExecution: { QueryExecutionId: input.QueryExecutionId, StatementType: 'DML', Status, Statistics } };
    });
    athenaMock.on(GetQueryResultsCommand).callsFake(async (input: { QueryExecutionId: string }) => {
      const { result } = await executions.get(input.QueryExecutionId)!;
      return resultSet(result!.columns.map((c) => [c.name, c.type]), result!.rows.map((row) => result!.columns.map((c) => row[c.name])));
    });
    return requests;
  }

  /**
   * Writes what the EMR steps would have: the KPI tables and their partials (holding `rows`) and the
   * run's rows in the runs ledger, as Iceberg tables in the deployment's database and warehouse.
   */
  async function writeKpiTables(d: Deployment, rows: Record<CheckedTableName, KpiRow[]>): Promise<void> {
    const engine = new TrinoEngine({ endpoint: env.trinoEndpoint, schema: d.database });
    await writeLedger(engine, d, rows);
    for (const [name, table] of Object.entries(CHECKED_TABLES) as Array<[CheckedTableName, (typeof CHECKED_TABLES)[CheckedTableName]]>) {
      const columns = table.columns.map((c) => `${c.name} ${SQL_TYPES[c.type]}`).join(', ');
      await engine.query(`CREATE TABLE ${QUERY_CATALOG}.${d.database}.${name} (${columns}) WITH (location = 's3://${d.warehouse}/warehouse/${d.database}/${name}')`);
      if (rows[name].length === 0) continue;
      // A VALUES list takes no parameter on Athena: checked literals.
      const values = rows[name].map((row) => `(${table.columns.map((c) => sqlLiteral(c.type === 'date' ? sqlDate(String(row[c.name])) : row[c.name] as QueryParameter)).join(', ')})`);
      await engine.query(`INSERT INTO ${QUERY_CATALOG}.${d.database}.${name} VALUES ${values.join(', ')}`);
    }
  }

  /** The run's ledger rows (the id its KPI steps were given), and the empty verdicts table, as the jobs create them. */
  async function writeLedger(engine: TrinoEngine, d: Deployment, rows: Record<CheckedTableName, KpiRow[]>): Promise<void> {
    const args = emrMock.commandCalls(RunJobFlowCommand)[0].args[0].input.Steps![0].HadoopJarStep!.Args!;
    const runId = args[args.indexOf('--run-id') + 1];
    const days = [...new Set(rows.event_geo_kpis_events.map((r) => String(r.day)))].sort();
    const location = (table: string) => `s3://${d.warehouse}/warehouse/${d.database}/${table}`;
    await engine.query(`CREATE TABLE ${QUERY_CATALOG}.${d.database}.rejected_events (sensor_id integer, temperature double, humidity double, ` +
      'location row(latitude double, longitude double), status varchar, event_type varchar, "timestamp" bigint, uuid varchar, rule varchar, ' +
      `arrival_hour timestamp(6) with time zone, source_file varchar, run_id varchar) WITH (location = '${location('rejected_events')}')`);
    await engine.query(`CREATE TABLE ${QUERY_CATALOG}.${d.database}._kpi_validations (run_id varchar, validated_at varchar, engine varchar, passed boolean, ` +
      `checks bigint, failed bigint, failed_checks varchar) WITH (location = '${location('_kpi_validations')}')`);
    await engine.query(`CREATE TABLE ${QUERY_CATALOG}.${d.database}._kpi_runs (run_id varchar, job varchar, mode varchar, read_through timestamp(6) with time zone, ` +
      'first_arrival timestamp(6) with time zone, read_open array(varchar), recomputed_days array(date), finished_at timestamp(6) with time zone) ' +
      `WITH (location = '${location('_kpi_runs')}')`);
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    // The rows the jobs keep aside, with the rule each broke and the object it came from.
    for (const { event, key } of await bronzeRows(d)) {
      const rule = brokenRule(event);
      if (!rule) continue;
      const arrival = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\//.exec(key)!;
      const l = (value: unknown) => sqlLiteral((value ?? null) as QueryParameter);
      const point = event.location ? `CAST(ROW(${l(event.location.latitude)}, ${l(event.location.longitude)}) AS row(latitude double, longitude double))` : 'NULL';
      await engine.query(`INSERT INTO ${QUERY_CATALOG}.${d.database}.rejected_events VALUES (${l(event.sensor_id)}, ${l(event.temperature)}, ` +
        `${l(event.humidity)}, ${point}, ${l(event.status)}, ${l(event.event_type)}, ${l(event.timestamp)}, ${l(event.uuid)}, ${l(rule)}, ` +
        `from_iso8601_timestamp(${l(`${arrival[1]}-${arrival[2]}-${arrival[3]}T${arrival[4]}:00:00Z`)}), ${l(`s3://${d.bronze}/${key}`)}, ${l(runId)})`);
    }
    for (const job of KPI_JOB_NAMES) {
      await engine.query(`INSERT INTO ${QUERY_CATALOG}.${d.database}._kpi_runs VALUES (${sqlLiteral(runId)}, ${sqlLiteral(job)}, 'window', ` +
        `from_iso8601_timestamp(${sqlLiteral(`${hour.replace(' ', 'T')}Z`)}), from_iso8601_timestamp(${sqlLiteral(`${days[0]}T00:00:00Z`)}), ARRAY[], ` +
        `ARRAY[${days.map((day) => sqlLiteral(sqlDate(day))).join(', ')}], current_timestamp)`);
    }
  }

  /** A transient cluster whose three KPI steps complete, after which it ends. */
  function emrCompletes(d: Deployment) {
    emrMock.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-NEW1' });
    emrMock.on(ListStepsCommand, { ClusterId: 'j-NEW1', StepIds: undefined }).resolves({
      Steps: STEP_NAMES.map((Name, i) => ({ Id: `s-${i}`, Name, Status: { State: 'PENDING' } })),
    });
    emrMock.on(ListStepsCommand, { ClusterId: 'j-NEW1', StepIds: STEP_NAMES.map((_, i) => `s-${i}`) })
      .resolves({ Steps: STEP_NAMES.map((Name, i) => ({ Id: `s-${i}`, Name, Status: { State: 'COMPLETED' } })) });
    // Ends with its last step (RunJobFlow's KeepJobFlowAliveWhenNoSteps false: EMR API reference, JobFlowInstancesConfig).
    emrMock.on(DescribeClusterCommand).resolves({ Cluster: { Id: 'j-NEW1', Status: { State: 'TERMINATING' }, LogUri: `s3n://${d.logs}/emr/` } });
    // EMR API reference, ListInstances / Instance: the primary on demand for 10 min, three spot core nodes for 9 min each.
    const started = new Date('2026-11-27T03:30:00Z');
    const after = (seconds: number) => new Date(started.getTime() + seconds * 1000);
    emrMock.on(ListInstancesCommand, { ClusterId: 'j-NEW1' }).resolves({
      Instances: [
        { Id: 'ci-0', Ec2InstanceId: 'i-primary', InstanceType: 'm5.xlarge', Market: 'ON_DEMAND', Status: { State: 'TERMINATED', Timeline: { CreationDateTime: started, EndDateTime: after(600) } } },
        ...[1, 2, 3].map((n) => ({
          Id: `ci-${n}`,
          Ec2InstanceId: `i-core${n}`,
          InstanceType: 'm5.xlarge',
          Market: 'SPOT' as const,
          Status: { State: 'TERMINATED' as const, Timeline: { CreationDateTime: after(45), EndDateTime: after(585) } },
        })),
      ],
    });
  }

  it('replays 2,000 events, waits for Firehose, runs the KPI steps and validates on Athena: every stage succeeds and the counts reconcile', async () => {
    const d = await deploy();
    const time = fakeTime();
    const landed: { result?: LandingResult } = {};
    const progress = progressLandingAt(time, landWith(d, landed));
    emrCompletes(d);
    let reference: KpiTablesRows | undefined;
    const athenaRequests = athenaServing(async () => {
      const events = await bronzeEvents(d);
      reference = referenceKpis(events);
      await writeKpiTables(d, { ...reference, ...referencePartials(events) });
    });

    const published: Array<{ database: string; runId: string }> = [];
    const report = await runAwsPipeline(options({ 'core-instance-count': '3', 'use-spot': 'true' }, progress), {
      ...clients(),
      clock: time.clock,
      sleep: time.sleep,
      // The EMR steps are mocked, so no audit branch exists to publish: the PyIceberg publisher runs for real against
      // Iceberg branches in test/kpis/write-audit-publish.test.ts. Here: what the pipeline asks it to publish, and when.
      publish: async (o) => {
        published.push({ database: o.database, runId: o.runId });
        return { runId: o.runId, branch: `audit_${o.runId}`, published: [] };
      },
    });

    expect(report.failure, JSON.stringify(report.failure)).toBeUndefined();
    expect(report.outcome).toBe('succeeded');
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([
      ['resolve', 'succeeded'], ['replay', 'succeeded'], ['land', 'succeeded'], ['kpis', 'succeeded'], ['validate', 'succeeded'], ['publish', 'succeeded'],
    ]);
    expect(report.resources).toMatchObject({
      environment: 'dev',
      region: LOCAL_REGION,
      scriptsVersion: SCRIPTS_VERSION,
      scriptsVersionSource: 'stack output',
      names: { streamName: d.stream, deliveryStreamName: d.deliveryStream, bronzeBucket: d.bronze, bronzeUri: `s3://${d.bronze}/events/`, athenaWorkgroup: d.workgroup },
    });
    expect(cfMock.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName).sort()).toEqual(
      ['ci', 'compute', 'catalog', 'ingestion', 'query', 'storage'].map((c) => `clickstream-dev-${c}`).sort(),
    );

    // Replay: every record in the real stream.
    const replay = report.stages.find((s) => s.name === 'replay')!;
    expect(replay.counts).toMatchObject({ read: 2_000, sent: 2_000, failed: 0 });
    expect(await countStreamRecords(env.clients.kinesis, d.stream)).toBe(2_000);

    // Land: the wait saw exactly what the landing worker delivered, and waited out the buffer interval.
    const objects = landed.result!.objects;
    expect(report.landing).toMatchObject({
      deliveryStreamName: d.deliveryStream,
      bucket: d.bronze,
      bufferIntervalSeconds: 60,
      objects: objects.filter((o) => o.kind === 'parquet').length,
      bytes: objects.filter((o) => o.kind === 'parquet').reduce((n, o) => n + o.bytes, 0),
      errorObjects: objects.filter((o) => o.kind === 'errors').length,
    });
    expect(report.landing!.objects).toBeGreaterThan(0);
    expect(report.landing!.errorObjects).toBeGreaterThan(0);
    expect(report.landing!.waitedMs).toBeGreaterThanOrEqual(90_000);
    expect(landed.result!.read).toBe(2_000);

    // The window is the replay's event days: exactly the days of the valid events in bronze.
    const days = [...new Set(reference!.event_geo_kpis_events.map((r) => String(r.day)))].sort();
    const window = { fromDate: days[0], toDate: days[days.length - 1] };
    expect(report.window).toEqual(window);

    // EMR: one transient cluster in the environment's log bucket and roles, steps over the window and the environment's buckets.
    const runJobFlow = emrMock.commandCalls(RunJobFlowCommand).map((c) => c.args[0].input as RunJobFlowCommandInput);
    expect(runJobFlow).toHaveLength(1);
    expect(runJobFlow[0]).toMatchObject({
      LogUri: `s3://${d.logs}/emr/`,
      ServiceRole: SERVICE_ROLE,
      JobFlowRole: INSTANCE_PROFILE,
      // The compute stack's tagged subnet, and the tag AmazonEMRServicePolicy_v2 requires (EMR Management Guide, "Service role for Amazon EMR (EMR role)").
      Instances: { Ec2SubnetId: CLUSTER_SUBNET, InstanceGroups: [{ InstanceRole: 'MASTER', Market: 'ON_DEMAND' }, { InstanceRole: 'CORE', Market: 'SPOT', InstanceCount: 3 }] },
      Tags: expect.arrayContaining([{ Key: 'clickstream:environment', Value: 'dev' }, { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }]),
    });
    expect(runJobFlow[0].Steps!.map((s) => s.Name)).toEqual(STEP_NAMES);
    for (const step of runJobFlow[0].Steps!) expectStepOver(step, d, window);
    // The cluster ends with its last KPI step, whatever validation says: publishing takes no cluster, so nothing is added to it or terminates it.
    expect(runJobFlow[0].Instances!.KeepJobFlowAliveWhenNoSteps).toBe(false);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toEqual([]);
    expect(emrMock.commandCalls(AddJobFlowStepsCommand)).toEqual([]);
    // Publishing was asked for the run, in the environment's database, once validation passed.
    expect(published).toEqual([{ database: d.database, runId: report.publication!.runId }]);
    expect(report.publication).toMatchObject({ status: 'published', branch: `audit_${report.publication!.runId}`, tables: [] });
    expect(report.emr).toMatchObject({ result: 'completed', clusterId: 'j-NEW1', createdCluster: true });
    expect(report.emr!.steps.map((s) => s.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

    // Athena: every statement in the environment's workgroup and results bucket; the window's dates checked.
    expect(athenaRequests.length).toBeGreaterThan(10);
    for (const request of athenaRequests) {
      expect(request).toMatchObject({
        WorkGroup: d.workgroup, ResultConfiguration: { OutputLocation: `s3://${d.athenaResults}/` }, QueryExecutionContext: { Database: d.database },
      });
      // Dates travel as WHERE parameters or, outside WHERE (sequence(...)), as checked DATE literals; never as bare text.
      const literals = [...request.QueryString!.matchAll(/sequence\((DATE '[\d-]+'), (DATE '[\d-]+')/g)].flatMap((m) => [m[1], m[2]]);
      expect(request.QueryString!.replace(/DATE '\d{4}-\d{2}-\d{2}'/g, '')).not.toContain(window.fromDate);
      for (const date of [...(request.ExecutionParameters ?? []), ...literals].filter((p) => p.startsWith('DATE '))) {
        expect(date >= `DATE '${window.fromDate}'` && date <= `DATE '${window.toDate}'`, `${date} in the window`).toBe(true);
      }
    }
    // Bronze is read by one statement for every daily table, then each table by its own.
    const bronzePass = athenaRequests.filter((r) => r.QueryString!.startsWith('WITH scanned AS'));
    expect(bronzePass).toHaveLength(1);
    const dailyChecks = athenaRequests.filter((r) => r.QueryString!.startsWith('WITH kpi_all') && /temp_humidity_kpis|event_geo_kpis_events/.test(r.QueryString!));
    expect(dailyChecks).toHaveLength(2);
    for (const request of [...bronzePass, ...dailyChecks]) {
      expect(request.ExecutionParameters).toEqual(expect.arrayContaining([`DATE '${window.fromDate}'`, `DATE '${window.toDate}'`]));
    }
    const kpiEventsQuery = athenaRequests.find((r) => r.QueryString!.startsWith('SELECT coalesce(sum(event_count), 0) AS n'))!;
    expect(kpiEventsQuery.ExecutionParameters).toEqual([`DATE '${window.fromDate}'`, `DATE '${window.toDate}'`]);

    // Validation, previews and the reconciliation of the tables with the manifest.
    expect(report.validation!.engine).toBe('athena');
    expect(report.validation!.summary.failedErrors).toBe(0);
    expect(report.validation!.checks.find((c) => c.table === 'event_geo_kpis_events' && c.check === 'matches-bronze')!.observed)
      .toMatch(/^\d+ rows compared, all equal; event_count total \d+ vs bronze \d+$/);
    expect(report.validation!.checks.some((c) => c.check === 'expected-day-totals')).toBe(true);
    expect(report.tables!.map((t) => t.table)).toEqual(Object.keys(KPI_TABLES));
    const kpiEvents = reference!.event_geo_kpis_events.reduce((n, r) => n + Number(r.event_count), 0);
    expect(report.reconciliation).toEqual({
      sent: 2_000,
      landedObjects: report.landing!.objects,
      errorObjects: report.landing!.errorObjects,
      distinctValidEvents: replay.counts.distinctValidEvents,
      kpiEvents,
      reconciled: true,
    });
    expect(kpiEvents).toBe(replay.counts.distinctValidEvents);

    const markdown = renderRunReportMarkdown(report);
    expect(markdown).toContain('## clickstream run: passed');
    expect(markdown).toContain(`Target \`aws\` (environment \`dev\`, ${LOCAL_REGION})`);
    expect(markdown).toContain('KPI jobs completed on EMR');

    // Cost: the cluster's instance time and every Athena query, priced from the shipped table.
    const prices = loadPriceTable().regions[LOCAL_REGION];
    const m5 = prices.emr!['m5.xlarge'];
    const cost = report.cost!;
    expect(cost).toMatchObject({ kind: 'aws-estimate', region: LOCAL_REGION, pricesAsOf: loadPriceTable().pricesAsOf });
    expect(cost.emrInstances!.map((i) => [i.id, i.billedSeconds])).toEqual([['i-primary', 600], ['i-core1', 540], ['i-core2', 540], ['i-core3', 540]]);
    expect(cost.lines.find((l) => l.service === 'EMR')!.usd).toBeCloseTo(((600 + 3 * 540) / 3600) * (m5.ec2PerHour + m5.emrPerHour), 12);
    expect(cost.queries.map((q) => q.queryId)).toEqual(athenaRequests.map((_, i) => `q-${i + 1}`));
    expect(cost.lines.find((l) => l.service === 'Athena')!.usd)
      .toBeCloseTo(athenaRequests.reduce((n, r) => n + athenaQueryUsd(scannedBytes(r.QueryString!), prices.athena!.perTbScanned), 0), 15);
    // 2,000 records of a few hundred bytes: one PUT payload unit and 5 KB of Firehose ingestion each (moto's stream is provisioned).
    expect(cost.lines.find((l) => l.service === 'Kinesis')!.usd).toBeCloseTo((2_000 / 1e6) * prices.kinesis!.perMillionPutPayloadUnits, 15);
    expect(cost.lines.find((l) => l.service === 'Firehose')!.usd)
      .toBeCloseTo(((2_000 * 5 * 1024) / GIB) * (prices.firehose!.perGbIngested + prices.firehose!.formatConversionPerGb), 15);
    expect(cost.totalUsd).toBeCloseTo(cost.lines.reduce((n, l) => n + l.usd!, 0), 15);
    expect(report.charts!.eventsPerDay).toHaveLength(reference!.event_geo_kpis_events.length);
    expect(markdown).toContain('### Cost (estimate)\n\nAbout **$0.');
    expect(markdown).toMatch(/\| EMR \| 4 instances \(m5\.xlarge on-demand, m5\.xlarge spot\), 37 min 00 s of instance time/);
    const html = await renderRunReportHtml(report);
    expect(html).toContain('<section id="cost"><h2>Cost (estimate)</h2>');
    expect(html).toContain('data-chart="cost-by-service"');
  }, 180_000);

  it('fails at validate, naming the broken checks, when the tables the EMR steps wrote hold a wrong value', async () => {
    const d = await deploy();
    const time = fakeTime();
    const progress = progressLandingAt(time, landWith(d, {}));
    emrCompletes(d);
    let wrong: { sensor_id: unknown; faulty_pct: unknown } | undefined;
    athenaServing(async () => {
      const events = await bronzeEvents(d);
      const rows = referenceKpis(events);
      // One sensor's percentage out of range, as a broken job could write it.
      const sensorHealth = rows.sensor_health.map((row, i) => (i === 0 ? { ...row, faulty_pct: 140 } : row));
      wrong = sensorHealth[0] as typeof wrong;
      await writeKpiTables(d, { ...rows, ...referencePartials(events), sensor_health: sensorHealth });
    });

    const report = await runAwsPipeline(options({}, progress, { records: 500 }), { ...clients(), clock: time.clock, sleep: time.sleep });

    expect(report.outcome).toBe('failed');
    expect(report.failure!.stage).toBe('validate');
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([
      ['resolve', 'succeeded'], ['replay', 'succeeded'], ['land', 'succeeded'], ['kpis', 'succeeded'], ['validate', 'failed'], ['publish', 'skipped'],
    ]);
    const failed = report.validation!.checks.filter((c) => !c.passed).map((c) => `${c.table} ${c.check}: ${c.observed}`);
    expect(failed).toEqual([
      expect.stringMatching(/^sensor_health faulty-pct-range: 1 row breaking it \(min [\d.]+, max 140\)$/),
      'sensor_health faulty-pct-consistent: 1 row breaking it',
    ]);
    expect(wrong!.faulty_pct).toBe(140);
    expect(report.failure!.message).toContain('faulty-pct-range');
    // The transient cluster ended with its last KPI step: nothing was kept for a publish that does not happen.
    expect(emrMock.commandCalls(RunJobFlowCommand)[0].args[0].input.Instances!.KeepJobFlowAliveWhenNoSteps).toBe(false);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toEqual([]);
    // Every other check passed on the same tables: the failure is the wrong value, not the harness.
    expect(report.validation!.summary.passed).toBe(report.validation!.summary.checks - 2);
  }, 180_000);

  it('fails at land, naming the bucket and prefix and what to check, when Firehose delivers nothing', async () => {
    const d = await deploy();
    const time = fakeTime();
    const progress = recordingProgress();

    const report = await runAwsPipeline(options({}, progress, { records: 200 }), { ...clients(), clock: time.clock, sleep: time.sleep });

    expect(report.outcome).toBe('failed');
    expect(report.failure!.stage).toBe('land');
    expect(report.failure!.message).toMatch(new RegExp(`^Nothing landed in s3://${d.bronze}/ under events/year=\\d{4}/month=\\d{2}/day=\\d{2}/hour=\\d{2}/`));
    expect(report.failure!.message).toContain(`within 15 min of the replay; delivery stream ${d.deliveryStream} buffers 60 s`);
    expect(report.failure!.hint).toContain(`Open delivery stream ${d.deliveryStream} in the Firehose console`);
    expect(report.failure!.logs).toContain(`s3://${d.bronze}/errors/`);
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([
      ['resolve', 'succeeded'], ['replay', 'succeeded'], ['land', 'failed'], ['kpis', 'skipped'], ['validate', 'skipped'], ['publish', 'skipped'],
    ]);
    // Waited out the whole timeout (the clock also moves with real time, a few ms of it).
    const waited = time.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(15 * 60_000 - 10_000);
    expect(waited).toBeLessThanOrEqual(15 * 60_000);
    expect(emrMock.calls()).toHaveLength(0);
    expect(athenaMock.calls()).toHaveLength(0);
  }, 60_000);

  it('fails at kpis with the failed step\'s log location and tail when an EMR step FAILS on an existing cluster', async () => {
    const d = await deploy();
    const time = fakeTime();
    const progress = progressLandingAt(time, landWith(d, {}));
    const logKey = 'emr/j-EXISTING1/steps/s-0/stderr.gz';
    await env.clients.s3.send(new PutObjectCommand({
      Bucket: d.logs, Key: logKey, Body: gzipSync('starting sensor_health\npyspark.errors.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] glue.analytics.x\n'),
    }));
    emrMock.on(DescribeClusterCommand).resolves({ Cluster: { Id: 'j-EXISTING1', Status: { State: 'WAITING' }, LogUri: `s3n://${d.logs}/emr/` } });
    emrMock.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-0', 's-1', 's-2'] });
    emrMock.on(ListStepsCommand).resolves({
      Steps: [
        { Id: 's-0', Name: STEP_NAMES[0], Status: { State: 'FAILED', FailureDetails: { Reason: 'Unknown Error.', LogFile: `s3://${d.logs}/${logKey}` } } },
        { Id: 's-1', Name: STEP_NAMES[1], Status: { State: 'COMPLETED' } },
        { Id: 's-2', Name: STEP_NAMES[2], Status: { State: 'COMPLETED' } },
      ],
    });

    const report = await runAwsPipeline(options({ 'mode': 'existing', 'cluster-id': 'j-EXISTING1' }, progress, { records: 200 }), { ...clients(), clock: time.clock, sleep: time.sleep });

    expect(report.outcome).toBe('failed');
    expect(report.failure!.stage).toBe('kpis');
    expect(report.failure!.message).toContain(`Step s-0 (${STEP_NAMES[0]}) FAILED on cluster j-EXISTING1: Unknown Error.`);
    expect(report.failure!.logs).toEqual([`s3://${d.logs}/${logKey}`]);
    expect(report.failure!.hint).toContain(`npx clickstream kpis --target aws --environment dev --region ${LOCAL_REGION} --from-date ${report.window!.fromDate} --to-date ${report.window!.toDate} --scripts-version ${SCRIPTS_VERSION}`);
    expect(report.emr!.logs).toEqual({ found: true, tails: [{ uri: `s3://${d.logs}/${logKey}`, lines: ['starting sensor_health', 'pyspark.errors.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] glue.analytics.x'] }] });
    expect(report.stages.find((s) => s.name === 'validate')!.status).toBe('skipped');

    const added = emrMock.commandCalls(AddJobFlowStepsCommand).map((c) => c.args[0].input);
    expect(added).toHaveLength(1);
    expect(added[0].JobFlowId).toBe('j-EXISTING1');
    for (const step of added[0].Steps!) expectStepOver(step, d, report.window!);
    expect(emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(0);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
    expect(athenaMock.calls()).toHaveLength(0);
    expect(renderRunReportMarkdown(report)).toContain(`Logs: \`s3://${d.logs}/${logKey}\``);
  }, 120_000);

  it('on an EMR Serverless environment runs the KPI jobs as job runs, and fails at kpis with the failed driver\'s log and what it was billed', async () => {
    const d = await deploy({
      ScriptsVersion: SCRIPTS_VERSION,
      Compute: 'emr-serverless',
      ServerlessApplicationId: '00fabc123def4567',
      ServerlessExecutionRoleArn: 'arn:aws:iam::123456789012:role/clickstream-dev-emr-serverless-job',
    });
    const time = fakeTime();
    const progress = progressLandingAt(time, landWith(d, {}));
    // EMR Serverless API Reference, "StartJobRun" (a jobRunId) and "GetJobRun" (state, stateDetails,
    // billedResourceUtilization once ended); the driver's stderr where the User Guide's "Storing logs" puts it.
    let started = 0;
    serverlessMock.on(StartJobRunCommand).callsFake(() => ({ applicationId: '00fabc123def4567', jobRunId: `jr-${started++}`, arn: 'arn' }));
    const billed = { vCPUHour: 0.2, memoryGBHour: 0.8, storageGBHour: 0 };
    serverlessMock.on(GetJobRunCommand).resolves({ jobRun: { state: 'SUCCESS', billedResourceUtilization: billed } as never });
    serverlessMock.on(GetJobRunCommand, { jobRunId: 'jr-0' }).resolves({
      jobRun: { state: 'FAILED', stateDetails: 'Job failed, please check complete logs in configured logging destination.', billedResourceUtilization: billed } as never,
    });
    const stderr = 'emr-serverless/applications/00fabc123def4567/jobs/jr-0/SPARK_DRIVER/stderr.gz';
    await env.clients.s3.send(new PutObjectCommand({ Bucket: d.logs, Key: stderr, Body: gzipSync('pyspark.errors.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] glue.analytics.x\n') }));

    const report = await runAwsPipeline(options({}, progress, { records: 200 }), { ...clients(), clock: time.clock, sleep: time.sleep });

    expect(emrMock.calls()).toHaveLength(0);
    const submitted = serverlessMock.commandCalls(StartJobRunCommand).map((c) => c.args[0].input);
    expect(submitted.map((i) => i.name)).toEqual(STEP_NAMES);
    expect(submitted[0].jobDriver!.sparkSubmit!.entryPointArguments).toEqual(expect.arrayContaining(['--from-date', report.window!.fromDate]));
    expect(report.failure).toMatchObject({ stage: 'kpis', logs: [`s3://${d.logs}/${stderr}`] });
    expect(report.failure!.message).toContain(`Job run jr-0 (${KPI_JOB_NAMES[0]}) on application 00fabc123def4567 ended FAILED`);
    expect(report.failure!.hint).toContain(`npx clickstream kpis --target aws --environment dev --region ${LOCAL_REGION} --from-date ${report.window!.fromDate}`);
    expect(report.stages.find((s) => s.name === 'validate')!.status).toBe('skipped');
    expect(report.serverless!.report.jobRuns[0].stderrTail!.lines).toEqual(['pyspark.errors.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] glue.analytics.x']);
    // What the three job runs were billed is the run's compute cost, beside Kinesis and Firehose.
    expect(report.cost!.lines.find((l) => l.service === 'EMR Serverless')!.usage).toContain('0.600 vCPU-hours');
    expect(renderRunReportMarkdown(report)).toContain('## KPI jobs on EMR Serverless: job-failed');
  }, 120_000);

  it('on abort during kpis cancels the steps, terminates the transient cluster and reports the run stopped', async () => {
    const d = await deploy();
    const time = fakeTime();
    const progress = progressLandingAt(time, landWith(d, {}));
    const controller = new AbortController();
    const pending = { Steps: STEP_NAMES.map((Name, i) => ({ Id: `s-${i}`, Name, Status: { State: 'PENDING' as const } })) };
    emrMock.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-NEW2' });
    emrMock.on(ListStepsCommand).resolves(pending);
    emrMock.on(DescribeClusterCommand).callsFake(() => {
      // Ctrl-C while the cluster starts.
      controller.abort('SIGINT');
      return { Cluster: { Id: 'j-NEW2', Status: { State: 'STARTING' } } };
    });
    emrMock.on(CancelStepsCommand).resolves({ CancelStepsInfoList: pending.Steps.map((s) => ({ StepId: s.Id, Status: 'SUBMITTED' as const })) });
    emrMock.on(TerminateJobFlowsCommand).resolves({});

    const run = { ...options({}, progress, { records: 200 }), signal: controller.signal };
    const report = await runAwsPipeline(run, { ...clients(), clock: time.clock, sleep: time.sleep });

    expect(report.outcome).toBe('stopped');
    expect(report.failure).toMatchObject({ stage: 'kpis', message: 'stopped by SIGINT during kpis' });
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([
      ['resolve', 'succeeded'], ['replay', 'succeeded'], ['land', 'succeeded'], ['kpis', 'stopped'], ['validate', 'skipped'], ['publish', 'skipped'],
    ]);
    expect(emrMock.commandCalls(CancelStepsCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterId: 'j-NEW2', StepIds: ['s-0', 's-1', 's-2'], StepCancellationOption: 'SEND_INTERRUPT' },
    ]);
    expect(emrMock.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW2'] }]);
    expect(report.emr).toMatchObject({ result: 'aborted', cleanup: { terminatedClusterId: 'j-NEW2', problems: [] } });
    expect(athenaMock.calls()).toHaveLength(0);
  }, 120_000);

  it.each([
    ['a core node count that is not a number', { 'core-instance-count': 'x' }, 'core-instance-count: must be a whole number of core nodes (got "x")'],
    ['an unknown environment', { environment: 'qa' }, 'environment: must be a deployed environment: dev, staging, prod or a preview pr-<number> (got "qa")'],
    ['generated events into prod', { environment: 'prod' }, 'Refusing to replay generated events into prod: they would land in its bronze and be counted in the KPI tables people read.'],
  ])('refuses %s before any AWS call', async (_what, inputs, message) => {
    const d = await deploy();
    const time = fakeTime();

    const run = runAwsPipeline(options(inputs, recordingProgress()), { ...clients(), clock: time.clock, sleep: time.sleep });
    await expect(run).rejects.toThrow(message);

    expect(cfMock.calls()).toHaveLength(0);
    expect(emrMock.calls()).toHaveLength(0);
    expect(athenaMock.calls()).toHaveLength(0);
    expect(emulatorCommands).toEqual([]);
    expect(await countStreamRecords(env.clients.kinesis, d.stream)).toBe(0);
  }, 60_000);

  function clients() {
    return { kinesis: env.clients.kinesis, s3: env.clients.s3, firehose, emr, emrServerless, athena, cloudFormation };
  }
});

/** Run options: generated events (a fifth of them re-delivered or malformed), the dev environment in the emulator's region. */
function options(emrInputs: EmrRunInputs, progress: AwsRunOptions['progress'], generator: { records?: number } = {}): AwsRunOptions {
  return {
    source: { kind: 'generator', options: { count: generator.records ?? 2_000, seed: 5, days: 2, sensors: 40, duplicateRate: 0.03, malformedRate: 0.02 } },
    emr: { environment: 'dev', region: LOCAL_REGION, ...emrInputs },
    env: {},
    runId: 'test',
    signal: new AbortController().signal,
    progress,
  };
}

function expectStepOver(step: StepConfig, d: Deployment, window: { fromDate: string; toDate: string }): void {
  const args = stepArgs(step);
  expect(args.slice(-10)).toEqual([
    `s3://${d.bronze}/events/`, d.database, expect.any(String), `s3://${d.warehouse}/warehouse`,
    '--from-date', window.fromDate, '--to-date', window.toDate, '--run-id', expect.stringMatching(/^run_\w+/),
  ]);
  expect(args).toContain(`s3://${d.scripts}/spark/${SCRIPTS_VERSION}/clickstream_jobs.zip`);
}

const SQL_TYPES = { int: 'integer', bigint: 'bigint', double: 'double', string: 'varchar', date: 'date' } as const;

/** What the Athena mock says a statement scanned: the table checks read bronze and the table, the rest read little. */
function scannedBytes(sql: string): number {
  return sql.startsWith('WITH') ? 23_456_789 : 4_321;
}

function resultSet(columns: ReadonlyArray<readonly [string, string]>, rows: ReadonlyArray<ReadonlyArray<unknown>>): GetQueryResultsOutput {
  const text = (values: ReadonlyArray<unknown>) => ({ Data: values.map((v) => (v === null || v === undefined ? {} : { VarCharValue: String(v) })) });
  return {
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: columns.map(([name, type]) => ({ Name: name, Label: name, Type: type })) },
      Rows: [text(columns.map(([name]) => name)), ...rows.map(text)],
    },
  };
}

describe('clickstream run --target aws', () => {
  it('exits non-zero naming --core-nodes, before any AWS call', async () => {
    const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-run-cli-'));
    // Any AWS call would go to a closed port and fail differently.
    const result = await runCli(['run', '--target', 'aws', '--core-nodes', 'x', '--report-dir', reportDir], {
      AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid option(s) for the aws target:\n- --core-nodes: must be a whole number of core nodes (got "x")');
    expect(result.stderr).not.toMatch(/resolve: started|ECONNREFUSED/);
    expect(fs.existsSync(path.join(reportDir, 'run-report.json'))).toBe(false);
    fs.rmSync(reportDir, { recursive: true, force: true });
  }, 60_000);
});
