import { describe, expect, it } from 'vitest';
import { asString, condition, interpolate } from './expressions';
import { Job, loadLocalAction, loadWorkflows, Step } from './workflows';

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
  it('is deploy, kpis and pull-request, with no projen default workflows', () => {
    expect(Object.keys(workflows).sort()).toEqual(['deploy', 'kpis', 'pull-request']);
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

  it('pull-request: opened, updated, reopened and labelled pull requests', () => {
    const on = workflows['pull-request'].on;
    expect(Object.keys(on)).toEqual(['pull_request']);
    expect([...on.pull_request!.types].sort()).toEqual(['labeled', 'opened', 'reopened', 'synchronize']);
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
      'pull-request/test': READ,
      'pull-request/synth': READ,
      'pull-request/local-pipeline': READ,
      'pull-request/emr': { ...AWS, 'pull-requests': 'write' },
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
      // The same group as a kpis run on staging: both write staging's tables.
      'pull-request/emr': serial('kpis-staging'),
    });
    expect(workflows.deploy.jobs['deploy-prod'].environment).toBe('prod');
    expect(workflows.kpis.jobs.kpis.environment).toBe("${{ inputs.environment || 'prod' }}");
    // Its own GitHub environment, whose reviewers approve each run of pull-request code on staging.
    expect(workflows['pull-request'].jobs.emr.environment).toBe('staging-pr');
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

  it('pull-request: the EMR job runs only for the run-emr label', () => {
    expect(workflows['pull-request'].jobs.emr.if).toContain("contains(github.event.pull_request.labels.*.name, 'run-emr')");
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
