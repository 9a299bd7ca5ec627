import { describe, expect, it } from 'vitest';
import { StageReport } from '../../src/pipeline/stages';
import { stageTimeline } from '../../src/report/charts';

const stage = (name: string, startedAt: string | undefined, durationMs: number, status: StageReport['status'] = 'succeeded'): StageReport =>
  ({ name, status, startedAt, durationMs, counts: {}, summary: '' });

describe('the stage timeline', () => {
  it('draws each stage from its recorded start, so the replay and the landing beside it overlap', () => {
    const chart = stageTimeline({
      target: 'local',
      startedAt: '2026-11-24T10:00:00.000Z',
      durationMs: 60_000,
      outcome: 'failed',
      stages: [
        stage('stack', '2026-11-24T10:00:00.000Z', 20_000),
        stage('replay', '2026-11-24T10:00:20.000Z', 2_400),
        stage('land', '2026-11-24T10:00:20.010Z', 2_700),
        stage('kpis', '2026-11-24T10:00:22.800Z', 1_000, 'failed'),
        stage('validate', undefined, 0, 'skipped'),
      ],
      peakMemoryBytes: {},
      stack: { startedByRun: true, stoppedAtEnd: true },
    })!;
    const values = (chart.spec as { data: { values: Array<{ stage: string; start: number; end: number }> } }).data.values;
    expect(values.map((v) => [v.stage, v.start, v.end])).toEqual([
      ['stack', 0, 20], ['replay', 20, 22.4], ['land', 20.01, 22.71], ['kpis', 22.8, 23.8],
      // A skipped stage never started: it sits where the last one ended.
      ['validate', 23.8, 23.8],
    ]);
  });
});
