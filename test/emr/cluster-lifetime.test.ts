import { RunJobFlowCommand } from '@aws-sdk/client-emr';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEmrRunInputs } from '../../src/emr/run-inputs';
import { runKpisOnEmr } from '../../src/emr/run-kpis';
import { fakeAccount } from '../previews/fake-account';

/**
 * A nightly run's cluster on the fake account's timeline (7 minutes to provision, 5 per KPI step):
 * the transient cluster ends with its last KPI step, so whatever validation then says (failed,
 * skipped, or the workflow cancelled during it) nothing the run created is left running, and
 * nothing had to terminate it. Publishing takes no cluster.
 */
const VALIDATION_MS = 6 * 60_000;
const { options } = parseEmrRunInputs({ 'account-id': '123456789012', 'region': 'eu-west-1', 'scripts-version': 'abc', 'jobs': 'all', 'subnet-id': 'subnet-0abc1234def567890' }, {}, {});
let account: ReturnType<typeof fakeAccount> | undefined;

afterEach(() => account?.restore());

function nightly(keepAliveAsBefore = false) {
  let now = Date.parse('2026-11-27T03:00:00Z');
  account = fakeAccount({ now: () => now });
  const emr = account.clients.emr;
  if (keepAliveAsBefore) {
    // What `keep-cluster: "true"` sent before publishing moved off the cluster.
    const send = emr.send.bind(emr) as (command: unknown) => Promise<unknown>;
    emr.send = ((command: unknown) => {
      if (command instanceof RunJobFlowCommand) command.input.Instances!.KeepJobFlowAliveWhenNoSteps = true;
      return send(command);
    }) as never;
  }
  const sleep = async (ms: number) => {
    now += ms;
  };
  const deps = { emr, s3: new S3Client({ region: 'eu-west-1' }), clock: () => now, sleep };
  return { account, deps, sleep };
}

describe('a nightly run\'s transient cluster', () => {
  for (const validation of ['failed', 'skipped', 'cancelled'] as const) {
    it(`is gone after the KPI steps when validation is ${validation}, with nothing terminating it`, async () => {
      const { account: a, deps, sleep } = nightly();
      const report = await runKpisOnEmr(options, deps);
      expect(report).toMatchObject({ result: 'completed', createdCluster: true });
      // Validation runs (or is skipped, or the workflow is cancelled during it); no publish follows.
      await sleep(VALIDATION_MS);
      expect(a.runningClusters()).toEqual([]);
      expect(a.calls.filter((c) => c.startsWith('TerminateJobFlows'))).toEqual([]);
      expect(a.clusterMinutes(report.clusterId)).toBe(7 + 3 * 5);
    });
  }

  it('costs the KPI steps alone: cluster-minutes per nightly run, before and after publishing left the cluster', async () => {
    const after = nightly();
    const kept = await runKpisOnEmr(options, after.deps);
    await after.sleep(VALIDATION_MS);
    const minutesAfter = after.account.clusterMinutes(kept.clusterId);
    after.account.restore();

    // Before: the cluster waited for the publish step; a passing run published (2 min) and terminated it, a failed or
    // skipped validation left it WAITING until EMR's idle timeout (the action's default 30 minutes).
    const before = nightly(true);
    const waiting = await runKpisOnEmr(options, before.deps);
    await before.sleep(VALIDATION_MS + 2 * 60_000);
    const beforePassed = before.account.clusterMinutes(waiting.clusterId);
    expect(before.account.runningClusters()).toEqual([waiting.clusterId]);
    await before.sleep(30 * 60_000);
    const beforeFailed = before.account.clusterMinutes(waiting.clusterId);
    expect(before.account.runningClusters()).toEqual([]);

    expect(minutesAfter).toBe(22);
    // The runner notices the last step's end at its next poll, seconds later: the before figure counts that wait too.
    expect(beforePassed).toBeCloseTo(22 + 6 + 2, 0);
    expect(beforeFailed).toBe(22 + 30);
    console.log(`cluster-minutes per nightly run: before ${beforePassed.toFixed(1)} (passed) / ${beforeFailed} (failed or skipped validation); after ${minutesAfter} either way`);
  });
});
