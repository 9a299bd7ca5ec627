import { github } from 'projen';
import { Job, JobPermission, JobPermissions, JobStep } from 'projen/lib/github/workflows-model';
import { DEPLOY_ENVIRONMENTS, DeployEnvironment } from '../infra/config/deploy-environments';
import { PULL_REQUEST_RUN_ENVIRONMENT, ROLE_VARIABLES, RoleKind, githubEnvironment, mainGitHubEnvironment } from '../infra/config/github-environments';
import { KPI_JOBS } from '../src/kpis/catalog';

/**
 * The project's GitHub workflows: `deploy` (push to main, dispatch), `kpis` (daily schedule,
 * dispatch) and `pull-request` (checks, local end-to-end run, opt-in EMR run). See "Running on AWS" in README.md.
 */

/**
 * Third-party actions, pinned to the full commit of a release (a tag can be moved, a commit
 * cannot). projen's YAML renderer writes no comments, so each step using one carries the
 * release in its name instead of a `# vX.Y.Z` comment.
 */
export const PINNED_ACTIONS = {
  checkout: { uses: 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8', version: 'v5.0.0' },
  setupNode: { uses: 'actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444', version: 'v5.0.0' },
  setupJava: { uses: 'actions/setup-java@dded0888837ed1f317902acf8a20df0ad188d165', version: 'v5.0.0' },
  setupPython: { uses: 'actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c', version: 'v6.0.0' },
  uploadArtifact: { uses: 'actions/upload-artifact@330a01c490aca151604b8cf639adc76d48f6c5d4', version: 'v5.0.0' },
  awsCredentials: { uses: 'aws-actions/configure-aws-credentials@a03048d87541d1d9fcf2ecf528a4a65ba9bd7838', version: 'v5.0.0' },
} as const;

type PinnedAction = (typeof PINNED_ACTIONS)[keyof typeof PINNED_ACTIONS];

/** The PR label that opts a pull request into the EMR run on staging. */
export const RUN_EMR_LABEL = 'run-emr';

/** The deployed environment the opt-in pull-request run uses, through its own GitHub environment. */
const PR_AWS_ENVIRONMENT = githubEnvironment(PULL_REQUEST_RUN_ENVIRONMENT)!.awsEnvironment;

/** Scheduled runs, which have no inputs, compute this environment's KPIs. */
const SCHEDULED_ENVIRONMENT: DeployEnvironment = 'prod';

/** What a dispatch of the kpis workflow runs in unless told otherwise: never prod by accident. */
const DISPATCH_DEFAULT_ENVIRONMENT: DeployEnvironment = 'staging';

/**
 * The GitHub environment of a deployed environment's own jobs. The kpis job names it with an
 * expression over the dispatch choice, which only works while the two names are equal.
 */
function githubEnvironmentOf(environment: DeployEnvironment): string {
  const name = mainGitHubEnvironment(environment).name;
  if (name !== environment) throw new Error(`GitHub environment ${name} of ${environment}: the kpis job names GitHub environments after the deployed ones.`);
  return name;
}

/** The daily KPI run: 03:30 UTC, once Firehose has flushed yesterday's last buffers. */
const KPI_SCHEDULE = '30 3 * * *';

/**
 * Job timeouts in minutes. The AWS jobs cover a replay (its own deadline is an hour), a Firehose
 * flush (15 minutes at most) and the EMR steps (run-emr-kpis cancels them after its own 60-minute
 * default); the plan job installs dependencies and checks the settings.
 */
const TIMEOUTS = { checks: 60, localPipeline: 90, deploy: 60, awsPipeline: 180, plan: 15 } as const;

const RUNS_ON = ['ubuntu-24.04'];

const READ_CONTENTS: JobPermissions = { contents: JobPermission.READ };
const AWS_PERMISSIONS: JobPermissions = { contents: JobPermission.READ, idToken: JobPermission.WRITE };

function pinned(action: PinnedAction, purpose: string, step: Omit<JobStep, 'uses' | 'name'> = {}): JobStep {
  return { name: `${purpose} (${action.uses.split('@')[0]} ${action.version})`, uses: action.uses, ...step };
}

/**
 * Checkout, Node 24, dependencies and the action bundles. Bundles are built in every job (they
 * are gitignored), and `npm install` rather than `npm ci` because the lockfile lacks other
 * platforms' optional binaries (README, troubleshooting). deploy-infra also needs node_modules
 * at run time: its bundle leaves the CDK toolkit external.
 */
function checkoutAndBundle(ref?: string): JobStep[] {
  return [
    pinned(PINNED_ACTIONS.checkout, 'Check out', {
      with: { 'persist-credentials': false, ...(ref ? { ref } : {}) },
    }),
    pinned(PINNED_ACTIONS.setupNode, 'Set up Node.js', { with: { 'node-version': '24', 'cache': 'npm' } }),
    { name: 'Install dependencies', run: 'npm install --no-audit --no-fund' },
    { name: 'Bundle the custom actions', run: 'npx projen bundle:actions' },
  ];
}

/**
 * Java 17 (Spark), Java 25 (Trino) and Python 3.11, handed to `clickstream setup` by the
 * variables its toolchain discovery reads: the runner's default `java` is neither.
 */
function localToolchain(): JobStep[] {
  return [
    pinned(PINNED_ACTIONS.setupJava, 'Set up Java 17 and 25', {
      with: { 'distribution': 'temurin', 'java-version': '17\n25' },
    }),
    pinned(PINNED_ACTIONS.setupPython, 'Set up Python 3.11', { id: 'python', with: { 'python-version': '3.11' } }),
    {
      name: 'Point clickstream at the JDKs and Python',
      env: { PYTHON_PATH: '${{ steps.python.outputs.python-path }}' },
      run: [
        'echo "CLICKSTREAM_JAVA17_HOME=$JAVA_HOME_17_X64" >> "$GITHUB_ENV"',
        'echo "CLICKSTREAM_JAVA25_HOME=$JAVA_HOME_25_X64" >> "$GITHUB_ENV"',
        'echo "CLICKSTREAM_PYTHON=$PYTHON_PATH" >> "$GITHUB_ENV"',
      ].join('\n'),
    },
    { name: 'Install the local toolchain', run: 'npx clickstream setup' },
  ];
}

/**
 * OIDC credentials for one of the environment's roles, whose ARN the job's GitHub environment
 * holds in a variable. configure-aws-credentials requests the audience sts.amazonaws.com.
 */
function awsCredentials(role: RoleKind): JobStep {
  return pinned(PINNED_ACTIONS.awsCredentials, 'Configure AWS credentials', {
    with: {
      'role-to-assume': `\${{ vars.${ROLE_VARIABLES[role]} }}`,
      'aws-region': '${{ vars.AWS_REGION }}',
      'role-session-name': 'clickstream-${{ github.run_id }}',
    },
  });
}

function uploadArtifact(name: string, paths: readonly string[]): JobStep {
  return pinned(PINNED_ACTIONS.uploadArtifact, 'Upload the reports', {
    if: 'always()',
    with: { 'name': name, 'path': paths.join('\n'), 'if-no-files-found': 'ignore' },
  });
}

/** What the AWS pipeline steps of one run get (expressions or literals). */
interface AwsPipelineOptions {
  /** Environment whose resources the run uses. */
  readonly environment: string;
  /** Step `if:` of the replay. @default - always replays */
  readonly replayIf?: string;
  readonly replay: { readonly records: string; readonly seed: string; readonly allowProdReplay: string };
  /** The checked window (plan-kpi-run's outputs); empty: the replay's days, else an incremental run. */
  readonly fromDate: string;
  readonly toDate: string;
  readonly jobs: string;
  /** The tables validate-athena checks. */
  readonly tables: string;
  /** Version prefix the Spark scripts are read from. @default - the version deployed to the environment (stack output) */
  readonly scriptsVersion?: string;
  /** run-emr-kpis inputs beyond the shared ones (cluster shape). */
  readonly cluster: Record<string, string>;
  /** Step `if:` of the validation. @default - always validates */
  readonly validateIf?: string;
  readonly failOnWarn: string;
  readonly artifactName: string;
}

/**
 * Optional replay (waiting for Firehose to land it) -> EMR KPI steps (written to the run's audit
 * branch) -> Athena validation of the branch -> publish once it passed -> reports, shared by the
 * kpis workflow and the pull request's EMR run. Names come from the
 * environment's stack outputs inside the actions. Expects AWS credentials.
 */
function awsPipelineSteps(o: AwsPipelineOptions): JobStep[] {
  const region = '${{ vars.AWS_REGION }}';
  const manifest = '${{ steps.replay.outputs.manifest-path }}';
  return [
    {
      name: 'Replay sample data and wait for Firehose to land it',
      id: 'replay',
      if: o.replayIf,
      uses: './actions/replay-sensor-data',
      with: {
        'environment': o.environment,
        'region': region,
        'records': o.replay.records,
        'seed': o.replay.seed,
        // Event times near now land in the bronze partitions of the days they name.
        'shift-to-now': 'true',
        'allow-prod-replay': o.replay.allowProdReplay,
        'wait-for-landing': 'true',
        'manifest-path': '${{ runner.temp }}/reports/replay-manifest.json',
      },
    },
    {
      name: 'Run the KPI jobs on EMR',
      id: 'kpis',
      uses: './actions/run-emr-kpis',
      with: {
        'environment': o.environment,
        'region': region,
        'jobs': o.jobs,
        'from-date': o.fromDate,
        'to-date': o.toDate,
        'manifest': manifest,
        ...(o.scriptsVersion ? { 'scripts-version': o.scriptsVersion } : {}),
        ...o.cluster,
        // The cluster waits for the publish step below; run-emr-kpis's post step ends it at the end of the job whatever happens.
        'keep-cluster': 'true',
      },
    },
    {
      name: 'Validate the KPI tables through Athena',
      id: 'validate',
      if: o.validateIf,
      uses: './actions/validate-athena',
      with: {
        'environment': o.environment,
        'region': region,
        'from-date': o.fromDate,
        'to-date': o.toDate,
        'tables': o.tables,
        'manifest': manifest,
        'run-id': '${{ steps.kpis.outputs.run-id }}',
        'fail-on-warn': o.failOnWarn,
      },
    },
    {
      // Write-audit-publish: readers see the run's rows only once its checks passed.
      name: 'Publish the KPI run (fast-forward main to its audit branch)',
      if: "steps.validate.outcome == 'success'",
      uses: './actions/publish-kpi-run',
      with: {
        'environment': o.environment,
        'region': region,
        'run-id': '${{ steps.kpis.outputs.run-id }}',
        'cluster-id': '${{ steps.kpis.outputs.cluster-id }}',
        ...(o.scriptsVersion ? { 'scripts-version': o.scriptsVersion } : {}),
      },
    },
    // validate-athena writes its report under $RUNNER_TEMP/clickstream-validation.
    uploadArtifact(o.artifactName, ['${{ runner.temp }}/reports/', '${{ runner.temp }}/clickstream-validation/']),
  ];
}

/**
 * One job at a time per group, and every later one waits its turn: `queue: max` keeps up to 100
 * pending runs in order, where the default cancels the pending run when another arrives (GitHub
 * docs, "Control the concurrency of workflows and jobs"; changelog 2026-05-07). It cannot be
 * combined with cancel-in-progress: true.
 */
function concurrency(group: string): { 'group': string; 'cancel-in-progress': boolean; 'queue': 'max' } {
  return { 'group': group, 'cancel-in-progress': false, 'queue': 'max' };
}

/**
 * Workflows grant reading the repository by default (projen drops an empty `permissions: {}`);
 * each job states exactly what it needs.
 */
function newWorkflow(gh: github.GitHub, name: string): github.GithubWorkflow {
  const workflow = new github.GithubWorkflow(gh, name);
  workflow.file?.addOverride('permissions', { contents: 'read' });
  return workflow;
}

/** Build, lint, type-check, toolchain and unit tests: `npx projen test` runs all of them. */
function testJob(): Job {
  return {
    name: 'Build and test',
    runsOn: RUNS_ON,
    permissions: READ_CONTENTS,
    timeoutMinutes: TIMEOUTS.checks,
    steps: [
      ...checkoutAndBundle(),
      ...localToolchain(),
      { name: 'Synth check, lint, type-check and unit tests', run: 'npx projen test' },
    ],
  };
}

function deployJob(environment: DeployEnvironment, needs: string[], condition: string): Job {
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
function addDeployWorkflow(gh: github.GitHub): void {
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

/** The plan-kpi-run outputs the kpis job reads. */
const plan = (output: string) => `\${{ needs.plan.outputs.${output} }}`;

/**
 * Daily and dispatchable KPI runs on EMR. A first job without AWS access checks the dispatch's
 * settings (plan-kpi-run), so bad dates fail before any environment, approval or credential is
 * involved. Scheduled runs have no inputs: prod, every job, no window (incremental).
 */
function addKpisWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'kpis');
  workflow.on({
    schedule: [{ cron: KPI_SCHEDULE }],
    workflowDispatch: {
      inputs: {
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
      },
    },
  });
  // Scheduled runs have an empty inputs context, so the fallback is the scheduled environment.
  const environment = `\${{ inputs.environment || '${githubEnvironmentOf(SCHEDULED_ENVIRONMENT)}' }}`;
  const replayInputs = { replay: "${{ inputs.replay_sample && 'true' || 'false' }}", allowProdReplay: "${{ inputs.replay_into_prod && 'true' || 'false' }}" };
  workflow.addJobs({
    plan: {
      name: 'Check the run\'s settings',
      runsOn: RUNS_ON,
      permissions: READ_CONTENTS,
      timeoutMinutes: TIMEOUTS.plan,
      outputs: {
        'from-date': { stepId: 'plan', outputName: 'from-date' },
        'to-date': { stepId: 'plan', outputName: 'to-date' },
        'jobs': { stepId: 'plan', outputName: 'jobs' },
        'tables': { stepId: 'plan', outputName: 'tables' },
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
    },
    kpis: {
      name: 'KPIs on EMR',
      needs: ['plan'],
      runsOn: RUNS_ON,
      environment,
      // Shared with the pull request's staging run: two runs never write one environment's tables at once.
      concurrency: concurrency(`kpis-${environment}`),
      permissions: AWS_PERMISSIONS,
      timeoutMinutes: TIMEOUTS.awsPipeline,
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
    },
  });
}

/** Checks without AWS, the local end-to-end run, and the opt-in EMR run on staging. */
function addPullRequestWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'pull-request');
  workflow.on({ pullRequest: { types: ['opened', 'synchronize', 'reopened', 'labeled'] } });
  // Labelling re-runs only the EMR job; the checks already ran for the same commit.
  const notLabelled = "github.event.action != 'labeled'";
  workflow.addJobs({
    'test': { ...testJob(), if: notLabelled },
    'synth': {
      name: 'CDK synth with cdk-nag',
      if: notLabelled,
      runsOn: RUNS_ON,
      permissions: READ_CONTENTS,
      timeoutMinutes: TIMEOUTS.checks,
      steps: [...checkoutAndBundle(), { name: 'Synthesize (cdk-nag findings fail it)', run: 'npx cdk synth -q' }],
    },
    'local-pipeline': {
      name: 'Pipeline on sample data (local target)',
      if: notLabelled,
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
    'emr': {
      name: `Pipeline on EMR (${PR_AWS_ENVIRONMENT}, opt-in)`,
      // Only same-repository PRs get an OIDC token; labelling with another label changes nothing.
      // The condition is the pull request's own workflow file, which its author can edit: what
      // guards staging is the GitHub environment's required reviewers (README, "Setting up the AWS side").
      if: `contains(github.event.pull_request.labels.*.name, '${RUN_EMR_LABEL}')`
        + ' && github.event.pull_request.head.repo.full_name == github.repository'
        + ` && (github.event.action != 'labeled' || github.event.label.name == '${RUN_EMR_LABEL}')`,
      runsOn: RUNS_ON,
      environment: PULL_REQUEST_RUN_ENVIRONMENT,
      concurrency: concurrency(`kpis-${PR_AWS_ENVIRONMENT}`),
      permissions: { ...AWS_PERMISSIONS, pullRequests: JobPermission.WRITE },
      timeoutMinutes: TIMEOUTS.awsPipeline,
      steps: [
        // The PR's head commit, not the merge commit: the scripts on EMR are exactly the PR's.
        ...checkoutAndBundle('${{ github.event.pull_request.head.sha }}'),
        awsCredentials('run'),
        {
          name: "Publish this pull request's Spark scripts",
          // To the environment's scripts bucket (from its stack outputs), under the head commit: spark/<sha>/.
          env: { SCRIPTS_VERSION: '${{ github.event.pull_request.head.sha }}' },
          run: `npx clickstream publish-scripts --environment ${PR_AWS_ENVIRONMENT} --scripts-version "$SCRIPTS_VERSION"`,
        },
        ...awsPipelineSteps({
          environment: PR_AWS_ENVIRONMENT,
          replay: { records: '10000', seed: '1', allowProdReplay: 'false' },
          fromDate: '',
          toDate: '',
          jobs: 'all',
          tables: 'all',
          scriptsVersion: '${{ github.event.pull_request.head.sha }}',
          cluster: { 'use-spot': 'true' },
          failOnWarn: 'false',
          artifactName: 'emr-reports-${{ github.run_id }}',
        }),
      ],
    },
  });
}

/** Adds the deploy, kpis and pull-request workflows (project.github must be enabled). */
export function addWorkflows(project: { readonly github?: github.GitHub }): void {
  const gh = project.github;
  if (!gh) throw new Error('The project has no GitHub component: enable `github` in .projenrc.ts.');
  addDeployWorkflow(gh);
  addKpisWorkflow(gh);
  addPullRequestWorkflow(gh);
}
