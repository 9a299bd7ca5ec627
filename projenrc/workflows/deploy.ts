import { github } from 'projen';
import { Job } from 'projen/lib/github/workflows-model';
import { AWS_PERMISSIONS, awsCredentials, checkoutAndBundle, concurrency, githubEnvironmentOf, newWorkflow, RUNS_ON, testJob, TIMEOUTS } from './steps';
import { DEPLOY_ENVIRONMENTS, StandingEnvironment } from '../../infra/config/deploy-environments';

function deployJob(environment: StandingEnvironment, needs: string[], condition: string): Job {
  return {
    name: `Deploy ${environment}`,
    needs,
    if: condition,
    runsOn: RUNS_ON,
    environment: githubEnvironmentOf(environment),
    concurrency: concurrency(`deploy-${environment}`),
    permissions: AWS_PERMISSIONS,
    timeoutMinutes: TIMEOUTS.deploy,
    steps: [
      ...checkoutAndBundle(),
      awsCredentials('deploy'),
      {
        name: 'Deploy the CDK app (infrastructure and Spark scripts)',
        id: 'deploy',
        uses: './actions/deploy-infra',
        with: {
          environment: environment,
          region: '${{ vars.AWS_REGION }}',
          // The second environment in one account imports the account's single GitHub OIDC provider.
          // The repository whose GitHub environments the roles trust; the app refuses to guess it.
          context: [
            'githubRepository=${{ github.repository }}',
            'account=${{ vars.AWS_ACCOUNT_ID }}',
            "createOidcProvider=${{ vars.CREATE_OIDC_PROVIDER || 'true' }}",
          ].join('\n'),
        },
      },
      {
        name: 'Record the published scripts version',
        env: { SCRIPTS_URI: '${{ steps.deploy.outputs.scripts-uri }}' },
        run: 'echo "Spark scripts published to $SCRIPTS_URI" >> "$GITHUB_STEP_SUMMARY"',
      },
    ],
  };
}

/**
 * Push to main deploys staging, then prod (held by prod's protection rules); a dispatch deploys
 * the one environment chosen.
 */
export function addDeployWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'deploy');
  workflow.on({
    push: { branches: ['main'] },
    workflowDispatch: {
      inputs: {
        environment: {
          description: 'Environment to deploy',
          type: 'choice',
          required: true,
          options: [...DEPLOY_ENVIRONMENTS],
          default: 'staging',
        },
      },
    },
  });
  const dispatched = (env: string) => `github.event_name == 'workflow_dispatch' && inputs.environment == '${env}'`;
  const jobs: Record<string, Job> = { test: testJob() };
  for (const environment of DEPLOY_ENVIRONMENTS) {
    if (environment === 'prod') {
      // Runs after staging on push; on a dispatch of prod staging is skipped, hence !cancelled().
      jobs['deploy-prod'] = deployJob('prod', ['test', 'deploy-staging'],
        "!cancelled() && needs.test.result == 'success' && "
        + `(github.event_name == 'push' && needs.deploy-staging.result == 'success' || ${dispatched('prod')})`);
    } else if (environment === 'staging') {
      jobs['deploy-staging'] = deployJob('staging', ['test'], `github.event_name == 'push' || ${dispatched('staging')}`);
    } else {
      jobs[`deploy-${environment}`] = deployJob(environment, ['test'], dispatched(environment));
    }
  }
  workflow.addJobs(jobs);
}
