import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KinesisClient, PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS, run } from '../../actions/replay-sensor-data/run';
import { countStreamRecords, EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

const ACTION_DIR = path.join(__dirname, '..', '..', 'actions', 'replay-sensor-data');

/** Outputs as @actions/core writes them to GITHUB_OUTPUT (heredoc blocks). */
function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const text = fs.readFileSync(file, 'utf8');
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]] = match[3];
  return outputs;
}

describe('replay-sensor-data action', () => {
  let fixture: EmulatorFixture;
  let dir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    // @actions/core remembers the summary file of its first use, as one action run has one.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'action-'));
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    process.env.GITHUB_OUTPUT = path.join(dir, 'output');
    process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary');
    fs.writeFileSync(process.env.GITHUB_OUTPUT, '');
    fs.writeFileSync(process.env.GITHUB_STEP_SUMMARY, '');
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    process.exitCode = 0;
  });

  it('replays generated events into the emulator and reports outputs and a job summary', async () => {
    Object.assign(process.env, {
      'INPUT_STREAM-NAME': fixture.names.streamName,
      'INPUT_ENDPOINT': fixture.emulator.endpoint,
      'INPUT_RECORDS': '3000',
      'INPUT_SEED': '8',
      'INPUT_DUPLICATE-RATE': '0.02',
      'INPUT_MANIFEST-PATH': path.join(dir, 'manifest.json'),
    });
    const before = await countStreamRecords(fixture.clients.kinesis, fixture.names.streamName);
    const result = await run();
    expect(process.exitCode ?? 0).toBe(0);
    const outputs = readOutputs(process.env.GITHUB_OUTPUT!);
    expect(outputs).toMatchObject({ 'records-sent': '3000', 'records-failed': '0', 'manifest-path': path.join(dir, 'manifest.json') });
    expect(outputs['first-event-time']).toMatch(/^2026-11-01T00:0/);
    expect(outputs['last-event-time']).toMatch(/^2026-11-03T23:/);
    expect(Number(outputs['duration-seconds'])).toBeGreaterThan(0);
    expect(await countStreamRecords(fixture.clients.kinesis, fixture.names.streamName)).toBe(before + 3000);
    // Paced by the emulator stream's two shards.
    expect(result?.rate).toMatchObject({ basis: 'shards', shards: 2 });
    const manifest = JSON.parse(fs.readFileSync(outputs['manifest-path'], 'utf8'));
    expect(manifest.counts).toMatchObject({ delivered: 3000, undelivered: 0 });
    expect(manifest.counts.duplicatesDelivered).toBeGreaterThan(0);
    expect(Object.keys(manifest.days)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    const summary = fs.readFileSync(process.env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary).toContain('<h2>Replay sensor data</h2>');
    expect(summary).toMatch(/<tr><td>sent<\/td><td>3000<\/td><\/tr>/);
    expect(summary).toMatch(/<tr><td>failed \(undelivered\)<\/td><td>0<\/td><\/tr>/);
  });

  it('fails on invalid inputs before any AWS call, naming each', async () => {
    Object.assign(process.env, { 'INPUT_RECORDS': '-5', 'INPUT_RATE': 'fast', 'INPUT_SHIFT-TO-NOW': 'yes', 'INPUT_FILE': '/nonexistent.jsonl' });
    let called = false;
    const result = await run({ kinesis: () => { called = true; return new KinesisClient({}); } });
    expect(result).toBeUndefined();
    expect(called).toBe(false);
    expect(process.exitCode).toBe(1);
    expect(fs.readFileSync(process.env.GITHUB_OUTPUT!, 'utf8')).toBe('');
  });

  it('fails naming the undelivered records when a fault never clears', async () => {
    Object.assign(process.env, { 'INPUT_STREAM-NAME': 'any', 'INPUT_RECORDS': '20', 'INPUT_RATE': 'max', 'INPUT_MAX-ATTEMPTS': '2', 'INPUT_MANIFEST-PATH': path.join(dir, 'm.json') });
    const refusing = {
      send: async (command: { input: PutRecordsCommandInput }) => ({
        FailedRecordCount: command.input.Records!.length,
        Records: command.input.Records!.map(() => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected' })),
      }),
    } as unknown as KinesisClient;
    const result = await run({ kinesis: () => refusing });
    expect(process.exitCode).toBe(1);
    expect(readOutputs(process.env.GITHUB_OUTPUT!)).toMatchObject({ 'records-sent': '0', 'records-failed': '20' });
    const summary = fs.readFileSync(process.env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary).toContain(`20 record(s) were not delivered (20 ProvisionedThroughputExceededException); first: ${result!.undelivered.first[0]}`);
  });

  it('declares node24, the bundle, and the defaults run() assumes', () => {
    const action = parse(fs.readFileSync(path.join(ACTION_DIR, 'action.yml'), 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.js' });
    const inputs = action.inputs as Record<string, { default: string }>;
    const defaults = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.default]));
    expect(defaults).toEqual(INPUT_DEFAULTS);
    expect(Object.keys(action.outputs)).toEqual(['records-sent', 'records-failed', 'duration-seconds', 'first-event-time', 'last-event-time', 'manifest-path']);
  });
});
