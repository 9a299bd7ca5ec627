import { github } from 'projen';
import { JobPermission } from 'projen/lib/github/workflows-model';
import { AWS_PERMISSIONS, awsCredentials, checkoutAndBundle, concurrency, newWorkflow, RUNS_ON, TIMEOUTS } from './steps';
import { PREVIEW_TEARDOWN_ENVIRONMENT } from '../../infra/config/github-environments';
import { DEFAULT_MAX_AGE_HOURS } from '../../src/previews/sweep';

/**
 * When the sweep of previews runs: every six hours, so a preview whose close event's teardown did not
 * run (a cancelled job, a failed teardown) is gone well within a day.
 */
const PREVIEW_SWEEP_SCHEDULE = '40 */6 * * *';

/**
 * Every six hours, and by hand: destroys the previews whose pull request is closed (or gone), or
 * that are older than `max_age_hours`, found by their stacks' names and their clusters' tags, and
 * reports what it removed. A scheduled run has no inputs: the default age.
 */
export function addPreviewsWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'previews');
  workflow.on({
    schedule: [{ cron: PREVIEW_SWEEP_SCHEDULE }],
    workflowDispatch: {
      inputs: {
        max_age_hours: { description: 'Destroy previews older than this many hours, whatever their pull request', type: 'number', required: false, default: String(DEFAULT_MAX_AGE_HOURS) },
        dry_run: { description: 'Only report what would be destroyed', type: 'boolean', required: false, default: 'false' },
      },
    },
  });
  workflow.addJobs({
    sweep: {
      name: 'Sweep preview environments',
      runsOn: RUNS_ON,
      environment: PREVIEW_TEARDOWN_ENVIRONMENT,
      concurrency: concurrency('preview-sweep'),
      // Reading pull requests' state is all the GitHub token does here.
      permissions: { ...AWS_PERMISSIONS, pullRequests: JobPermission.READ },
      timeoutMinutes: TIMEOUTS.teardown,
      steps: [
        ...checkoutAndBundle(),
        awsCredentials('teardown'),
        {
          name: 'Destroy previews whose pull request is closed or that are too old',
          uses: './actions/sweep-previews',
          with: {
            'region': '${{ vars.AWS_REGION }}',
            'max-age-hours': `\${{ inputs.max_age_hours || '${DEFAULT_MAX_AGE_HOURS}' }}`,
            'dry-run': "${{ inputs.dry_run && 'true' || 'false' }}",
          },
        },
      ],
    },
  });
}
