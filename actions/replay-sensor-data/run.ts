import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { EMULATOR_CREDENTIALS, environmentSchema, loadConfig } from '../../src/config/config';
import { checkReplayAllowed } from '../../src/config/guards';
import { ResourceNames } from '../../src/config/names';
import { CloudFormationLike, ResolveAwsNamesOptions, resolveAwsNames } from '../../src/config/stack-outputs';
import { GeneratorOptions, resolveGeneratorOptions } from '../../src/events/generator';
import { formatBytes, formatDuration } from '../../src/format/numbers';
import { waitForFirehoseLanding } from '../../src/pipeline/firehose-landing';
import { StageError } from '../../src/pipeline/stages';
import { bronzeHoldsEvents } from '../../src/replay/earlier-events';
import { replaySummaryRows, undeliveredMessage } from '../../src/replay/replay-summary';
import { ReplayResult, replay } from '../../src/replay/replayer';
import { fileSource, generatorSource } from '../../src/replay/sources';
import { Clock, Sleep, systemClock } from '../../src/timing/clock';
import { ActionIo } from '../lib/io';

type DeployEnvironmentName = ResolveAwsNamesOptions['environment'];

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const whole = (min: number) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).refine((n) => n >= min, `must be at least ${min}`);
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a number').transform(Number);

const inputsSchema = z.object({
  'stream-name': z.string(),
  'environment': environmentSchema,
  'region': z.string(),
  'records': whole(1),
  'seed': whole(0),
  'days': decimal.refine((n) => n > 0, 'must be positive'),
  'duplicate-rate': decimal.refine((n) => n <= 1, 'must be between 0 and 1'),
  'malformed-rate': decimal.refine((n) => n <= 1, 'must be between 0 and 1'),
  'file': z.string(),
  'send-invalid': flag,
  'rate': z.string().refine((v) => v === '' || v === 'max' || (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0), 'must be records per second (a positive number) or "max"'),
  'shift-to-now': flag,
  'max-attempts': whole(1),
  'deadline-seconds': decimal.refine((n) => n > 0, 'must be positive'),
  'endpoint': z.union([z.literal(''), z.url('must be a URL like http://127.0.0.1:5000')]),
  'manifest-path': z.string(),
  'allow-prod-replay': flag,
  'wait-for-landing': flag,
  'landing-timeout-minutes': whole(1),
});

type Inputs = z.output<typeof inputsSchema>;

/** The defaults action.yml declares (a test keeps them equal), for runs outside GitHub that set only some inputs. */
export const INPUT_DEFAULTS: Readonly<Record<keyof typeof inputsSchema.shape, string>> = {
  'stream-name': '',
  'environment': 'dev',
  'region': '',
  'records': '10000',
  'seed': '1',
  'days': '3',
  'duplicate-rate': '0',
  'malformed-rate': '0',
  'file': '',
  'send-invalid': 'false',
  'rate': '',
  'shift-to-now': 'false',
  'max-attempts': '10',
  'deadline-seconds': '3600',
  'endpoint': '',
  'manifest-path': '',
  'allow-prod-replay': 'false',
  'wait-for-landing': 'false',
  'landing-timeout-minutes': '15',
};

const generatorOptions = (inputs: Inputs): GeneratorOptions => ({
  count: inputs.records, seed: inputs.seed, days: inputs.days, duplicateRate: inputs['duplicate-rate'], malformedRate: inputs['malformed-rate'],
});

/** Reads and checks every input, failing with all problems at once before any AWS call. */
export function readInputs(io: Pick<ActionIo, 'getInput'>): Inputs {
  const raw: Record<string, string> = Object.fromEntries(
    Object.entries(INPUT_DEFAULTS).map(([name, fallback]) => [name, io.getInput(name) || fallback]),
  );
  const parsed = inputsSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `input ${i.path.join('.')} ${i.message} (got "${raw[String(i.path[0])]}")`);
  if (parsed.success) {
    try {
      resolveGeneratorOptions(generatorOptions(parsed.data));
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (parsed.data.file && !fs.existsSync(parsed.data.file)) problems.push(`input file: ${parsed.data.file} does not exist`);
    if (parsed.data['wait-for-landing'] && (parsed.data.endpoint || parsed.data.environment === 'local')) {
      problems.push('input wait-for-landing: waits for Firehose in a deployed environment (dev, staging, prod, pr-<number>); locally `clickstream land` lands the stream');
    }
    try {
      checkReplayAllowed({
        environment: parsed.data.environment,
        origin: parsed.data.file ? 'file' : 'generated',
        allowProduction: parsed.data['allow-prod-replay'],
        override: 'input allow-prod-replay to true',
        environmentOption: 'input environment',
      });
    } catch (e) {
      problems.push((e as Error).message.replace(/\.$/, ''));
    }
  }
  if (problems.length > 0) throw new Error(`Invalid inputs: ${problems.join('; ')}.`);
  return parsed.data!;
}

export interface RunDeps {
  /** Builds the Kinesis client; tests pass one. */
  readonly kinesis?: (inputs: Inputs, region: string) => KinesisClient;
  /** The clients wait-for-landing reads the stack outputs, the delivery stream and bronze with. @default SDK clients for the region */
  readonly landing?: (region: string) => LandingClients;
  /** @default Date.now */
  readonly clock?: Clock;
  /** The pauses between bronze listings. @default real timers */
  readonly sleep?: Sleep;
}

/** What wait-for-landing calls: CloudFormation for the names, Firehose for its buffer interval, S3 to list bronze. */
export interface LandingClients {
  readonly cloudFormation: CloudFormationLike;
  readonly firehose: Pick<FirehoseClient, 'send'>;
  readonly s3: S3Client;
}

function defaultLandingClients(region: string): LandingClients {
  return { cloudFormation: new CloudFormationClient({ region }), firehose: new FirehoseClient({ region }), s3: new S3Client({ region }) };
}

function defaultKinesis(inputs: Inputs, region: string): KinesisClient {
  if (!inputs.endpoint) return new KinesisClient({ region });
  // The emulator speaks plain HTTP/1.1 and accepts fixed test credentials.
  return new KinesisClient({ region, endpoint: inputs.endpoint, credentials: EMULATOR_CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

/** Waits for Firehose to land the replay, sets the landing outputs, and fails the step when nothing lands. */
async function waitForLanding(
  io: ActionIo,
  inputs: Inputs,
  names: ResourceNames,
  clients: LandingClients,
  times: { readonly since: number; readonly lastPutAt: number },
  deps: RunDeps & { readonly clock: Clock },
): Promise<void> {
  io.info(`Waiting for ${names.deliveryStreamName} to land the replay in s3://${names.bronzeBucket}/`);
  try {
    const landed = await waitForFirehoseLanding({
      deliveryStreamName: names.deliveryStreamName,
      bucket: names.bronzeBucket,
      since: times.since,
      lastPutAt: times.lastPutAt,
      timeoutMs: inputs['landing-timeout-minutes'] * 60_000,
      onProgress: (p) => io.info(`${p.objects} objects (${formatBytes(p.bytes)}) in bronze, ${p.errorObjects} under errors/` +
        (p.secondsUntilFlush > 0 ? `; Firehose's buffer flushes in about ${p.secondsUntilFlush} s` : '')),
    }, { firehose: clients.firehose, s3: clients.s3, clock: deps.clock, sleep: deps.sleep });
    io.setOutput('landed-objects', String(landed.objects));
    io.setOutput('landed-bytes', String(landed.bytes));
    io.setOutput('error-objects', String(landed.errorObjects));
    io.setOutput('landing-seconds', String(Math.round(landed.waitedMs / 1000)));
    await io.writeSummary(`<p>Firehose landed ${landed.objects} Parquet objects (${formatBytes(landed.bytes)}) and ${landed.errorObjects} error objects ` +
      `in <code>s3://${landed.bucket}/</code> after ${formatDuration(landed.waitedMs)} (buffer interval ${landed.bufferIntervalSeconds} s).</p>\n`);
  } catch (e) {
    const hint = e instanceof StageError && e.hint ? ` ${e.hint}` : '';
    io.setFailed(`${(e as Error).message}${hint}`);
  }
}

/** The job summary of a replay, in HTML: its figures as a table, the manifest, and what was not delivered. */
function renderSummary(result: ReplayResult, manifestPath: string): string {
  const rows = replaySummaryRows(result).map(([metric, value]) => `<tr><td>${metric}</td><td>${value}</td></tr>`);
  return [
    '<h2>Replay sensor data</h2>',
    `<table><tr><th>metric</th><th>value</th></tr>${rows.join('')}</table>`,
    `Manifest: <code>${manifestPath}</code>`,
    ...(result.failed > 0 ? [`<p><strong>${undeliveredMessage(result)}</strong></p>`] : []),
  ].map((line) => `${line}\n`).join('');
}

/**
 * The action: replay, set outputs, write the job summary; fails when a record was not delivered.
 * With wait-for-landing it then waits for the environment's Firehose to deliver the replay into
 * bronze (the same wait as `clickstream run --target aws`), and fails when nothing lands in time.
 */
export async function run(io: ActionIo, deps: RunDeps = {}): Promise<ReplayResult | undefined> {
  const clock = deps.clock ?? systemClock;
  try {
    const inputs = readInputs(io);
    const config = loadConfig({ target: inputs.environment === 'local' ? 'local' : 'aws', environment: inputs.environment, region: inputs.region || undefined });
    const landingClients = inputs['wait-for-landing'] ? (deps.landing ?? defaultLandingClients)(config.region) : undefined;
    // The delivery stream and bronze bucket are the deployed stacks' (read before sending anything).
    const deployed = landingClients && await resolveAwsNames({
      environment: inputs.environment as DeployEnvironmentName, region: config.region, cloudFormation: () => landingClients.cloudFormation,
    });
    const streamName = inputs['stream-name'] || deployed?.names.streamName || config.names.streamName;
    const manifestPath = inputs['manifest-path'] || path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), 'replay-manifest.json');
    const source = inputs.file
      ? fileSource({ file: inputs.file, sendInvalid: inputs['send-invalid'] })
      : generatorSource(generatorOptions(inputs));
    io.info(`Replaying ${inputs.file ? inputs.file : `${inputs.records} generated events (seed ${inputs.seed})`} into ${streamName}`);
    // Asked before sending: with events already landed, the tables will count more than this manifest lists.
    const environmentHeldEvents = landingClients && deployed ? await bronzeHoldsEvents(landingClients.s3, deployed.names.bronzeBucket) : undefined;
    if (environmentHeldEvents) io.info(`${deployed!.names.bronzeBucket} already holds landed events: the manifest says so, and validation will not hold the tables to its exact totals`);
    let lastReport = 0;
    const replayStartedAt = clock();
    const replayed = await replay({
      kinesis: (deps.kinesis ?? defaultKinesis)(inputs, config.region),
      streamName,
      source,
      rate: inputs.rate === 'max' ? 'unlimited' : inputs.rate === '' ? undefined : { recordsPerSecond: Number(inputs.rate) },
      maxAttempts: inputs['max-attempts'],
      deadlineMs: inputs['deadline-seconds'] * 1000,
      shiftToNow: inputs['shift-to-now'],
      onProgress: (p) => {
        if (p.elapsedMs - lastReport < 5000) return;
        lastReport = p.elapsedMs;
        io.info(`${p.sent} sent, ${p.failed} failed, ${p.retried} retried, ${p.throttled} throttled`);
      },
    });
    const result: ReplayResult = { ...replayed, manifest: { ...replayed.manifest, environmentHeldEvents } };
    fs.mkdirSync(path.dirname(manifestPath), { recursive: true });
    fs.writeFileSync(manifestPath, `${JSON.stringify(result.manifest, null, 2)}\n`);
    for (const line of result.invalidLines?.lines.slice(0, 10) ?? []) {
      io.warning(line.reason, { title: 'Invalid event line', file: inputs.file, startLine: line.lineNumber });
    }
    io.setOutput('records-sent', String(result.sent));
    io.setOutput('records-failed', String(result.failed));
    io.setOutput('duration-seconds', String(result.durationSeconds));
    io.setOutput('first-event-time', result.firstEventTime ?? '');
    io.setOutput('last-event-time', result.lastEventTime ?? '');
    io.setOutput('manifest-path', manifestPath);
    const lastPutAt = clock();
    await io.writeSummary(renderSummary(result, manifestPath));
    if (result.failed > 0) {
      io.setFailed(undeliveredMessage(result));
      return result;
    }
    if (landingClients && deployed) {
      await waitForLanding(io, inputs, deployed.names, landingClients, { since: replayStartedAt, lastPutAt }, { ...deps, clock });
    }
    return result;
  } catch (e) {
    io.setFailed((e as Error).message);
    return undefined;
  }
}
