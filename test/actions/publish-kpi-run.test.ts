import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fakeActionIo } from './action-io';
import { run } from '../../actions/publish-kpi-run/run';
import { PublishRunOptions } from '../../src/kpis/publisher';

const cfMock = mockClient(CloudFormationClient);
const cloudFormation = () => new CloudFormationClient({ region: 'eu-west-1' });

/** The staging stacks' outputs: buckets and the database the run is published in. */
const STAGING: Record<string, Record<string, string>> = {
  'clickstream-staging-storage': Object.fromEntries(['BronzeBucket', 'WarehouseBucket', 'ScriptsBucket', 'LogsBucket', 'AthenaResultsBucket'].map((key) => [key, `staging-${key.toLowerCase()}`])),
  'clickstream-staging-catalog': { GlueDatabase: 'analytics_staging_kpis' },
};

beforeEach(() => {
  cfMock.reset();
  // DescribeStacks as CloudFormation answers it: "does not exist" for a stack that is not deployed.
  cfMock.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const outputs = STAGING[input.StackName];
    if (!outputs) throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { name: 'ValidationError' });
    return { Stacks: [{ StackName: input.StackName, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
  });
});

describe('publish-kpi-run', () => {
  it('declares node24 and the inputs and output it uses', () => {
    const action = parse(fs.readFileSync(path.join(__dirname, '../../actions/publish-kpi-run/action.yml'), 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.js' });
    expect(Object.keys(action.inputs)).toEqual(['environment', 'region', 'run-id', 'python']);
    expect(Object.keys(action.outputs)).toEqual(['published-tables']);
  });

  it("publishes the run into the environment's database, with the output and the summary", async () => {
    const { io, record } = fakeActionIo('publish-kpi-run', { 'environment': 'staging', 'run-id': 'gh-4242-1' });
    const asked: PublishRunOptions[] = [];
    await run(io, {
      createCloudFormation: cloudFormation,
      env: { AWS_REGION: 'eu-west-1' },
      publish: async (options) => {
        asked.push(options);
        options.log?.('published sensor_health');
        return { runId: 'gh-4242-1', branch: 'audit_gh-4242-1', published: [{ table: 'sensor_health', snapshot: '7731' }, { table: 'event_geo_kpis_events', snapshot: '7732' }] };
      },
    });
    expect(record.failures).toEqual([]);
    expect(asked.map(({ python, database, runId, region }) => ({ python, database, runId, region })))
      .toEqual([{ python: 'python3', database: 'analytics_staging_kpis', runId: 'gh-4242-1', region: 'eu-west-1' }]);
    expect(record.logs).toEqual(['published sensor_health']);
    expect(record.outputs).toEqual({ 'published-tables': '2' });
    expect(record.summary).toContain('### ✅ KPI run `gh-4242-1` published');
    expect(record.summary).toContain('Main of 2 tables now holds the run (branch `audit_gh-4242-1` removed).');
    expect(record.summary).toContain('| sensor_health | `7731` |');
  });

  it('names every invalid input at once, before any AWS call', async () => {
    const { io, record } = fakeActionIo('publish-kpi-run', { 'environment': 'local', 'run-id': 'run 1' });
    await run(io, { createCloudFormation: cloudFormation, env: {}, publish: async () => { throw new Error('not called'); } });
    expect(record.failures).toEqual([[
      'Invalid inputs:',
      '- environment: must be a deployed environment: dev, staging, prod or a preview pr-<number>, got "local".',
      '- run-id: A run id is 1 to 64 letters, digits, _ or -, got "run 1".',
      '- region: no region given and AWS_REGION is not set.',
    ].join('\n')]);
    expect(record.outputs).toEqual({});
    expect(cfMock.calls()).toHaveLength(0);
  });
});
