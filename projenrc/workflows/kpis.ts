import { github } from 'projen';
import { MAINTENANCE_INPUT_DEFAULTS, maintenanceJob } from './maintenance';
import { AWS_PERMISSIONS, awsCredentials, awsPipelineSteps, checkoutAndBundle, concurrency, DISPATCH_DEFAULT_ENVIRONMENT, githubEnvironmentOf, newWorkflow, READ_CONTENTS, RUNS_ON, SCHEDULED_ENVIRONMENT, TIMEOUTS } from './steps';
import { DEPLOY_ENVIRONMENTS } from '../../infra/config/deploy-environments';
import { KPI_JOBS } from '../../src/kpis/catalog';

/** The daily KPI run: 03:30 UTC, once Firehose has flushed yesterday's last buffers. */
const KPI_SCHEDULE = '30 3 * * *';

/** The plan-kpi-run outputs the kpis job reads. */
const plan = (output: string) => `\${{ needs.plan.outputs.${output} }}`;

/**
 * Daily and dispatchable KPI runs on EMR. A first job without AWS access checks the dispatch's
 * settings (plan-kpi-run), so bad dates fail before any environment, approval or credential is
 * involved. Scheduled runs have no inputs: prod, every job, no window (incremental).
 */
export function addKpisWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'kpis');
  workflow.on({
    schedule: [{ cron: KPI_SCHEDULE }],
    workflowDispatch: {
      inputs: KPI_DISPATCH_INPUTS,
    },
  });
  // Scheduled runs have an empty inputs context, so the fallback is the scheduled environment.
  const environment = `\${{ inputs.environment || '${githubEnvironmentOf(SCHEDULED_ENVIRONMENT)}' }}`;
  const replayInputs: ReplayInputs = { replay: "${{ inputs.replay_sample && 'true' || 'false' }}", allowProdReplay: "${{ inputs.replay_into_prod && 'true' || 'false' }}" };
  workflow.addJobs({
    plan: planJob(environment, replayInputs),
    kpis: kpisJob(environment, replayInputs),
    // A dispatched window is a backfill: it rewrote many partitions at once, so maintenance follows.
    // Its compaction reaches back to the window's first day, however old (plan-kpi-run's compact-days).
    // Only once the backfill is published: compaction commits to main, after which an unpublished run
    // (validate off, or held back) could never be fast-forwarded.
    maintain: maintenanceJob({
      environment,
      needs: ['plan', 'kpis'],
      if: "success() && github.event_name == 'workflow_dispatch' && inputs.from_date != '' && needs.kpis.outputs.published-tables != ''",
      retentionDays: MAINTENANCE_INPUT_DEFAULTS.retentionDays,
      compactDays: plan('compact-days'),
    }),
  });
}

/** The dispatch form's settings; a scheduled run has none (the fallbacks below are its settings). */
const KPI_DISPATCH_INPUTS: Record<string, github.workflows.WorkflowDispatchInput> = {
  environment: { description: 'Environment to run in', type: 'choice', required: true, options: [...DEPLOY_ENVIRONMENTS], default: DISPATCH_DEFAULT_ENVIRONMENT },
  from_date: { description: 'First UTC day (YYYY-MM-DD), with to_date; empty: the replayed days, else an incremental run', type: 'string', required: false, default: '' },
  to_date: { description: 'Last UTC day, inclusive (YYYY-MM-DD), with from_date', type: 'string', required: false, default: '' },
  jobs: { description: 'KPI jobs to run', type: 'choice', required: true, options: ['all', ...Object.keys(KPI_JOBS)], default: 'all' },
  replay_sample: { description: 'Replay generated sample events into the stream first (validated exactly)', type: 'boolean', required: false, default: 'false' },
  replay_into_prod: { description: 'Allow replay_sample into prod (refused otherwise: generated events would count in its KPIs)', type: 'boolean', required: false, default: 'false' },
  replay_records: { description: 'Events to replay', type: 'number', required: false, default: '10000' },
  seed: { description: 'Generator seed of the replay', type: 'string', required: false, default: '1' },
  cluster_mode: { description: 'Start a transient cluster or add steps to an existing one', type: 'choice', required: true, options: ['transient', 'existing'], default: 'transient' },
  cluster_id: { description: 'Existing cluster (j-...), with cluster_mode existing', type: 'string', required: false, default: '' },
  instance_type: { description: 'EC2 instance type of a transient cluster', type: 'string', required: false, default: 'm5.xlarge' },
  core_nodes: { description: 'Core nodes of a transient cluster', type: 'number', required: false, default: '2' },
  use_spot: { description: 'Core nodes on spot', type: 'boolean', required: false, default: 'false' },
  validate: { description: 'Validate the tables through Athena', type: 'boolean', required: false, default: 'true' },
  fail_on_warn: { description: 'Fail on warn-level checks too', type: 'boolean', required: false, default: 'false' },
};

/** The replay inputs as the 'true'/'false' strings actions take. */
interface ReplayInputs {
  readonly replay: string;
  readonly allowProdReplay: string;
}

/** Checks the dispatch's settings without AWS access (plan-kpi-run), so bad dates fail before any approval or credential. */
function planJob(environment: string, replayInputs: ReplayInputs): github.workflows.Job {
  return {
    name: 'Check the run\'s settings',
    runsOn: RUNS_ON,
    permissions: READ_CONTENTS,
    timeoutMinutes: TIMEOUTS.plan,
    outputs: {
      'from-date': { stepId: 'plan', outputName: 'from-date' },
      'to-date': { stepId: 'plan', outputName: 'to-date' },
      'jobs': { stepId: 'plan', outputName: 'jobs' },
      'tables': { stepId: 'plan', outputName: 'tables' },
      'compact-days': { stepId: 'plan', outputName: 'compact-days' },
    },
    steps: [
      ...checkoutAndBundle(),
      {
        name: 'Check the environment, dates, jobs and replay',
        id: 'plan',
        uses: './actions/plan-kpi-run',
        with: {
          'environment': environment,
          'from-date': '${{ inputs.from_date }}',
          'to-date': '${{ inputs.to_date }}',
          'jobs': "${{ inputs.jobs || 'all' }}",
          'replay': replayInputs.replay,
          'allow-prod-replay': replayInputs.allowProdReplay,
        },
      },
    ],
  };
}

/** The KPI run itself: optional replay, EMR steps, validation through Athena, publication. */
function kpisJob(environment: string, replayInputs: ReplayInputs): github.workflows.Job {
  return {
    name: 'KPIs on EMR',
    needs: ['plan'],
    runsOn: RUNS_ON,
    environment,
    // Two runs never write one environment's tables at once.
    concurrency: concurrency(`kpis-${environment}`),
    permissions: AWS_PERMISSIONS,
    timeoutMinutes: TIMEOUTS.awsPipeline,
    outputs: {
      // Empty unless the publish step ran and succeeded.
      'published-tables': { stepId: 'publish', outputName: 'published-tables' },
    },
    steps: [
      ...checkoutAndBundle(),
      awsCredentials('run'),
      ...awsPipelineSteps({
        environment,
        replayIf: 'inputs.replay_sample',
        replay: { records: "${{ inputs.replay_records || '10000' }}", seed: "${{ inputs.seed || '1' }}", allowProdReplay: replayInputs.allowProdReplay },
        fromDate: plan('from-date'),
        toDate: plan('to-date'),
        jobs: plan('jobs'),
        tables: plan('tables'),
        cluster: {
          'mode': "${{ inputs.cluster_mode || 'transient' }}",
          'cluster-id': '${{ inputs.cluster_id }}',
          'instance-type': "${{ inputs.instance_type || 'm5.xlarge' }}",
          'core-instance-count': "${{ inputs.core_nodes || '2' }}",
          'use-spot': "${{ inputs.use_spot && 'true' || 'false' }}",
        },
        // A scheduled run has no inputs and always validates.
        validateIf: "github.event_name == 'schedule' || inputs.validate",
        failOnWarn: "${{ inputs.fail_on_warn && 'true' || 'false' }}",
        artifactName: `kpi-reports-${environment}-\${{ github.run_id }}`,
      }),
    ],
  };
}
