import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bronzeReadFromEventLogs } from '../../src/cost/spark-event-log';

/**
 * The lines Spark 3.5's event log writes for a SQL execution that scans files (the shapes the
 * parser reads; their fields as a real log of the warm Spark shows them): its start with the plan
 * and the session's modified settings, then the scan's driver metrics.
 */
function execution(id: number, time: number, request: string | undefined, location: string, bytes: number, files: number): string[] {
  const size = 1000 + id * 2;
  const count = size + 1;
  return [
    JSON.stringify({
      Event: 'org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart',
      executionId: id,
      time,
      modifiedConfigs: request ? { 'spark.clickstream.request': request } : {},
      sparkPlanInfo: {
        nodeName: 'Project',
        children: [{
          nodeName: 'Scan parquet ',
          metadata: { Location: `InMemoryFileIndex(1 paths)[${location}]` },
          metrics: [{ name: 'size of files read', accumulatorId: size }, { name: 'number of files read', accumulatorId: count }],
        }],
      },
    }),
    JSON.stringify({ Event: 'org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates', executionId: id, accumUpdates: [[size, bytes], [count, files]] }),
  ];
}

describe('what Spark read from bronze, from its event log', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-event-log-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bronze = 's3://clickstream-pr-7-bronze/events/';
  // One long-lived application (the warm Spark): run A's request, run B's request, and a scan of something else.
  fs.writeFileSync(path.join(dir, 'local-1.inprogress'), [
    ...execution(1, 1_000, 'request-1', 's3://clickstream-pr-7-bronze/events/year=2026', 500, 2),
    ...execution(2, 2_000, 'request-2', 's3://clickstream-pr-7-bronze/events/year=2026', 70, 1),
    ...execution(3, 2_500, 'request-2', 's3://clickstream-pr-7-warehouse/warehouse/x', 9_999, 9),
  ].join('\n') + '\n');

  it('counts only the bronze scans of the run\'s own requests', async () => {
    expect(await bronzeReadFromEventLogs({ dir, since: 0, requests: ['request-1'], bronzeUri: bronze }))
      .toEqual({ bytes: 500, files: 2, applications: ['local-1'] });
    expect(await bronzeReadFromEventLogs({ dir, since: 0, requests: ['request-2'], bronzeUri: bronze }))
      .toEqual({ bytes: 70, files: 1, applications: ['local-1'] });
  });

  it('without requests (a spark-submit of its own), counts the executions started within the run\'s stage', async () => {
    expect((await bronzeReadFromEventLogs({ dir, since: 0, bronzeUri: bronze }))?.bytes).toBe(570);
    expect((await bronzeReadFromEventLogs({ dir, since: 1_500, bronzeUri: bronze }))?.bytes).toBe(70);
    expect((await bronzeReadFromEventLogs({ dir, since: 0, until: 1_500, bronzeUri: bronze }))?.bytes).toBe(500);
  });

  it('says nothing when no execution of the run was logged', async () => {
    expect(await bronzeReadFromEventLogs({ dir, since: 0, requests: ['request-9'], bronzeUri: bronze })).toBeUndefined();
  });
});
