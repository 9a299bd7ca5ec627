import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsRequestRecorder, recorderEnv, startAwsRequestRecorder } from './aws-request-recorder';
import { checkReplayAllowed, ReplayOrigin } from '../../src/config/guards';
import { runCli } from '../support/cli';

const guard = (environment: 'dev' | 'staging' | 'prod', origin: ReplayOrigin, allowProduction = false) => () => checkReplayAllowed({
  environment, origin, allowProduction, override: '--allow-prod-replay', environmentOption: '--environment staging',
});

describe('checkReplayAllowed', () => {
  it('refuses generated and sample events into prod, saying what to do instead', () => {
    expect(guard('prod', 'generated')).toThrow('Refusing to replay generated events into prod: they would land in its bronze and be counted in the KPI tables people read. ' +
      'Replay into dev or staging (--environment staging), or, if prod really should get synthetic events, set --allow-prod-replay.');
    expect(guard('prod', 'sample')).toThrow('Refusing to replay the committed sample events into prod');
  });

  it('lets the explicit override, other environments and recorded files through', () => {
    expect(guard('prod', 'generated', true)).not.toThrow();
    expect(guard('staging', 'generated')).not.toThrow();
    expect(guard('dev', 'sample')).not.toThrow();
    expect(guard('prod', 'file')).not.toThrow();
  });
});

/**
 * The commands as a user runs them, with every AWS endpoint pointed at a recorder: a refusal must
 * come before the first AWS request. The last case shows the recorder does see a command that is
 * allowed to proceed.
 */
describe('refusals before any AWS request', () => {
  let recorder: AwsRequestRecorder;
  beforeAll(async () => {
    recorder = await startAwsRequestRecorder();
  });
  afterAll(async () => {
    await recorder?.close();
  });

  const cli = async (args: string[]) => {
    recorder.requests.length = 0;
    recorder.connections = 0;
    const result = await runCli(args, recorderEnv(recorder));
    return { ...result, requests: [...recorder.requests], connections: recorder.connections };
  };

  it('replay --target aws refuses generated events into prod', async () => {
    const result = await cli(['replay', '--target', 'aws', '--environment', 'prod', '--records', '10']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Refusing to replay generated events into prod');
    expect(result.stderr).toContain('set --allow-prod-replay');
    expect(result.requests).toEqual([]);
    expect(result.connections).toBe(0);
  }, 60_000);

  it('replay --target aws refuses the committed sample into prod', async () => {
    const result = await cli(['replay', '--target', 'aws', '--environment', 'prod', '--sample']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Refusing to replay the committed sample events into prod');
    expect(result.requests).toEqual([]);
    expect(result.connections).toBe(0);
  }, 60_000);

  it('land --target aws refuses, explaining that Firehose lands on AWS', async () => {
    const result = await cli(['land', '--target', 'aws']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("`clickstream land` stands in for Firehose on the local target only. On AWS the environment's Firehose delivery stream");
    expect(result.stderr).toContain('would write every record twice');
    expect(result.requests).toEqual([]);
    expect(result.connections).toBe(0);
  }, 60_000);

  it('run --target aws refuses generated events into prod', async () => {
    const result = await cli(['run', '--target', 'aws', '--environment', 'prod', '--records', '10']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Refusing to replay generated events into prod');
    expect(result.stderr).not.toMatch(/resolve: started/);
    expect(result.requests).toEqual([]);
    expect(result.connections).toBe(0);
  }, 60_000);

  it.each([
    ['replay into staging', ['replay', '--target', 'aws', '--environment', 'staging', '--records', '10', '--max-attempts', '1', '--deadline', '5']],
    ['replay into prod with --allow-prod-replay', ['replay', '--target', 'aws', '--environment', 'prod', '--allow-prod-replay', '--records', '10', '--max-attempts', '1', '--deadline', '5']],
    ['run in staging', ['run', '--target', 'aws', '--environment', 'staging', '--records', '10', '--report-dir', os.tmpdir()]],
  ])('(control) %s does reach the recorder', async (_what, args) => {
    const result = await cli(args);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.connections).toBeGreaterThan(0);
  }, 60_000);
});
