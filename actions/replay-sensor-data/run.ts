import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { EMULATOR_CREDENTIALS, loadConfig } from '../../src/config/config';
import { ENVIRONMENTS } from '../../src/config/names';
import { GeneratorOptions, resolveGeneratorOptions } from '../../src/events/generator';
import { EMULATOR_CONCURRENCY, ReplayResult, replay } from '../../src/replay/replayer';
import { replaySummaryRows, undeliveredMessage } from '../../src/replay/report';
import { fileSource, generatorSource } from '../../src/replay/sources';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const whole = (min: number) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).refine((n) => n >= min, `must be at least ${min}`);
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a number').transform(Number);

const inputsSchema = z.object({
  'stream-name': z.string(),
  'environment': z.enum(ENVIRONMENTS),
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
};

const generatorOptions = (inputs: Inputs): GeneratorOptions => ({
  count: inputs.records, seed: inputs.seed, days: inputs.days, duplicateRate: inputs['duplicate-rate'], malformedRate: inputs['malformed-rate'],
});

/** Reads and checks every input, failing with all problems at once before any AWS call. */
export function readInputs(): Inputs {
  const raw: Record<string, string> = Object.fromEntries(
    Object.entries(INPUT_DEFAULTS).map(([name, fallback]) => [name, core.getInput(name) || fallback]),
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
  }
  if (problems.length > 0) throw new Error(`Invalid inputs: ${problems.join('; ')}.`);
  return parsed.data!;
}

export interface RunDeps {
  /** Builds the Kinesis client; tests pass one. */
  readonly kinesis?: (inputs: Inputs, region: string) => KinesisClient;
}

function defaultKinesis(inputs: Inputs, region: string): KinesisClient {
  if (!inputs.endpoint) return new KinesisClient({ region });
  // The emulator speaks plain HTTP/1.1 and accepts fixed test credentials.
  return new KinesisClient({ region, endpoint: inputs.endpoint, credentials: EMULATOR_CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

async function writeSummary(result: ReplayResult, manifestPath: string): Promise<void> {
  const rows = replaySummaryRows(result).map(([metric, value]) => [metric, String(value)]);
  core.summary
    .addHeading('Replay sensor data', 2)
    .addTable([[{ data: 'metric', header: true }, { data: 'value', header: true }], ...rows])
    .addRaw(`Manifest: <code>${manifestPath}</code>`, true);
  if (result.failed > 0) core.summary.addRaw(`<p><strong>${undeliveredMessage(result)}</strong></p>`, true);
  await core.summary.write();
}

/** The action: replay, set outputs, write the job summary; fails when a record was not delivered. */
export async function run(deps: RunDeps = {}): Promise<ReplayResult | undefined> {
  try {
    const inputs = readInputs();
    const config = loadConfig({ target: 'aws', environment: inputs.environment, region: inputs.region || undefined });
    const streamName = inputs['stream-name'] || config.names.streamName;
    const manifestPath = inputs['manifest-path'] || path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), 'replay-manifest.json');
    const source = inputs.file
      ? fileSource({ file: inputs.file, sendInvalid: inputs['send-invalid'] })
      : generatorSource(generatorOptions(inputs));
    core.info(`Replaying ${inputs.file ? inputs.file : `${inputs.records} generated events (seed ${inputs.seed})`} into ${streamName}`);
    let lastReport = 0;
    const result = await replay({
      kinesis: (deps.kinesis ?? defaultKinesis)(inputs, config.region),
      streamName,
      source,
      rate: inputs.rate === 'max' ? 'unlimited' : inputs.rate === '' ? undefined : { recordsPerSecond: Number(inputs.rate) },
      concurrency: inputs.endpoint ? EMULATOR_CONCURRENCY : undefined,
      maxAttempts: inputs['max-attempts'],
      deadlineMs: inputs['deadline-seconds'] * 1000,
      shiftToNow: inputs['shift-to-now'],
      onProgress: (p) => {
        if (p.elapsedMs - lastReport < 5000) return;
        lastReport = p.elapsedMs;
        core.info(`${p.sent} sent, ${p.failed} failed, ${p.retried} retried, ${p.throttled} throttled`);
      },
    });
    fs.mkdirSync(path.dirname(manifestPath), { recursive: true });
    fs.writeFileSync(manifestPath, `${JSON.stringify(result.manifest, null, 2)}\n`);
    for (const line of result.invalidLines?.lines.slice(0, 10) ?? []) {
      core.warning(line.reason, { title: 'Invalid event line', file: inputs.file, startLine: line.lineNumber });
    }
    core.setOutput('records-sent', result.sent);
    core.setOutput('records-failed', result.failed);
    core.setOutput('duration-seconds', result.durationSeconds);
    core.setOutput('first-event-time', result.firstEventTime ?? '');
    core.setOutput('last-event-time', result.lastEventTime ?? '');
    core.setOutput('manifest-path', manifestPath);
    await writeSummary(result, manifestPath);
    if (result.failed > 0) core.setFailed(undeliveredMessage(result));
    return result;
  } catch (e) {
    core.setFailed((e as Error).message);
    return undefined;
  }
}
