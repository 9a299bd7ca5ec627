import { github } from 'projen';
import { Job } from 'projen/lib/github/workflows-model';
import {
  AWS_PERMISSIONS, awsCredentials, checkoutAndBundle, concurrency, githubEnvironmentOf, newWorkflow, RUNS_ON, SCHEDULED_ENVIRONMENT, TIMEOUTS,
} from './steps';
import { DEPLOY_ENVIRONMENTS } from '../../infra/config/deploy-environments';
import { MAINTENANCE_DEFAULTS } from '../../src/maintenance/options';

/** Weekly, Sunday 05:30 UTC: two hours after the nightly KPI run started, which it queues behind. */
const MAINTENANCE_SCHEDULE = '30 5 * * 0';

/** The maintenance job's settings (expressions or literals); blank ones take the command's defaults. */
export interface MaintenanceJobOptions {
  /** The GitHub environment, named after the deployed environment whose tables are maintained. */
  readonly environment: string;
  readonly needs?: string[];
  readonly if?: string;
  readonly retentionDays: string;
  readonly compactDays: string;
}

/**
 * Table maintenance as one EMR step, or one EMR Serverless job run when the environment's compute
 * stack says so (`clickstream maintain --target aws`): compaction of recent
 * partitions, manifests, snapshot expiry (abandoned audit branches first) and orphan files, on
 * every table the jobs keep. It shares the KPI runs' concurrency group: compaction commits to
 * `main`, and a run whose audit branch was cut before it would then refuse to publish, so
 * maintenance never runs while a KPI run writes or waits to be published.
 */
export function maintenanceJob(o: MaintenanceJobOptions): Job {
  return {
    name: 'Table maintenance on EMR',
    ...(o.needs ? { needs: o.needs } : {}),
    ...(o.if ? { if: o.if } : {}),
    runsOn: RUNS_ON,
    environment: o.environment,
    concurrency: concurrency(`kpis-${o.environment}`),
    permissions: AWS_PERMISSIONS,
    timeoutMinutes: TIMEOUTS.maintenance,
    steps: [
      ...checkoutAndBundle(),
      awsCredentials('run'),
      {
        name: 'Compact, expire snapshots and remove orphan files (one EMR step)',
        // Names, roles and the scripts version come from the environment's stack outputs.
        run: 'npx clickstream maintain --target aws --environment "$ENVIRONMENT" --retention-days "$RETENTION_DAYS" --compact-days "$COMPACT_DAYS"',
        env: {
          ENVIRONMENT: o.environment,
          AWS_REGION: '${{ vars.AWS_REGION }}',
          RETENTION_DAYS: o.retentionDays,
          COMPACT_DAYS: o.compactDays,
        },
      },
    ],
  };
}

/** The command's defaults, as the scheduled run (which has no inputs) passes them. */
export const MAINTENANCE_INPUT_DEFAULTS = {
  retentionDays: String(MAINTENANCE_DEFAULTS.retentionDays),
  compactDays: String(MAINTENANCE_DEFAULTS.compactDays),
} as const;

/**
 * Weekly and dispatchable table maintenance. The kpis workflow also runs {@link maintenanceJob}
 * after a dispatched window (a backfill), which rewrites many partitions at once.
 */
export function addMaintenanceWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'maintenance');
  workflow.on({
    schedule: [{ cron: MAINTENANCE_SCHEDULE }],
    workflowDispatch: {
      inputs: {
        environment: { description: 'Environment whose tables to maintain', type: 'choice', required: true, options: [...DEPLOY_ENVIRONMENTS], default: SCHEDULED_ENVIRONMENT },
        retention_days: { description: 'Expire snapshots older than this many days', type: 'number', required: false, default: MAINTENANCE_INPUT_DEFAULTS.retentionDays },
        compact_days: { description: 'Compact the partitions of this many recent days', type: 'number', required: false, default: MAINTENANCE_INPUT_DEFAULTS.compactDays },
      },
    },
  });
  workflow.addJobs({
    maintain: maintenanceJob({
      // Scheduled runs have an empty inputs context: the scheduled environment and the defaults.
      environment: `\${{ inputs.environment || '${githubEnvironmentOf(SCHEDULED_ENVIRONMENT)}' }}`,
      retentionDays: `\${{ inputs.retention_days || '${MAINTENANCE_INPUT_DEFAULTS.retentionDays}' }}`,
      compactDays: `\${{ inputs.compact_days || '${MAINTENANCE_INPUT_DEFAULTS.compactDays}' }}`,
    }),
  });
}
