import type { ClusterState, DescribeClusterCommandOutput, ListStepsCommandOutput, StepState, StepSummary } from '@aws-sdk/client-emr';
import type { ResourceNames } from '../../src/config/names';
import type { KpiStepsOptions } from '../../src/emr/steps';
import type { KpiJobName } from '../../src/kpis/catalog';
import { dayWindow } from '../../src/kpis/day-window';

/** A clock that only moves when the code under test sleeps; every pause is recorded. */
export function fakeTime(start = Date.parse('2026-11-20T06:00:00Z')) {
  const time = {
    now: start,
    sleeps: [] as number[],
    clock: () => time.now,
    sleep: async (ms: number) => {
      time.sleeps.push(ms);
      time.now += ms;
    },
  };
  return time;
}

const meta = { $metadata: {} };

export function cluster(
  state: ClusterState,
  extra: { reason?: { Code?: string; Message?: string }; logUri?: string; hours?: number } = {},
): DescribeClusterCommandOutput {
  return {
    ...meta,
    Cluster: {
      Id: 'j-CLUSTER1',
      Name: 'kpis',
      Status: { State: state, ...(extra.reason ? { StateChangeReason: extra.reason as never } : {}) },
      LogUri: extra.logUri ?? 's3n://clickstream-dev-logs-123456789012/emr/',
      NormalizedInstanceHours: extra.hours ?? 0,
    },
  };
}

export function step(id: string, name: string, state: StepState, extra: Partial<NonNullable<StepSummary['Status']>> = {}): StepSummary {
  return { Id: id, Name: name, Status: { State: state, ...extra } };
}

export function steps(...summaries: StepSummary[]): ListStepsCommandOutput {
  return { ...meta, Steps: summaries };
}

/** The KPI steps of a window run in an environment, as the EMR and EMR Serverless runners take them. */
export function kpiStepsOptions(names: ResourceNames, jobs: readonly KpiJobName[], runId = 'run_20261120T060000_abc123'): KpiStepsOptions {
  return {
    jobs,
    locations: { bronzePath: names.bronzeUri, warehouse: names.warehouseUri, database: names.glueDatabase },
    scope: { kind: 'window', window: dayWindow('2026-11-19', '2026-11-20') },
    run: { runId, asOf: new Date('2026-11-20T06:00:00Z') },
    region: 'eu-west-1',
    scriptsBucket: names.scriptsBucket,
    scriptsVersion: 'abc1234',
  };
}
