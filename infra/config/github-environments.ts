import { DeployEnvironment } from './deploy-environments';

/**
 * The trust contract between the workflows and the AWS accounts: which GitHub environments may
 * assume which environment's roles, and the protection rules those GitHub environments need.
 * The CDK app derives each role's trust policy from it, the workflows name their jobs'
 * environments from it, and the contract test (test/workflows/trust-contract.test.ts) checks both
 * sides against GitHub's OIDC claims and IAM's condition semantics. Kept free of aws-cdk-lib so
 * projenrc and the actions can import it.
 *
 * Why the environment: every AWS job declares `environment:`, and GitHub then issues the subject
 * `repo:<owner>/<repo>:environment:<name>`, whatever the trigger or branch (GitHub docs, "OpenID
 * Connect reference": the subject carries the environment when the job references one, otherwise
 * `pull_request` for pull-request events, otherwise `ref:<ref>`). So IAM can only tell GitHub
 * environments apart; which branches and people reach an environment is decided by its
 * protection rules, configured on GitHub (README, "Setting up the AWS side").
 */

/** The two roles each deployed environment has. */
export type RoleKind = 'deploy' | 'run';
export const ROLE_KINDS: readonly RoleKind[] = ['deploy', 'run'];

/** The repository variable (per GitHub environment) that holds each role's ARN. */
export const ROLE_VARIABLES: Readonly<Record<RoleKind, string>> = {
  deploy: 'AWS_DEPLOY_ROLE_ARN',
  run: 'AWS_RUN_ROLE_ARN',
};

/** Which refs a GitHub environment admits ("Deployment branches and tags"). */
export type DeploymentBranches =
  /** Only `main`: pushes, schedules and dispatches from main. */
  | 'main'
  /** Any branch: the head branches of pull requests. */
  | 'any';

export interface GitHubEnvironment {
  /** The GitHub environment's name, as jobs declare it. */
  readonly name: string;
  /** The deployed environment whose roles it may assume. */
  readonly awsEnvironment: DeployEnvironment;
  /** The roles it may assume. */
  readonly roles: readonly RoleKind[];
  /** The branches that may use it; configured on GitHub. */
  readonly deploymentBranches: DeploymentBranches;
  /** Whether each job waits for a required reviewer; configured on GitHub. */
  readonly requiredReviewers: boolean;
  /** Whether its jobs run pull-request code (not yet on main). */
  readonly pullRequests: boolean;
  /** What it is for, for the README's setup table. */
  readonly purpose: string;
}

/** The GitHub environment of the label-gated pull-request run on staging. */
export const PULL_REQUEST_RUN_ENVIRONMENT = 'staging-pr';

/**
 * Every GitHub environment the workflows use. A `pr-<n>` preview (issue #16) adds one entry: a
 * `preview` environment admitting pull requests, whose roles are the preview's own.
 */
export const GITHUB_ENVIRONMENTS: readonly GitHubEnvironment[] = [
  {
    name: 'dev',
    awsEnvironment: 'dev',
    roles: ['deploy', 'run'],
    deploymentBranches: 'main',
    requiredReviewers: false,
    pullRequests: false,
    purpose: 'dispatched deployments and KPI runs in dev',
  },
  {
    name: 'staging',
    awsEnvironment: 'staging',
    roles: ['deploy', 'run'],
    deploymentBranches: 'main',
    requiredReviewers: false,
    pullRequests: false,
    purpose: 'deployment on every push to main; dispatched KPI runs in staging',
  },
  {
    name: PULL_REQUEST_RUN_ENVIRONMENT,
    awsEnvironment: 'staging',
    roles: ['run'],
    deploymentBranches: 'any',
    requiredReviewers: true,
    pullRequests: true,
    purpose: "the `run-emr` label's run of a pull request's own code on staging (run role only)",
  },
  {
    name: 'prod',
    awsEnvironment: 'prod',
    roles: ['deploy', 'run'],
    deploymentBranches: 'main',
    requiredReviewers: true,
    pullRequests: false,
    purpose: 'deployment after staging on push to main; scheduled and dispatched KPI runs',
  },
];

/** The GitHub environment named `name`, or undefined. */
export function githubEnvironment(name: string): GitHubEnvironment | undefined {
  return GITHUB_ENVIRONMENTS.find((e) => e.name === name);
}

/** The GitHub environment a deployed environment's own jobs (deploy, dispatch, schedule) use. */
export function mainGitHubEnvironment(awsEnvironment: DeployEnvironment): GitHubEnvironment {
  const found = GITHUB_ENVIRONMENTS.find((e) => e.awsEnvironment === awsEnvironment && !e.pullRequests && e.roles.length === ROLE_KINDS.length);
  if (!found) throw new Error(`No GitHub environment deploys and runs ${awsEnvironment}: add one to GITHUB_ENVIRONMENTS.`);
  return found;
}

/** The `sub` claim GitHub issues to a job of `repository` that declares `environment: <githubEnvironment>`. */
export function environmentSubject(repository: string, githubEnvironmentName: string): string {
  return `repo:${repository}:environment:${githubEnvironmentName}`;
}

/**
 * The subjects one role of one deployed environment trusts: those of the GitHub environments
 * allowed to assume it, and nothing else (no branch, pull-request or wildcard subjects).
 */
export function trustedSubjects(repository: string, awsEnvironment: DeployEnvironment, role: RoleKind): string[] {
  return GITHUB_ENVIRONMENTS
    .filter((e) => e.awsEnvironment === awsEnvironment && e.roles.includes(role))
    .map((e) => environmentSubject(repository, e.name));
}

/** Whether any GitHub environment runs pull-request code with this environment's run role. */
export function runsPullRequests(awsEnvironment: DeployEnvironment): boolean {
  return GITHUB_ENVIRONMENTS.some((e) => e.awsEnvironment === awsEnvironment && e.pullRequests && e.roles.includes('run'));
}
