import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNCONVERTIBLE_KINDS } from '../../src/events/anomalies';
import { GeneratorOptions, generateRecords } from '../../src/events/generator';
import { localPaths } from '../../src/local/paths';
import { endOfRun } from '../../src/pipeline/shared-stages';
import { RunStoppedError } from '../../src/pipeline/stages';
import { LocalRunOptions, replayAndLandStage, startLocalRun } from '../../src/targets/local/local-stages';
import { pipelineStages } from '../../src/targets/run-pipeline';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';

const EVENTS: GeneratorOptions = { count: 3_000, seed: 41, days: 2, duplicateRate: 0.03, malformedRate: 0.03 };
/** Long enough to be cut short: about a quarter of a minute of replay here. */
const MANY_EVENTS: GeneratorOptions = { count: 200_000, seed: 42 };

describe('replay and land side by side, on the emulator', () => {
  let fixture: EmulatorFixture;
  let stateDir: string;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-and-land-'));
  });
  afterAll(async () => {
    await fixture?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  /** A local run on the fixture's emulator (no stack of its own: the stages after land are not run here). */
  function localRun(options: {
    events: GeneratorOptions; signal?: AbortSignal; bronzeBucket?: string; onUpdate?: (stage: string, status: string) => void;
  }) {
    const lines: string[] = [];
    const runOptions: LocalRunOptions = {
      paths: { ...localPaths(), stateFile: path.join(stateDir, 'stack.json') },
      names: { ...fixture.names, bronzeBucket: options.bronzeBucket ?? fixture.names.bronzeBucket },
      source: { kind: 'generator', options: options.events },
      signal: options.signal ?? new AbortController().signal,
      progress: { update: (stage, status) => options.onUpdate?.(stage, status), line: (text) => lines.push(text) },
    };
    return { run: startLocalRun(runOptions), lines };
  }

  it('keeps a replay row and a land row that overlap, and the counts reconcile exactly', async () => {
    const { run, lines } = localRun({ events: EVENTS });
    const { replayed, landed } = await replayAndLandStage(run, fixture.clients);

    const unconvertible = [...generateRecords(EVENTS)].filter((r) => UNCONVERTIBLE_KINDS.includes(r.kind as never)).length;
    // sent -> read -> landed + errors.
    expect(replayed).toMatchObject({ read: EVENTS.count, sent: EVENTS.count, failed: 0 });
    expect(landed).toMatchObject({ read: replayed.sent, landed: replayed.sent - unconvertible, errors: unconvertible });
    expect(run.window).toBeDefined();

    const [replay, land] = run.runner.reports;
    expect(run.runner.reports.map((r) => [r.name, r.status])).toEqual([['replay', 'succeeded'], ['land', 'succeeded']]);
    // The landing started before the replay ended, and ended once it had drained the stream after it.
    const replayEnd = Date.parse(replay.startedAt!) + replay.durationMs;
    expect(Date.parse(land.startedAt!)).toBeLessThan(replayEnd);
    expect(Date.parse(land.startedAt!) + land.durationMs).toBeGreaterThanOrEqual(replayEnd);
    expect(replay.summary).toMatch(/^3,000 records sent \([\d,]+\/s\), [\d,]+ distinct valid events$/);
    expect(land.summary).toMatch(new RegExp(`^alongside the replay: ${(EVENTS.count - unconvertible).toLocaleString('en-US')} landed as Parquet in \\d+ objects, ` +
      `${unconvertible} to errors/, drained \\d+\\.\\d s after it$`));
    expect(land.counts).toMatchObject({ read: EVENTS.count, landed: EVENTS.count - unconvertible, errors: unconvertible });
    expect(lines.slice(0, 2)).toEqual(['replay: started', 'land: started']);
  }, 120_000);

  it('stops both the replay and the landing when the run is stopped', async () => {
    const controller = new AbortController();
    let stoppedAt = 0;
    const { run } = localRun({
      events: MANY_EVENTS,
      signal: controller.signal,
      onUpdate: (stage, status) => {
        if (stage !== 'land' || status.startsWith('0 read') || controller.signal.aborted) return;
        stoppedAt = Date.now();
        controller.abort('SIGINT');
      },
    });
    const error = await replayAndLandStage(run, fixture.clients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunStoppedError);
    expect(stoppedAt).toBeGreaterThan(0);
    // Both end within moments: the replay sends no new call, the landing reads no more.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(run.runner.reports.map((r) => [r.name, r.status]).sort()).toEqual([['land', 'stopped'], ['replay', 'stopped']]);
    expect(endOfRun(run.runner, pipelineStages('stack'), error, controller.signal, 'stack').outcome).toBe('stopped');
  }, 120_000);

  it('cuts the replay short when the landing fails, and the run\'s failure is the landing\'s', async () => {
    const started = Date.now();
    // The landing's checkpoints are in the bronze bucket: without it, the landing fails at once.
    const { run } = localRun({ events: MANY_EVENTS, bronzeBucket: 'clickstream-no-such-bucket' });
    const error = await replayAndLandStage(run, fixture.clients).catch((e: unknown) => e);
    expect((error as Error).name).toBe('NoSuchBucket');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.runner.reports.map((r) => [r.name, r.status])).toEqual([['land', 'failed'], ['replay', 'failed']]);
    expect(run.runner.reports[1].summary).toMatch(/^stopped sending after [\d,]+ records: the landing failed$/);
    const { failure } = endOfRun(run.runner, pipelineStages('stack'), error, run.options.signal, 'stack');
    expect(failure.stage).toBe('land');
  }, 120_000);
});
