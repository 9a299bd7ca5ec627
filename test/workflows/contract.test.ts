import { describe, expect, it } from 'vitest';
import { asString, condition, interpolate } from './expressions';
import { Job, loadLocalAction, loadWorkflows, Step } from './workflows';
import { PREVIEW_EMR } from '../../infra/config/deploy-environments';
import { DEFAULT_MAX_AGE_HOURS } from '../../src/previews/sweep';

const workflows = loadWorkflows();
const allJobs: [string, Job][] = Object.entries(workflows).flatMap(([file, wf]) =>
  Object.entries(wf.jobs).map(([id, job]): [string, Job] => [`${file}/${id}`, job]));
const allSteps: [string, Step][] = allJobs.flatMap(([id, job]) =>
  job.steps.map((step, i): [string, Step] => [`${id} step ${i + 1} (${step.name ?? step.uses ?? step.run})`, step]));

const LOCAL_ACTION = /^\.\/actions\/[a-z0-9-]+$/;
const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const READ = { contents: 'read' };
const AWS = { 'contents': 'read', 'id-token': 'write' };

describe('workflow set', () => {
  it('is deploy, kpis, pull-request, previews and maintenance, with no projen default workflows', () => {
    expect(Object.keys(workflows).sort()).toEqual(['deploy', 'kpis', 'maintenance', 'previews', 'pull-request']);
  });

  it('grants at most read access at workflow level', () => {
    for (const wf of Object.values(workflows)) expect(wf.permissions ?? {}).toEqual(READ);
  });
});

describe('triggers', () => {
  it('deploy: push to main and a dispatch choosing the environment', () => {
    const on = workflows.deploy.on;
    expect(Object.keys(on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(on.push).toEqual({ branches: ['main'] });
    expect(on.workflow_dispatch?.inputs).toEqual({
      environment: { description: expect.any(String), type: 'choice', required: true, options: ENVIRONMENTS, default: 'staging' },
    });
  });

  it('kpis: a daily UTC schedule and a dispatch with typed inputs', () => {
    const on = workflows.kpis.on;
    expect(Object.keys(on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(on.schedule).toHaveLength(1);
    expect(on.schedule![0].cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
    const inputs = on.workflow_dispatch!.inputs!;
    const shape = Object.fromEntries(Object.entries(inputs).map(([name, i]) => [name, { type: i.type, default: i.default, options: i.options }]));
    expect(shape).toEqual({
      // A dispatch never lands in prod by default; the schedule runs prod.
      environment: { type: 'choice', default: 'staging', options: ENVIRONMENTS },
      from_date: { type: 'string', default: '', options: undefined },
      to_date: { type: 'string', default: '', options: undefined },
      jobs: { type: 'choice', default: 'all', options: ['all', 'sensor_health', 'temp_humidity', 'event_geo'] },
      replay_sample: { type: 'boolean', default: 'false', options: undefined },
      replay_into_prod: { type: 'boolean', default: 'false', options: undefined },
      replay_records: { type: 'number', default: '10000', options: undefined },
      seed: { type: 'string', default: '1', options: undefined },
      cluster_mode: { type: 'choice', default: 'transient', options: ['transient', 'existing'] },
      cluster_id: { type: 'string', default: '', options: undefined },
      instance_type: { type: 'string', default: 'm5.xlarge', options: undefined },
      core_nodes: { type: 'number', default: '2', options: undefined },
      use_spot: { type: 'boolean', default: 'false', options: undefined },
      validate: { type: 'boolean', default: 'true', options: undefined },
      fail_on_warn: { type: 'boolean', default: 'false', options: undefined },
    });
    for (const input of Object.values(inputs)) expect(input.description).not.toBe('');
  });

  it('pull-request: opened, updated, reopened, labelled, unlabelled and closed pull requests', () => {
    const on = workflows['pull-request'].on;
    expect(Object.keys(on)).toEqual(['pull_request']);
    // GitHub docs, "Events that trigger workflows": closed and unlabeled are pull_request activity types (not run by default).
    expect([...on.pull_request!.types].sort()).toEqual(['closed', 'labeled', 'opened', 'reopened', 'synchronize', 'unlabeled']);
  });

  it('previews: a schedule and a dispatch with the maximum age and a dry run', () => {
    const on = workflows.previews.on;
    expect(Object.keys(on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(on.schedule).toHaveLength(1);
    // Every six hours: a preview whose teardown did not run is gone well within a day.
    expect(on.schedule![0].cron).toMatch(/^\d{1,2} \*\/6 \* \* \*$/);
    const inputs = on.workflow_dispatch!.inputs!;
    expect(Object.fromEntries(Object.entries(inputs).map(([name, i]) => [name, { type: i.type, default: i.default }]))).toEqual({
      max_age_hours: { type: 'number', default: String(DEFAULT_MAX_AGE_HOURS) },
      dry_run: { type: 'boolean', default: 'false' },
    });
  });
});

describe('jobs', () => {
  it('have exactly the permissions they need', () => {
    const permissions = Object.fromEntries(allJobs.map(([id, job]) => [id, job.permissions]));
    expect(permissions).toEqual({
      'deploy/test': READ,
      'deploy/deploy-dev': AWS,
      'deploy/deploy-staging': AWS,
      'deploy/deploy-prod': AWS,
      'kpis/plan': READ,
      'kpis/kpis': AWS,
      'kpis/maintain': AWS,
      'maintenance/maintain': AWS,
      'pull-request/test': READ,
      'pull-request/synth': READ,
      'pull-request/local-pipeline': READ,
      // Both keep the one comment about the preview up to date.
      'pull-request/preview': { ...AWS, 'pull-requests': 'write' },
      'pull-request/preview-teardown': { ...AWS, 'pull-requests': 'write' },
      // Reads the pull requests' state, writes nothing on GitHub.
      'previews/sweep': { ...AWS, 'pull-requests': 'read' },
    });
  });

  it('that touch an environment run in its GitHub environment, one at a time, queued, never cancelled', () => {
    const concurrency = Object.fromEntries(allJobs.filter(([, job]) => job.concurrency).map(([id, job]) => [id, job.concurrency]));
    const serial = (group: string) => ({ 'group': group, 'cancel-in-progress': false, 'queue': 'max' });
    expect(concurrency).toEqual({
      'deploy/deploy-dev': serial('deploy-dev'),
      'deploy/deploy-staging': serial('deploy-staging'),
      'deploy/deploy-prod': serial('deploy-prod'),
      'kpis/kpis': serial("kpis-${{ inputs.environment || 'prod' }}"),
      // Maintenance commits to main: never while a KPI run of the environment writes or waits to be published.
      'kpis/maintain': serial("kpis-${{ inputs.environment || 'prod' }}"),
      'maintenance/maintain': serial("kpis-${{ inputs.environment || 'prod' }}"),
      // One run per preview at a time; its teardown cancels it.
      'pull-request/preview': serial('preview-pr-${{ github.event.pull_request.number }}'),
      'pull-request/preview-teardown': { 'group': 'preview-pr-${{ github.event.pull_request.number }}', 'cancel-in-progress': true },
      'previews/sweep': serial('preview-sweep'),
    });
    expect(workflows.deploy.jobs['deploy-prod'].environment).toBe('prod');
    expect(workflows.kpis.jobs.kpis.environment).toBe("${{ inputs.environment || 'prod' }}");
    // Its own GitHub environment, whose reviewers approve each run of pull-request code with AWS credentials.
    expect(workflows['pull-request'].jobs.preview.environment).toBe('preview');
    expect(workflows['pull-request'].jobs['preview-teardown'].environment).toBe('preview-teardown');
    expect(workflows.previews.jobs.sweep.environment).toBe('preview-teardown');
  });

  it('all have a timeout', () => {
    for (const [id, job] of allJobs) expect(job['timeout-minutes'], id).toBeGreaterThan(0);
  });

  it('deploy: prod follows staging on push', () => {
    const prod = workflows.deploy.jobs['deploy-prod'];
    expect(prod.needs).toEqual(['test', 'deploy-staging']);
    expect(prod.if).toContain("needs.deploy-staging.result == 'success'");
  });

  it('kpis: a first job without AWS access checks the dispatch before any credentials, environment or replay', () => {
    const { plan, kpis } = workflows.kpis.jobs;
    expect(plan.permissions).toEqual(READ);
    expect(plan.environment).toBeUndefined();
    expect(plan.steps.some((s) => s.uses?.startsWith('aws-actions/'))).toBe(false);
    expect(plan.steps.find((s) => s.uses === './actions/plan-kpi-run')?.with).toMatchObject({
      'environment': "${{ inputs.environment || 'prod' }}", 'from-date': '${{ inputs.from_date }}', 'to-date': '${{ inputs.to_date }}',
    });
    expect(kpis.needs).toBe('plan');
    const window = kpis.steps.filter((s) => s.with?.['from-date'] !== undefined).map((s) => [s.uses, s.with!['from-date'], s.with!['to-date']]);
    expect(window).toEqual([
      ['./actions/run-emr-kpis', '${{ needs.plan.outputs.from-date }}', '${{ needs.plan.outputs.to-date }}'],
      ['./actions/validate-athena', '${{ needs.plan.outputs.from-date }}', '${{ needs.plan.outputs.to-date }}'],
    ]);
  });

  it("kpis: the maintenance after a dispatched window compacts back to the window's first day", () => {
    const maintain = workflows.kpis.jobs.maintain;
    expect(maintain.if).toContain("inputs.from_date != ''");
    // Only after the backfill was published (GitHub docs, "Contexts": a skipped step's outputs are empty):
    // compaction commits to main, after which an unpublished run could never be fast-forwarded.
    const dispatched = (published: string) => ({
      contexts: { inputs: { from_date: '2026-01-01' }, github: { event_name: 'workflow_dispatch' }, needs: { kpis: { outputs: { 'published-tables': published } } } } as never,
    });
    expect(condition(maintain.if, dispatched('12'))).toBe(true);
    expect(condition(maintain.if, dispatched(''))).toBe(false);
    expect(workflows.kpis.jobs.kpis.outputs).toMatchObject({ 'published-tables': '${{ steps.publish.outputs.published-tables }}' });
    expect(maintain.steps.find((s) => s.run?.includes('clickstream maintain'))?.env).toMatchObject({ COMPACT_DAYS: '${{ needs.plan.outputs.compact-days }}' });
  });

  it('kpis: a scheduled run replays nothing, passes no window and never the prod-replay override', () => {
    // GitHub docs: a scheduled run has an empty inputs context.
    const contexts = { inputs: {}, github: { event_name: 'schedule' }, needs: { plan: { outputs: {} } }, vars: {}, steps: {}, runner: {} };
    const scheduled = { contexts: contexts as never };
    const steps = [...workflows.kpis.jobs.plan.steps, ...workflows.kpis.jobs.kpis.steps];
    const values = (input: string) => steps
      .filter((s) => s.with?.[input] !== undefined)
      .map((s) => asString(interpolate(String(s.with![input]), scheduled)));
    expect(values('allow-prod-replay')).toEqual(['false', 'false']);
    expect(values('replay')).toEqual(['false']);
    expect(values('from-date')).toEqual(['', '', '']);
    const replay = workflows.kpis.jobs.kpis.steps.find((s) => s.uses === './actions/replay-sensor-data')!;
    expect(condition(replay.if, scheduled)).toBe(false);
  });

  it("kpis: with cluster_mode existing no step can terminate the operator's cluster, whatever validation says", () => {
    const operator = 'j-OPERATOR1';
    const contexts = {
      inputs: { cluster_mode: 'existing', cluster_id: operator, environment: 'staging' },
      github: { event_name: 'workflow_dispatch' },
      needs: { plan: { outputs: {} } },
      vars: {},
      runner: { temp: '/tmp' },
      // run-emr-kpis outputs the cluster its steps ran on: here the operator's.
      steps: { kpis: { outputs: { 'cluster-id': operator, 'run-id': 'run_1' } }, validate: { outcome: 'failure' } },
    };
    const dispatched = { contexts: contexts as never };
    const steps = workflows.kpis.jobs.kpis.steps;
    const given = steps.map((step) => ({
      step,
      inputs: Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, asString(interpolate(String(v), dispatched))])),
    }));
    // The cluster id reaches one action only, run-emr-kpis in mode "existing": its post step terminates
    // only a cluster it created (test/actions/run-emr-kpis.test.ts), and it documents cluster-id as never terminated.
    const receivers = given.filter(({ inputs }) => Object.values(inputs).includes(operator));
    expect(receivers.map(({ step, inputs }) => [step.uses, inputs.mode])).toEqual([['./actions/run-emr-kpis', 'existing']]);
    expect(loadLocalAction('./actions/run-emr-kpis')!.inputs!['cluster-id']).toBeDefined();
    // No other local action the job uses takes a cluster, nor any input to end one (the publish step takes no cluster at all).
    for (const step of steps.filter((s) => s.uses?.startsWith('./actions/') && s.uses !== './actions/run-emr-kpis')) {
      const inputs = Object.keys(loadLocalAction(step.uses!)!.inputs ?? {});
      expect(inputs.filter((i) => /cluster|terminate|keep/.test(i)), step.uses).toEqual([]);
    }
    for (const step of steps.filter((s) => s.run)) expect(step.run, step.name).not.toMatch(/terminate|emr /i);
    expect(steps.some((s) => s.with?.['keep-cluster'] !== undefined)).toBe(false);
  });

});

/**
 * Which jobs of the pull-request workflow run for each event, evaluated with GitHub's expression
 * rules over the event's payload (a pull request from this repository; labels as GitHub reports
 * them after the event).
 */
describe('the pull request\'s preview', () => {
  const PR = 42;
  const runs = (action: string, options: { labels?: string[]; label?: string; fork?: boolean } = {}) => {
    const contexts = {
      github: {
        event_name: 'pull_request',
        repository: 'acme/clickstream',
        event: {
          action,
          label: options.label ? { name: options.label } : null,
          pull_request: {
            number: PR,
            labels: (options.labels ?? []).map((name) => ({ name })),
            head: { sha: 'a'.repeat(40), repo: { full_name: options.fork ? 'someone/clickstream' : 'acme/clickstream' } },
            base: { sha: 'b'.repeat(40) },
          },
        },
      },
      inputs: {},
      vars: {},
      steps: {},
      needs: {},
      runner: {},
    };
    return Object.entries(workflows['pull-request'].jobs).filter(([, job]) => condition(job.if, { contexts: contexts as never })).map(([id]) => id).sort();
  };
  const CHECKS = ['local-pipeline', 'synth', 'test'];

  it('runs for the label: deploys, runs and comments on labelling and on each new commit; the checks for new code only', () => {
    expect(runs('opened')).toEqual(CHECKS);
    expect(runs('labeled', { labels: ['run-emr'], label: 'run-emr' })).toEqual(['preview']);
    expect(runs('synchronize', { labels: ['run-emr'] })).toEqual([...CHECKS, 'preview'].sort());
    expect(runs('reopened', { labels: ['run-emr', 'docs'] })).toEqual([...CHECKS, 'preview'].sort());
    // Another label changes nothing; a fork's pull request never gets the preview (no OIDC token).
    expect(runs('labeled', { labels: ['run-emr', 'docs'], label: 'docs' })).toEqual([]);
    expect(runs('synchronize', { labels: ['run-emr'], fork: true })).toEqual(CHECKS);
  });

  it('destroys the preview when the pull request closes or loses the label, and only then', () => {
    expect(runs('closed', { labels: ['run-emr'] })).toEqual(['preview-teardown']);
    expect(runs('unlabeled', { labels: [], label: 'run-emr' })).toEqual(['preview-teardown']);
    expect(runs('unlabeled', { labels: ['run-emr'], label: 'docs' })).toEqual([]);
    // A pull request that never had the label has no preview.
    expect(runs('closed', { labels: ['docs'] })).toEqual([]);
  });

  it('deploys the head commit as pr-<number> with the deploy role, then runs, validates and comments with the run role', () => {
    const steps = workflows['pull-request'].jobs.preview.steps;
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(checkout.with?.ref).toBe('${{ github.event.pull_request.head.sha }}');
    const sequence = steps.filter((s) => s.uses?.startsWith('./actions/') || s.uses?.startsWith('aws-actions/'))
      .map((s) => (s.uses!.startsWith('aws-actions/') ? `credentials ${String(s.with!['role-to-assume'])}` : `${s.uses} ${String(s.with?.environment ?? '')}`));
    const environment = 'pr-${{ github.event.pull_request.number }}';
    expect(sequence).toEqual([
      'credentials ${{ vars.AWS_DEPLOY_ROLE_ARN }}',
      `./actions/deploy-infra ${environment}`,
      'credentials ${{ vars.AWS_RUN_ROLE_ARN }}',
      `./actions/replay-sensor-data ${environment}`,
      `./actions/run-emr-kpis ${environment}`,
      `./actions/validate-athena ${environment}`,
      // Write-audit-publish: the preview's validated run is published in its own warehouse.
      `./actions/publish-kpi-run ${environment}`,
      `./actions/comment-preview ${environment}`,
    ]);
    // The deployment publishes the PR's scripts (ScriptsVersion): nothing is published separately, no version is passed.
    expect(steps.find((s) => s.uses === './actions/run-emr-kpis')!.with).not.toHaveProperty('scripts-version');
    expect(steps.find((s) => s.uses === './actions/run-emr-kpis')!.with).toMatchObject({ 'instance-type': PREVIEW_EMR.instanceType, 'core-instance-count': String(PREVIEW_EMR.coreInstanceCount) });
    // One comment: validate-athena's own is off, the preview's is written whatever happened before it.
    expect(steps.find((s) => s.uses === './actions/validate-athena')!.with!['github-token']).toBe('');
    const comment = steps.find((s) => s.uses === './actions/comment-preview')!;
    expect(comment.if).toBe('always()');
    expect(comment.with).toMatchObject({
      'deploy-outcome': '${{ steps.deploy.outcome }}',
      'kpis-outcome': '${{ steps.kpis.outcome }}',
      'validate-outcome': '${{ steps.validate.outcome }}',
      'publish-outcome': '${{ steps.publish.outcome }}',
      'cluster-id': '${{ steps.kpis.outputs.cluster-id }}',
      // A serverless preview's job runs, whose billed usage the comment prices.
      'application-id': '${{ steps.kpis.outputs.application-id }}',
      'job-run-ids': '${{ steps.kpis.outputs.job-run-ids }}',
      'validation-report': '${{ steps.validate.outputs.report-path }}',
    });
    // An outcome of a step without that id is empty, which the comment would report as "did not run" (GitHub docs, "steps context").
    const before = steps.slice(0, steps.indexOf(comment));
    for (const value of Object.values(comment.with ?? {})) {
      const id = /steps\.([\w-]+)\./.exec(String(value))?.[1];
      if (id) expect(before.map((s) => s.id), `steps.${id}`).toContain(id);
    }
  });

  it("tears down with main's code and the teardown role only", () => {
    const steps = workflows['pull-request'].jobs['preview-teardown'].steps;
    // A closed pull request's merge ref may be gone (actions/checkout#393): the base commit is checked out.
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))!.with?.ref).toBe('${{ github.event.pull_request.base.sha }}');
    expect(steps.filter((s) => s.uses?.startsWith('aws-actions/')).map((s) => s.with!['role-to-assume'])).toEqual(['${{ vars.AWS_TEARDOWN_ROLE_ARN }}']);
    expect(steps.filter((s) => s.uses?.startsWith('./actions/')).map((s) => [s.uses, s.with?.environment])).toEqual([['./actions/teardown-preview', 'pr-${{ github.event.pull_request.number }}']]);
  });

  it('is swept on schedule with the teardown role: a scheduled run takes the default age and is no dry run', () => {
    const sweep = workflows.previews.jobs.sweep.steps.find((s) => s.uses === './actions/sweep-previews')!;
    const scheduled = { contexts: { inputs: {}, github: { event_name: 'schedule' }, vars: {}, steps: {}, needs: {}, runner: {} } as never };
    expect(asString(interpolate(String(sweep.with!['max-age-hours']), scheduled))).toBe(String(DEFAULT_MAX_AGE_HOURS));
    expect(asString(interpolate(String(sweep.with!['dry-run']), scheduled))).toBe('false');
    expect(workflows.previews.jobs.sweep.steps.filter((s) => s.uses?.startsWith('aws-actions/')).map((s) => s.with!['role-to-assume'])).toEqual(['${{ vars.AWS_TEARDOWN_ROLE_ARN }}']);
  });
});

describe('steps', () => {
  it('pass each local action only inputs it declares, and every input it requires', () => {
    const localSteps = allSteps.filter(([, step]) => step.uses?.startsWith('./'));
    expect(localSteps.length).toBeGreaterThan(0);
    for (const [id, step] of localSteps) {
      expect(step.uses, id).toMatch(LOCAL_ACTION);
      const action = loadLocalAction(step.uses!);
      if (!action) expect.fail(`${id}: ${step.uses}/action.yml does not exist`);
      const declared = Object.keys(action.inputs ?? {});
      const passed = Object.keys(step.with ?? {});
      expect(passed.filter((name) => !declared.includes(name)), `${id}: inputs ${step.uses} does not declare`).toEqual([]);
      const required = Object.entries(action.inputs ?? {}).filter(([, i]) => i.required === true && i.default === undefined).map(([name]) => name);
      expect(required.filter((name) => !passed.includes(name)), `${id}: required inputs of ${step.uses} not passed`).toEqual([]);
    }
  });

  it("read only outputs that exist: a needed job's declared outputs, and the outputs an earlier local action's action.yml declares", () => {
    // GitHub docs ("Contexts"): an output that does not exist evaluates to an empty string, silently.
    let checked = 0;
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [jobId, job] of Object.entries(wf.jobs)) {
        const texts = [JSON.stringify(job.steps), JSON.stringify(job.outputs ?? {}), job.if ?? ''].join('\n');
        for (const [, needed, output] of texts.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          checked++;
          expect([job.needs ?? []].flat(), `${file}/${jobId} reads needs.${needed}`).toContain(needed);
          expect(Object.keys(wf.jobs[needed]?.outputs ?? {}), `${file}/${jobId} reads needs.${needed}.outputs.${output}`).toContain(output);
        }
        for (const [, stepId, output] of texts.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          checked++;
          const step = job.steps.find((s) => s.id === stepId);
          expect(step, `${file}/${jobId} reads steps.${stepId}`).toBeDefined();
          if (step?.uses?.startsWith('./')) {
            expect(Object.keys(loadLocalAction(step.uses)?.outputs ?? {}), `${file}/${jobId} reads ${step.uses} output ${output}`).toContain(output);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('expand no inputs or event data inside run scripts', () => {
    for (const [id, step] of allSteps.filter(([, s]) => s.run !== undefined)) {
      expect(step.run, id).not.toMatch(/\$\{\{\s*(inputs\.|github\.event\.|github\.head_ref)/);
    }
  });

  it('pin every third-party action to a full commit', () => {
    for (const [id, step] of allSteps.filter(([, s]) => s.uses && !s.uses.startsWith('./'))) {
      expect(step.uses, id).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    }
  });

  it('build the action bundles before using a local action', () => {
    for (const [id, job] of allJobs) {
      const firstLocal = job.steps.findIndex((s) => s.uses?.startsWith('./actions/'));
      if (firstLocal < 0) continue;
      const bundle = job.steps.findIndex((s) => s.run?.includes('bundle:actions'));
      expect(bundle, `${id}: no bundle:actions step`).toBeGreaterThanOrEqual(0);
      expect(bundle, `${id}: bundle:actions after the first local action`).toBeLessThan(firstLocal);
    }
  });
});
