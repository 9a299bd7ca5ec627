import { github } from 'projen';
import { Job, JobPermission, JobPermissions, JobStep } from 'projen/lib/github/workflows-model';
import { StandingEnvironment } from '../../infra/config/deploy-environments';
import { mainGitHubEnvironment, ROLE_VARIABLES, RoleKind } from '../../infra/config/github-environments';
import { PREVIEW_PREFIX } from '../../src/config/names';

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

export type PinnedAction = (typeof PINNED_ACTIONS)[keyof typeof PINNED_ACTIONS];

/** The PR label that opts a pull request into its own preview environment's run on EMR. */
export const RUN_EMR_LABEL = 'run-emr';

/** The pull request's preview environment, `pr-<number>`, as the workflow names it. */
export const PREVIEW_ENVIRONMENT = `${PREVIEW_PREFIX}\${{ github.event.pull_request.number }}`;

/** Scheduled runs, which have no inputs, compute this environment's KPIs. */
export const SCHEDULED_ENVIRONMENT: StandingEnvironment = 'prod';

/** What a dispatch of the kpis workflow runs in unless told otherwise: never prod by accident. */
export const DISPATCH_DEFAULT_ENVIRONMENT: StandingEnvironment = 'staging';

/**
 * The GitHub environment of a deployed environment's own jobs. The kpis job names it with an
 * expression over the dispatch choice, which only works while the two names are equal.
 */
export function githubEnvironmentOf(environment: StandingEnvironment): string {
  const name = mainGitHubEnvironment(environment).name;
  if (name !== environment) throw new Error(`GitHub environment ${name} of ${environment}: the kpis job names GitHub environments after the deployed ones.`);
  return name;
}

/**
 * Job timeouts in minutes. The AWS jobs cover a replay (its own deadline is an hour), a Firehose
 * flush (15 minutes at most) and the EMR steps (run-emr-kpis cancels them after its own 60-minute
 * default); the plan job installs dependencies and checks the settings.
 */
export const TIMEOUTS = {
  checks: 60, localPipeline: 90, deploy: 60, awsPipeline: 180, plan: 15, preview: 240, teardown: 60, maintenance: 120,
} as const;

export const RUNS_ON = ['ubuntu-24.04'];

export const READ_CONTENTS: JobPermissions = { contents: JobPermission.READ };
export const AWS_PERMISSIONS: JobPermissions = { contents: JobPermission.READ, idToken: JobPermission.WRITE };

export function pinned(action: PinnedAction, purpose: string, step: Omit<JobStep, 'uses' | 'name'> = {}): JobStep {
  return { name: `${purpose} (${action.uses.split('@')[0]} ${action.version})`, uses: action.uses, ...step };
}

/**
 * Checkout, Node 24, dependencies and the action bundles. Bundles are built in every job (they
 * are gitignored). `npm ci` installs exactly what package-lock.json records, which lists every
 * platform's optional binaries. deploy-infra also needs node_modules at run time: its bundle
 * leaves the CDK toolkit external.
 */
export function checkoutAndBundle(ref?: string): JobStep[] {
  return [
    pinned(PINNED_ACTIONS.checkout, 'Check out', {
      with: { 'persist-credentials': false, ...(ref ? { ref } : {}) },
    }),
    pinned(PINNED_ACTIONS.setupNode, 'Set up Node.js', { with: { 'node-version': '24', 'cache': 'npm' } }),
    { name: 'Install dependencies', run: 'npm ci --no-audit --no-fund' },
    { name: 'Bundle the custom actions', run: 'npx projen bundle:actions' },
  ];
}

/**
 * Java 17 (Spark), Java 25 (Trino) and Python 3.11, handed to `clickstream setup` by the
 * variables its toolchain discovery reads: the runner's default `java` is neither.
 */
export function localToolchain(): JobStep[] {
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
export function awsCredentials(role: RoleKind): JobStep {
  return pinned(PINNED_ACTIONS.awsCredentials, 'Configure AWS credentials', {
    with: {
      'role-to-assume': `\${{ vars.${ROLE_VARIABLES[role]} }}`,
      'aws-region': '${{ vars.AWS_REGION }}',
      'role-session-name': 'clickstream-${{ github.run_id }}',
    },
  });
}

export function uploadArtifact(name: string, paths: readonly string[]): JobStep {
  return pinned(PINNED_ACTIONS.uploadArtifact, 'Upload the reports', {
    if: 'always()',
    with: { 'name': name, 'path': paths.join('\n'), 'if-no-files-found': 'ignore' },
  });
}

/** What the AWS pipeline steps of one run get (expressions or literals). */
export interface AwsPipelineOptions {
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
  /** Let validate-athena comment its report on a pull request. @default true */
  readonly validationComment?: boolean;
  readonly artifactName: string;
}

/**
 * Optional replay (waiting for Firehose to land it) -> EMR KPI steps (written to the run's audit
 * branch) -> Athena validation of the branch -> publish once it passed -> reports, shared by the
 * kpis workflow and the pull request's EMR run. Names come from the
 * environment's stack outputs inside the actions. Expects AWS credentials.
 */
export function awsPipelineSteps(o: AwsPipelineOptions): JobStep[] {
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
        // An empty token: the job writes its own comment.
        ...(o.validationComment === false ? { 'github-token': '' } : {}),
      },
    },
    ...publishSteps(o.environment, region),
    // validate-athena writes its report under $RUNNER_TEMP/clickstream-validation.
    uploadArtifact(o.artifactName, ['${{ runner.temp }}/reports/', '${{ runner.temp }}/clickstream-validation/']),
  ];
}

/** Where the publisher's virtualenv goes on the runner. */
const PUBLISH_VENV = '${{ runner.temp }}/publish-venv';

/**
 * Write-audit-publish: readers see the run's rows only once its checks passed. Publishing is a
 * metadata commit per table made from the runner (PyIceberg, spark/publish-requirements.txt in a
 * virtualenv of the pinned Python 3.11); it takes no cluster, so the KPI steps' transient cluster
 * has already ended with its last step, and an existing cluster is never touched.
 */
function publishSteps(environment: string, region: string): JobStep[] {
  const passed = "steps.validate.outcome == 'success'";
  return [
    pinned(PINNED_ACTIONS.setupPython, 'Set up Python 3.11 for the publisher', { id: 'publish-python', if: passed, with: { 'python-version': '3.11' } }),
    {
      name: 'Install the publisher (PyIceberg)',
      if: passed,
      env: { PYTHON_PATH: '${{ steps.publish-python.outputs.python-path }}', VENV: PUBLISH_VENV },
      run: '"$PYTHON_PATH" -m venv "$VENV" && "$VENV/bin/pip" install --disable-pip-version-check --progress-bar off -r spark/publish-requirements.txt',
    },
    {
      name: 'Publish the KPI run (fast-forward main to its audit branch)',
      id: 'publish',
      if: passed,
      uses: './actions/publish-kpi-run',
      with: {
        'environment': environment,
        'region': region,
        'run-id': '${{ steps.kpis.outputs.run-id }}',
        'python': `${PUBLISH_VENV}/bin/python`,
      },
    },
  ];
}

/**
 * One job at a time per group, and every later one waits its turn: `queue: max` keeps up to 100
 * pending runs in order, where the default cancels the pending run when another arrives (GitHub
 * docs, "Control the concurrency of workflows and jobs"; changelog 2026-05-07). It cannot be
 * combined with cancel-in-progress: true.
 */
export function concurrency(group: string): { 'group': string; 'cancel-in-progress': boolean; 'queue': 'max' } {
  return { 'group': group, 'cancel-in-progress': false, 'queue': 'max' };
}

/**
 * Workflows grant reading the repository by default (projen drops an empty `permissions: {}`);
 * each job states exactly what it needs.
 */
export function newWorkflow(gh: github.GitHub, name: string): github.GithubWorkflow {
  const workflow = new github.GithubWorkflow(gh, name);
  workflow.file?.addOverride('permissions', { contents: 'read' });
  return workflow;
}

/** Build, lint, type-check, toolchain and unit tests: `npx projen test` runs all of them. */
export function testJob(): Job {
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
