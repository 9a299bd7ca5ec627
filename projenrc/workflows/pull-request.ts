import { github } from 'projen';
import { Job, JobPermission } from 'projen/lib/github/workflows-model';
import { AWS_PERMISSIONS, awsCredentials, awsPipelineSteps, checkoutAndBundle, concurrency, localToolchain, newWorkflow, PREVIEW_ENVIRONMENT, READ_CONTENTS, RUN_EMR_LABEL, RUNS_ON, testJob, TIMEOUTS, uploadArtifact } from './steps';
import { PREVIEW_EMR } from '../../infra/config/deploy-environments';
import { PREVIEW_TEARDOWN_ENVIRONMENT, PULL_REQUEST_RUN_ENVIRONMENT } from '../../infra/config/github-environments';
import { PREVIEW_PREFIX } from '../../src/config/names';

/** The pull request event's payload, as job conditions read it. */
const PR = {
  action: 'github.event.action',
  labelled: `contains(github.event.pull_request.labels.*.name, '${RUN_EMR_LABEL}')`,
  // Only same-repository pull requests get an OIDC token (forks get a read-only token).
  sameRepository: 'github.event.pull_request.head.repo.full_name == github.repository',
} as const;

/**
 * Checks without AWS, the local end-to-end run, and, with the label `run-emr`, the run in the pull
 * request's own preview environment `pr-<number>`: deployed with its own code, run, validated and
 * commented on; destroyed when the pull request closes or loses the label.
 */
export function addPullRequestWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'pull-request');
  // GitHub docs, "Events that trigger workflows": closed and unlabeled are pull_request activity types.
  workflow.on({ pullRequest: { types: ['opened', 'synchronize', 'reopened', 'labeled', 'unlabeled', 'closed'] } });
  // The checks run for new code only; labels and closing change no code.
  const newCode = `contains(fromJSON('["opened","synchronize","reopened"]'), ${PR.action})`;
  workflow.addJobs({
    'test': { ...testJob(), if: newCode },
    'synth': {
      name: 'CDK synth with cdk-nag',
      if: newCode,
      runsOn: RUNS_ON,
      permissions: READ_CONTENTS,
      timeoutMinutes: TIMEOUTS.checks,
      steps: [...checkoutAndBundle(), { name: 'Synthesize (cdk-nag findings fail it)', run: 'npx cdk synth -q' }],
    },
    'local-pipeline': {
      name: 'Pipeline on sample data (local target)',
      if: newCode,
      runsOn: RUNS_ON,
      permissions: READ_CONTENTS,
      timeoutMinutes: TIMEOUTS.localPipeline,
      steps: [
        ...checkoutAndBundle(),
        ...localToolchain(),
        { name: 'Run the pipeline end to end on the committed sample', run: 'npx clickstream run --sample --json' },
        {
          name: 'Write the report to the job summary',
          if: 'always()',
          run: 'for report in reports/*.md; do [ -f "$report" ] && cat "$report" >> "$GITHUB_STEP_SUMMARY"; done; true',
        },
        uploadArtifact('local-pipeline-reports-${{ github.run_id }}', ['reports/']),
        { name: 'Stop the embedded stack', if: 'always()', run: 'npx clickstream down' },
      ],
    },
    'preview': previewJob(newCode),
    'preview-teardown': previewTeardownJob(),
  });
}

/**
 * The labelled run, in the pull request's own environment: deploy `pr-<number>` from the pull
 * request's head commit (its templates and, through the compute stack, its Spark scripts), replay,
 * wait for Firehose, run the KPI jobs on EMR, validate exactly, and keep one comment up to date. The
 * environment stays up for the next commit's run. Its condition is the pull request's own workflow
 * file, which its author can edit: what guards the account is the GitHub environment `preview`
 * (pull-request runs only, a required reviewer; docs/aws.md, "Setting up the AWS side").
 */
function previewJob(newCode: string): Job {
  return {
    name: `Pipeline in the preview ${PREVIEW_PREFIX}<number> on EMR (opt-in)`,
    if: `${PR.labelled} && ${PR.sameRepository} && (${newCode} || ${PR.action} == 'labeled' && github.event.label.name == '${RUN_EMR_LABEL}')`,
    runsOn: RUNS_ON,
    environment: PULL_REQUEST_RUN_ENVIRONMENT,
    // One run per preview at a time, queued; a teardown of the same preview cancels it.
    concurrency: concurrency(`preview-${PREVIEW_ENVIRONMENT}`),
    permissions: { ...AWS_PERMISSIONS, pullRequests: JobPermission.WRITE },
    timeoutMinutes: TIMEOUTS.preview,
    steps: [
      // The PR's head commit, not the merge commit: the templates and scripts deployed are exactly the PR's.
      ...checkoutAndBundle('${{ github.event.pull_request.head.sha }}'),
      awsCredentials('deploy'),
      {
        name: 'Deploy the preview environment (infrastructure and Spark scripts)',
        id: 'deploy',
        uses: './actions/deploy-infra',
        with: {
          environment: PREVIEW_ENVIRONMENT,
          region: '${{ vars.AWS_REGION }}',
          context: ['githubRepository=${{ github.repository }}', 'account=${{ vars.AWS_ACCOUNT_ID }}'].join('\n'),
        },
      },
      awsCredentials('run'),
      ...awsPipelineSteps({
        environment: PREVIEW_ENVIRONMENT,
        replay: { records: '10000', seed: '1', allowProdReplay: 'false' },
        fromDate: '',
        toDate: '',
        jobs: 'all',
        tables: 'all',
        cluster: {
          'use-spot': 'true',
          'instance-type': PREVIEW_EMR.instanceType,
          'core-instance-count': String(PREVIEW_EMR.coreInstanceCount),
        },
        failOnWarn: 'false',
        validationComment: false,
        artifactName: 'preview-reports-${{ github.run_id }}',
      }),
      {
        name: 'Comment on the pull request: environment, outcomes, cost, validation',
        if: 'always()',
        uses: './actions/comment-preview',
        with: {
          'environment': PREVIEW_ENVIRONMENT,
          'region': '${{ vars.AWS_REGION }}',
          'deploy-outcome': '${{ steps.deploy.outcome }}',
          'replay-outcome': '${{ steps.replay.outcome }}',
          'kpis-outcome': '${{ steps.kpis.outcome }}',
          'validate-outcome': '${{ steps.validate.outcome }}',
          'publish-outcome': '${{ steps.publish.outcome }}',
          'cluster-id': '${{ steps.kpis.outputs.cluster-id }}',
          'application-id': '${{ steps.kpis.outputs.application-id }}',
          'job-run-ids': '${{ steps.kpis.outputs.job-run-ids }}',
          'validation-report': '${{ steps.validate.outputs.report-path }}',
        },
      },
    ],
  };
}

/**
 * Closing the pull request, or removing its label, destroys its preview: EMR clusters first, then the
 * stacks (their buckets emptied by the stacks themselves). It cancels a run of the same preview in
 * progress. It runs main's code (the base commit: a closed pull request's merge ref may be gone), in
 * the GitHub environment `preview-teardown`, whose role can only delete previews.
 */
function previewTeardownJob(): Job {
  return {
    name: `Destroy the preview ${PREVIEW_PREFIX}<number>`,
    if: `${PR.sameRepository} && (${PR.action} == 'closed' && ${PR.labelled} || ${PR.action} == 'unlabeled' && github.event.label.name == '${RUN_EMR_LABEL}')`,
    runsOn: RUNS_ON,
    environment: PREVIEW_TEARDOWN_ENVIRONMENT,
    concurrency: { 'group': `preview-${PREVIEW_ENVIRONMENT}`, 'cancel-in-progress': true },
    permissions: { ...AWS_PERMISSIONS, pullRequests: JobPermission.WRITE },
    timeoutMinutes: TIMEOUTS.teardown,
    steps: [
      ...checkoutAndBundle('${{ github.event.pull_request.base.sha }}'),
      awsCredentials('teardown'),
      {
        name: 'Destroy the preview: EMR clusters, then its stacks with their data',
        uses: './actions/teardown-preview',
        with: { environment: PREVIEW_ENVIRONMENT, region: '${{ vars.AWS_REGION }}' },
      },
    ],
  };
}
