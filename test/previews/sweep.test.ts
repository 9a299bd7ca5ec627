import { afterEach, describe, expect, it } from 'vitest';
import { fakeAccount } from './fake-account';
import { renderSweepMarkdown } from '../../src/previews/preview-report';
import { PullRequestState, findPreviews, planSweep, sweepPreviews } from '../../src/previews/sweep';

const NOW = new Date('2026-11-22T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
let account: ReturnType<typeof fakeAccount>;

afterEach(() => account?.restore());

/** An account with previews in every situation the sweep decides on, beside standing environments. */
function populated() {
  account = fakeAccount();
  account.deploy('staging', hoursAgo(2000));
  account.deploy('preview' as never, hoursAgo(2000));
  account.deploy('pr-7', hoursAgo(3)); // open, young
  account.deploy('pr-12', hoursAgo(5)); // closed
  account.deploy('pr-44', hoursAgo(50)); // open, too old
  account.deploy('pr-45', hoursAgo(4)); // state unknown
  account.deploy('pr-46', hoursAgo(60), ['storage']); // unknown and too old: only its storage stack is left
  account.startCluster('pr-31', hoursAgo(1)); // a cluster without stacks: its pull request is gone
  account.startCluster('staging', hoursAgo(1));
  account.stacks.push({ id: 'x', name: 'clickstream-pr-x-storage', status: 'CREATE_COMPLETE' as never, createdAt: hoursAgo(100) });
}

const STATES: Record<number, PullRequestState> = {
  7: { state: 'open' },
  12: { state: 'closed' },
  31: { state: 'missing' },
  44: { state: 'open' },
  45: { state: 'unknown', error: 'HTTP 502' },
  46: { state: 'unknown', error: 'HTTP 502' },
};
const pullRequestState = async (n: number) => STATES[n];

describe('finding previews', () => {
  it('by the names of their stacks and the tags of their running clusters, and nothing else', async () => {
    populated();
    const found = await findPreviews(account.clients);
    expect(found.map((p) => [p.environment, p.stacks.length, p.clusters.length, p.createdAt?.toISOString()])).toEqual([
      ['pr-7', 5, 0, hoursAgo(3).toISOString()],
      ['pr-12', 5, 0, hoursAgo(5).toISOString()],
      ['pr-31', 0, 1, hoursAgo(1).toISOString()],
      ['pr-44', 5, 0, hoursAgo(50).toISOString()],
      ['pr-45', 5, 0, hoursAgo(4).toISOString()],
      ['pr-46', 1, 0, hoursAgo(60).toISOString()],
    ]);
  });
});

describe('deciding', () => {
  it('destroys closed, missing and too old previews; keeps open young ones and never destroys on an unknown state alone', async () => {
    populated();
    const decisions = await planSweep(await findPreviews(account.clients), { pullRequestState, now: NOW, maxAgeHours: 48 });
    expect(decisions.map((d) => [d.preview.environment, d.remove, d.reason])).toEqual([
      ['pr-7', false, 'kept: pull request #7 is open, 3 h old'],
      ['pr-12', true, 'pull request #12 is closed (5 h old)'],
      ['pr-31', true, 'pull request #31 does not exist (1 h old)'],
      ['pr-44', true, '50 h old, more than 48 h (pull request #44 is open)'],
      ['pr-45', false, 'kept: the state of pull request #45 could not be read (HTTP 502); 4 h old'],
      ['pr-46', true, '60 h old, more than 48 h (pull request #46 is unknown)'],
    ]);
  });

  it('keeps a too old preview of an open pull request while its run is in progress, and destroys it once the run is over', async () => {
    account = fakeAccount();
    account.deploy('pr-44', hoursAgo(50));
    const cluster = account.startCluster('pr-44', hoursAgo(0.5));
    cluster.state = 'RUNNING';
    const busy = await planSweep(await findPreviews(account.clients), { pullRequestState, now: NOW });
    expect(busy.map((d) => [d.remove, d.reason])).toEqual([[false, `kept: pull request #44 is open and its run is in progress (cluster ${cluster.id} RUNNING); 50 h old`]]);

    cluster.state = 'TERMINATED';
    account.stacks.find((s) => s.name === 'clickstream-pr-44-compute')!.status = 'UPDATE_IN_PROGRESS' as never;
    const deploying = await planSweep(await findPreviews(account.clients), { pullRequestState, now: NOW });
    expect(deploying.map((d) => d.reason)).toEqual(['kept: pull request #44 is open and its run is in progress (clickstream-pr-44-compute UPDATE_IN_PROGRESS); 50 h old']);

    account.stacks.find((s) => s.name === 'clickstream-pr-44-compute')!.status = 'UPDATE_COMPLETE' as never;
    const idle = await planSweep(await findPreviews(account.clients), { pullRequestState, now: NOW });
    expect(idle.map((d) => [d.remove, d.reason])).toEqual([[true, '50 h old, more than 48 h (pull request #44 is open)']]);
  });

  it('takes another maximum age, and refuses one that is not a positive number', async () => {
    populated();
    const found = await findPreviews(account.clients);
    const decisions = await planSweep(found, { pullRequestState, now: NOW, maxAgeHours: 2 });
    expect(decisions.find((d) => d.preview.environment === 'pr-7')!.reason).toBe('3 h old, more than 2 h (pull request #7 is open)');
    await expect(planSweep(found, { pullRequestState, now: NOW, maxAgeHours: 0 })).rejects.toThrow('The maximum age of a preview must be a positive number of hours, got 0.');
  });
});

describe('sweeping', () => {
  it('destroys what it decided to, reports it, and leaves the rest and the standing environments alone', async () => {
    populated();
    const report = await sweepPreviews({ ...account.clients, region: 'eu-west-1', pullRequestState, now: NOW, teardown: { pollSeconds: { min: 0.01, max: 0.01 } } });

    expect(report.complete).toBe(true);
    expect(report.teardowns.map((t) => [t.environment, t.result])).toEqual([['pr-12', 'removed'], ['pr-31', 'removed'], ['pr-44', 'removed'], ['pr-46', 'removed']]);
    const live = account.liveStacks();
    expect(live.filter((s) => /pr-(12|44|46)-/.test(s))).toEqual([]);
    expect(live.filter((s) => /pr-(7|45)-/.test(s))).toHaveLength(10);
    expect(live.filter((s) => s.startsWith('clickstream-staging-') || s === 'clickstream-preview-ci' || s === 'clickstream-pr-x-storage')).toHaveLength(8);
    expect(account.clusters.map((c) => [c.tags['clickstream:environment'], c.state])).toEqual([['pr-31', 'TERMINATED'], ['staging', 'WAITING']]);

    const markdown = renderSweepMarkdown(report);
    expect(markdown).toContain('6 preview(s) found; 4 destroyed');
    expect(markdown).toContain('| `pr-12` | 5 | 0 | destroyed: pull request #12 is closed (5 h old) |');
    expect(markdown).toContain('| `pr-7` | 5 | 0 | kept: pull request #7 is open, 3 h old |');
    expect(markdown).toContain('### Preview `pr-31` destroyed');

    // The next sweep finds only what it kept.
    const next = await sweepPreviews({ ...account.clients, region: 'eu-west-1', pullRequestState, now: NOW });
    expect(next.decisions.map((d) => d.preview.environment)).toEqual(['pr-7', 'pr-45']);
    expect(next.teardowns).toEqual([]);
  });

  it('in a dry run, only reports', async () => {
    populated();
    const before = account.liveStacks();
    const report = await sweepPreviews({ ...account.clients, region: 'eu-west-1', pullRequestState, now: NOW, dryRun: true });
    expect(report.teardowns).toEqual([]);
    expect(account.liveStacks()).toEqual(before);
    expect(account.calls).toEqual([]);
    expect(renderSweepMarkdown(report)).toContain('| `pr-12` | 5 | 0 | would destroy: pull request #12 is closed (5 h old) |');
  });
});
