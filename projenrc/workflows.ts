import { github } from 'projen';
import { Job, JobPermission, JobPermissions, JobStep } from 'projen/lib/github/workflows-model';
import { DEPLOY_ENVIRONMENTS } from '../infra/config/deploy-environments';
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

/** The environment the opt-in pull-request run uses (its run role trusts pull requests). */
const PR_ENVIRONMENT = 'staging';

/** Scheduled runs, which have no inputs, compute this environment's KPIs. */
const SCHEDULED_ENVIRONMENT = 'prod';

/** The daily KPI run: 03:30 UTC, once Firehose has flushed yesterday's last buffers. */
const KPI_SCHEDULE = '30 3 * * *';

/**
 * Job timeouts in minutes. The AWS jobs cover a replay (its own deadline is an hour), a Firehose
 * flush and the EMR steps (run-emr-kpis cancels them after its own 60-minute default).
 */
const TIMEOUTS = { checks: 60, localPipeline: 90, deploy: 60, awsPipeline: 180 } as const;

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

/** OIDC credentials for a role held in a repository or environment variable. */
function awsCredentials(roleVariable: 'AWS_DEPLOY_ROLE_ARN' | 'AWS_RUN_ROLE_ARN'): JobStep {
  return pinned(PINNED_ACTIONS.awsCredentials, 'Configure AWS credentials', {
    with: {
      'role-to-assume': `\${{ vars.${roleVariable} }}`,
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
  readonly replay: { readonly records: string; readonly seed: string };
  /** Requested window; empty means the replay's days, else yesterday. */
  readonly fromDate: string;
  readonly toDate: string;
  readonly jobs: string;
  /** Version prefix the Spark scripts are read from. @default - the version deployed to the environment */
  readonly scriptsVersion?: string;
  /** run-emr-kpis inputs beyond the shared ones (cluster shape). */
  readonly cluster: Record<string, string>;
  /** Step `if:` of the validation. @default - always validates */
  readonly validateIf?: string;
  readonly failOnWarn: string;
  readonly artifactName: string;
}

/** `case` arms mapping a jobs choice to the tables validate-athena checks, from the KPI catalog. */
function jobTablesCase(): string {
  const arms = Object.entries(KPI_JOBS).map(([job, spec]) => `  ${job}) tables=${spec.tables.join(',')} ;;`);
  return ['case "$JOBS" in', ...arms, '  *) tables=all ;;', 'esac'].join('\n');
}

/**
 * Optional replay -> Firehose flush -> window -> EMR KPI steps -> Athena validation -> reports,
 * shared by the kpis workflow and the pull request's EMR run. Expects AWS credentials.
 */
function awsPipelineSteps(o: AwsPipelineOptions): JobStep[] {
  return [
    {
      name: "Read the environment's stack outputs",
      id: 'stack',
      env: { ENVIRONMENT: o.environment },
      // Generated role names and the deployed scripts version exist only as stack outputs.
      run: [
        'output() {',
        '  aws cloudformation describe-stacks --stack-name "clickstream-${ENVIRONMENT}-compute" \\',
        '    --query "Stacks[0].Outputs[?OutputKey==\'$1\'].OutputValue | [0]" --output text',
        '}',
        'echo "service-role=$(output EmrServiceRole)" >> "$GITHUB_OUTPUT"',
        'echo "instance-profile=$(output EmrInstanceProfile)" >> "$GITHUB_OUTPUT"',
        'echo "scripts-version=$(output ScriptsVersion)" >> "$GITHUB_OUTPUT"',
      ].join('\n'),
    },
    {
      name: 'Replay sample data',
      id: 'replay',
      if: o.replayIf,
      uses: './actions/replay-sensor-data',
      with: {
        'environment': o.environment,
        'region': '${{ vars.AWS_REGION }}',
        'records': o.replay.records,
        'seed': o.replay.seed,
        // Event times near now land in the bronze partitions of the days they name.
        'shift-to-now': 'true',
        'manifest-path': '${{ runner.temp }}/reports/replay-manifest.json',
      },
    },
    {
      name: 'Wait for Firehose to deliver the replay',
      if: o.replayIf,
      // Firehose flushes its buffer after at most its buffering interval (300 s in prod).
      env: { FLUSH_SECONDS: "${{ vars.FIREHOSE_FLUSH_SECONDS || '360' }}" },
      run: 'sleep "$FLUSH_SECONDS"',
    },
    {
      name: "Resolve the run's days and tables",
      id: 'window',
      env: {
        FROM_DATE: o.fromDate,
        TO_DATE: o.toDate,
        FIRST_EVENT: '${{ steps.replay.outputs.first-event-time }}',
        LAST_EVENT: '${{ steps.replay.outputs.last-event-time }}',
        JOBS: o.jobs,
      },
      run: [
        'if [ -n "$FROM_DATE$TO_DATE" ]; then',
        '  from="${FROM_DATE:-$TO_DATE}"; to="${TO_DATE:-$FROM_DATE}"',
        'elif [ -n "$FIRST_EVENT" ]; then',
        '  from="${FIRST_EVENT:0:10}"; to="${LAST_EVENT:0:10}"',
        'else',
        '  from="$(date -u -d yesterday +%F)"; to="$from"',
        'fi',
        jobTablesCase(),
        'echo "KPI days $from..$to (UTC), jobs $JOBS, tables $tables"',
        '{ echo "from=$from"; echo "to=$to"; echo "tables=$tables"; } >> "$GITHUB_OUTPUT"',
      ].join('\n'),
    },
    {
      name: 'Run the KPI jobs on EMR',
      id: 'kpis',
      uses: './actions/run-emr-kpis',
      with: {
        'environment': o.environment,
        'account-id': '${{ vars.AWS_ACCOUNT_ID }}',
        'region': '${{ vars.AWS_REGION }}',
        'jobs': o.jobs,
        'from-date': '${{ steps.window.outputs.from }}',
        'to-date': '${{ steps.window.outputs.to }}',
        'scripts-version': o.scriptsVersion ?? '${{ steps.stack.outputs.scripts-version }}',
        'service-role': '${{ steps.stack.outputs.service-role }}',
        'instance-profile': '${{ steps.stack.outputs.instance-profile }}',
        ...o.cluster,
      },
    },
    {
      name: 'Validate the KPI tables through Athena',
      id: 'validate',
      if: o.validateIf,
      uses: './actions/validate-athena',
      // The workgroup (and with it the results location) is the environment's; the action
      // derives it from CLICKSTREAM_ENV.
      env: { CLICKSTREAM_ENV: o.environment },
      with: {
        'region': '${{ vars.AWS_REGION }}',
        'from-date': '${{ steps.window.outputs.from }}',
        'to-date': '${{ steps.window.outputs.to }}',
        'tables': '${{ steps.window.outputs.tables }}',
        'manifest': '${{ steps.replay.outputs.manifest-path }}',
        'fail-on-warn': o.failOnWarn,
      },
    },
    {
      name: 'Collect the validation report',
      if: 'always() && steps.validate.outputs.report-path != \'\'',
      env: { REPORT_PATH: '${{ steps.validate.outputs.report-path }}' },
      run: 'mkdir -p "$RUNNER_TEMP/reports" && cp "$(dirname "$REPORT_PATH")"/* "$RUNNER_TEMP/reports/"',
    },
    uploadArtifact(o.artifactName, ['${{ runner.temp }}/reports/']),
  ];
}

function concurrency(group: string): { 'group': string; 'cancel-in-progress': boolean } {
  return { 'group': group, 'cancel-in-progress': false };
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

function deployJob(environment: string, needs: string[], condition: string): Job {
  return {
    name: `Deploy ${environment}`,
    needs,
    if: condition,
    runsOn: RUNS_ON,
    environment,
    concurrency: concurrency(`deploy-${environment}`),
    permissions: AWS_PERMISSIONS,
    timeoutMinutes: TIMEOUTS.deploy,
    steps: [
      ...checkoutAndBundle(),
      awsCredentials('AWS_DEPLOY_ROLE_ARN'),
      {
        name: 'Deploy the CDK app (infrastructure and Spark scripts)',
        id: 'deploy',
        uses: './actions/deploy-infra',
        with: {
          environment: environment,
          region: '${{ vars.AWS_REGION }}',
          // The second environment in one account imports the account's single GitHub OIDC provider.
          context: [
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

/** Daily and dispatchable KPI runs on EMR. Inputs are empty on schedule: defaults apply in `with:`. */
function addKpisWorkflow(gh: github.GitHub): void {
  const workflow = newWorkflow(gh, 'kpis');
  workflow.on({
    schedule: [{ cron: KPI_SCHEDULE }],
    workflowDispatch: {
      inputs: {
        environment: { description: 'Environment to run in', type: 'choice', required: true, options: [...DEPLOY_ENVIRONMENTS], default: SCHEDULED_ENVIRONMENT },
        from_date: { description: 'First UTC day (YYYY-MM-DD); empty: the replay\'s first day, else yesterday', type: 'string', required: false, default: '' },
        to_date: { description: 'Last UTC day, inclusive (YYYY-MM-DD); empty: the replay\'s last day, else yesterday', type: 'string', required: false, default: '' },
        jobs: { description: 'KPI jobs to run', type: 'choice', required: true, options: ['all', ...Object.keys(KPI_JOBS)], default: 'all' },
        replay_sample: { description: 'Replay generated sample events into the stream first (validated exactly)', type: 'boolean', required: false, default: 'false' },
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
  const environment = `\${{ inputs.environment || '${SCHEDULED_ENVIRONMENT}' }}`;
  workflow.addJob('kpis', {
    name: 'KPIs on EMR',
    runsOn: RUNS_ON,
    environment,
    // Shared with the pull request's staging run: two runs never write one environment's tables at once.
    concurrency: concurrency(`kpis-${environment}`),
    permissions: AWS_PERMISSIONS,
    timeoutMinutes: TIMEOUTS.awsPipeline,
    steps: [
      ...checkoutAndBundle(),
      awsCredentials('AWS_RUN_ROLE_ARN'),
      ...awsPipelineSteps({
        environment,
        replayIf: 'inputs.replay_sample',
        replay: { records: "${{ inputs.replay_records || '10000' }}", seed: "${{ inputs.seed || '1' }}" },
        fromDate: '${{ inputs.from_date }}',
        toDate: '${{ inputs.to_date }}',
        jobs: "${{ inputs.jobs || 'all' }}",
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
      name: 'Pipeline on EMR (staging, opt-in)',
      // Only same-repository PRs get an OIDC token; labelling with another label changes nothing.
      if: `contains(github.event.pull_request.labels.*.name, '${RUN_EMR_LABEL}')`
        + ' && github.event.pull_request.head.repo.full_name == github.repository'
        + ` && (github.event.action != 'labeled' || github.event.label.name == '${RUN_EMR_LABEL}')`,
      runsOn: RUNS_ON,
      environment: PR_ENVIRONMENT,
      concurrency: concurrency(`kpis-${PR_ENVIRONMENT}`),
      permissions: { ...AWS_PERMISSIONS, pullRequests: JobPermission.WRITE },
      timeoutMinutes: TIMEOUTS.awsPipeline,
      steps: [
        // The PR's head commit, not the merge commit: the scripts on EMR are exactly the PR's.
        ...checkoutAndBundle('${{ github.event.pull_request.head.sha }}'),
        awsCredentials('AWS_RUN_ROLE_ARN'),
        {
          name: "Publish this pull request's Spark scripts",
          // The layout the CDK app publishes and the EMR steps read: spark/<version>/.
          env: {
            SCRIPTS_BUCKET: `clickstream-${PR_ENVIRONMENT}-scripts-\${{ vars.AWS_ACCOUNT_ID }}`,
            SCRIPTS_VERSION: '${{ github.event.pull_request.head.sha }}',
          },
          run: 'npx clickstream publish-scripts --bucket "$SCRIPTS_BUCKET" --scripts-version "$SCRIPTS_VERSION"',
        },
        ...awsPipelineSteps({
          environment: PR_ENVIRONMENT,
          replay: { records: '10000', seed: '1' },
          fromDate: '',
          toDate: '',
          jobs: 'all',
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
