import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ClickstreamConfig, TargetName } from '../config/config';
import type { ResourceNames } from '../config/names';
import type { PriceTable } from '../cost/prices';
import type { DoctorReport } from '../doctor/check';
import type { EmrInputStyle, EmrRunInputs } from '../emr/run-inputs';
import type { QueryEngine } from '../engines/query-engine';
import type { KpiJobName } from '../kpis/catalog';
import type { KpiScope } from '../kpis/day-window';
import type { TimedPublishedRun } from '../kpis/publisher';
import type { LandingResult } from '../landing/worker';
import type { KpiRunMode } from '../local/kpi-runner';
import type { UpResult } from '../local/stack';
import type { MaintenanceOptions } from '../maintenance/options';
import type { RunFailure, RunReport } from '../pipeline/run-report';
import type { EventSource, RunProgress } from '../pipeline/shared-stages';
import type { StageRunner } from '../pipeline/stages';

/**
 * What differs between the embedded stack and AWS, behind one interface. Commands ask
 * `targetFor(name)` for the adapter and never compare target names; each adapter refuses what it
 * cannot do with a message that says what to use instead.
 */
export interface Target {
  readonly name: TargetName;
  /** Checks a whole run's request before anything starts or calls AWS; throws naming every problem. */
  planRun(request: PipelineRequest): PlannedRun;
  /** The target's query engine over the environment's tables: the stack's Trino, or Athena. */
  queryEngine(config: ClickstreamConfig, options?: QueryEngineOptions): Promise<QueryEngine>;
  /** Publishes a validated KPI run: every table's main fast-forwarded to the run's audit branch. */
  publishRun(request: PublishRequest): Promise<TimedPublishedRun>;
  /** Checks that the target is ready to run the pipeline, each check saying what to fix. */
  doctor(config: ClickstreamConfig, options: DoctorOptions): Promise<DoctorReport>;
  /** Clients of the environment's stream and bronze; the embedded stack creates the environment's resources on first use. */
  streamClients(config: ClickstreamConfig): Promise<StreamClients>;
  /** Lands the stream into bronze as Firehose would. Refused on AWS, where the environment's Firehose lands it. */
  land(request: LandRequest): Promise<LandingResult>;
  /** Starts the embedded stack with the environment's resources. Refused on AWS, where environments are deployed. */
  startStack(request: StartStackRequest): Promise<UpResult>;
  /** Checks a KPI run's request before anything starts or calls AWS; throws naming every problem. */
  planKpis(request: KpiRequest): PlannedWork;
  /** Checks a table maintenance request before anything starts or calls AWS. */
  planMaintenance(request: MaintenanceRequest): PlannedWork;
  /** Removes one environment and everything in it, and nothing of any other; running it again is harmless. */
  destroyEnvironment(request: DestroyRequest): Promise<WorkOutcome>;
}

/** Work whose request passed every check: what a stop will do, and the work itself. */
export interface PlannedWork {
  readonly stopping: StopNotice;
  run(context: WorkContext): Promise<WorkOutcome>;
}

/** What the first Ctrl-C prints: what stopping does, and what a second signal risks. */
export interface StopNotice {
  readonly stopping: string;
  readonly secondSignalRisk?: string;
}

export interface WorkContext {
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** What a command prints: `result` with --json, `text()` otherwise; `failed` exits 1. */
export interface WorkOutcome {
  readonly result: unknown;
  readonly failed: boolean;
  text(): string;
}

export interface StreamClients {
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly names: ResourceNames;
  readonly region: string;
}

export interface LandRequest {
  readonly config: ClickstreamConfig;
  /** @default the environment's stream */
  readonly streamName?: string;
  /** @default the environment's bronze bucket */
  readonly bucket?: string;
  readonly bufferSizeBytes: number;
  readonly bufferIntervalMs: number;
  /** Ignore saved checkpoints and land every shard from its oldest record. */
  readonly fromOldest: boolean;
  readonly log: (line: string) => void;
}

export interface StartStackRequest {
  readonly config: ClickstreamConfig;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/**
 * A KPI run: without a window and without `all`, incremental (the event days that received
 * arrivals since the last run). Values arrive parsed and valid.
 */
export interface KpiRequest {
  readonly config: ClickstreamConfig;
  readonly scope: KpiScope;
  /** The run's time: arrivals after it are not read. @default now */
  readonly asOf?: Date;
  readonly jobs: readonly KpiJobName[];
  /** Local: one Spark application for all jobs, or one per job. */
  readonly mode: KpiRunMode;
  /** AWS: the EMR runner's inputs (region, account, scripts version, cluster shape). */
  readonly emr?: EmrRunInputs;
  readonly inputStyle?: EmrInputStyle;
}

export interface MaintenanceRequest {
  readonly config: ClickstreamConfig;
  readonly maintenance: MaintenanceOptions;
  /** AWS: the EMR runner's inputs; without a scripts version, names and version come from the environment's stacks. */
  readonly emr?: EmrRunInputs;
  readonly inputStyle?: EmrInputStyle;
}

export interface DestroyRequest {
  readonly config: ClickstreamConfig;
  /** AWS: the region as given (--region); AWS_REGION or AWS_DEFAULT_REGION otherwise. */
  readonly region?: string;
  readonly log: (line: string) => void;
}

/** A whole run's request, as the command line or a workflow gives it; each target refuses the other's options. */
export interface PipelineRequest {
  readonly config: ClickstreamConfig;
  readonly source: EventSource;
  /** @default all jobs */
  readonly jobs?: readonly KpiJobName[];
  /** Shift event times so the newest event is now. @default true */
  readonly shiftToNow?: boolean;
  /** Fail on warn-level checks too. @default false */
  readonly failOnWarn?: boolean;
  /** Prices of the report's cost figures. @default priceTableFor() */
  readonly prices?: PriceTable;
  /** Local: leave the stack running at the end when this run started it. @default false */
  readonly keep?: boolean;
  /** Options given that apply to AWS only, as the caller names them: the local target refuses them. */
  readonly awsOptionsGiven?: readonly string[];
  /** AWS: the EMR runner's inputs (environment, region, account, scripts version, cluster shape, jobs); required there. */
  readonly emr?: EmrRunInputs;
  /** How problems name the inputs (`--core-nodes` or `core-instance-count`). */
  readonly inputStyle?: EmrInputStyle;
  /** AWS: allow generated or sample events into prod. @default false */
  readonly allowProdReplay?: boolean;
  /** AWS: the longest wait for Firehose to land the replay. */
  readonly landingTimeoutMs?: number;
}

/** A run whose request passed every check: what a stop will do, and the run to start. */
export interface PlannedRun {
  /** What stopping the run (Ctrl-C) does, for the message the first signal prints. */
  readonly stopping: StopNotice;
  start(context: RunContext): TargetRun;
}

export interface RunContext {
  /** Aborting stops the current stage and what the run started. */
  readonly signal: AbortSignal;
  readonly progress: RunProgress;
}

/**
 * The stages of one run on a target, which `runPipeline` calls in order. Each records its own row
 * in the runner's report and leaves what the later stages need in the run.
 */
export interface TargetRun<Report extends RunReport = RunReport> {
  readonly runner: StageRunner;
  /** Where the target gets ready: `stack` (start or reuse the embedded stack) or `resolve` (read the stacks' outputs). */
  readonly firstStage: string;
  readonly signal: AbortSignal;
  prepare(): Promise<void>;
  /** The `replay` and `land` stages: side by side locally, one after the other on AWS, where Firehose lands. */
  replayAndLand(): Promise<void>;
  computeKpis(): Promise<void>;
  validate(): Promise<void>;
  publish(): Promise<void>;
  /** After the stages, whatever their outcome: the report's extras, stopping what the run started, the report. */
  finish(end: RunEnd): Promise<Report>;
}

/** How the stages ended: a failed or stopped run names its stage and reason. */
export interface RunEnd {
  readonly outcome: RunReport['outcome'];
  readonly failure?: RunFailure;
}

export interface QueryEngineOptions {
  /** Local: Trino to use instead of the running stack's (e.g. a CI service). @default the stack's */
  readonly trinoEndpoint?: string;
  /** AWS: the Athena workgroup. @default the environment's */
  readonly workGroup?: string;
  /** AWS: where Athena writes results. @default s3://<the environment's Athena results bucket>/ */
  readonly outputLocation?: string;
}

export interface PublishRequest {
  readonly config: ClickstreamConfig;
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

export interface DoctorOptions {
  /** AWS: the region to check, when not the configuration's. */
  readonly region?: string;
}
