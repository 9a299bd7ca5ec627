import { RoleOwner, StandingEnvironment } from './deploy-environments';
import { PREVIEW_ROLES_ENVIRONMENT } from '../../src/config/names';

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
 * protection rules, configured on GitHub (docs/aws.md, "Setting up the AWS side").
 */

/**
 * The roles: deploy (may only assume the CDK bootstrap roles), run (replay, EMR, Athena) and, for
 * previews only, teardown (may only delete preview stacks and terminate preview clusters).
 */
export type RoleKind = 'deploy' | 'run' | 'teardown';
export const ROLE_KINDS: readonly RoleKind[] = ['deploy', 'run', 'teardown'];

/** The repository variable (per GitHub environment) that holds each role's ARN. */
export const ROLE_VARIABLES: Readonly<Record<RoleKind, string>> = {
  deploy: 'AWS_DEPLOY_ROLE_ARN',
  run: 'AWS_RUN_ROLE_ARN',
  teardown: 'AWS_TEARDOWN_ROLE_ARN',
};

/**
 * Which runs a GitHub environment admits ("Deployment branches and tags"). GitHub matches the rule
 * against the run's GITHUB_REF, which is `refs/pull/<n>/merge` for a `pull_request` event (GitHub
 * docs, "Deployments and environments" and "Events that trigger workflows").
 */
export type DeploymentBranches =
  /** Only `main`: pushes, schedules and dispatches from main. */
  | 'main'
  /** Only pull requests: the selected pattern `refs/pull/*\/merge`. */
  | 'pull-requests'
  /** No restriction. */
  | 'any';

/** The rule as it is entered in the GitHub environment's settings (the setup table in docs/aws.md). */
export const DEPLOYMENT_BRANCH_RULES: Readonly<Record<DeploymentBranches, string>> = {
  'main': 'main',
  'pull-requests': 'refs/pull/*/merge',
  'any': 'all branches',
};

export interface GitHubEnvironment {
  /** The GitHub environment's name, as jobs declare it. */
  readonly name: string;
  /** Whose roles it may assume: a standing environment's, or the previews' shared ones. */
  readonly awsEnvironment: RoleOwner;
  /** The roles it may assume. */
  readonly roles: readonly RoleKind[];
  /** The branches that may use it; configured on GitHub. */
  readonly deploymentBranches: DeploymentBranches;
  /** Whether each job waits for a required reviewer; configured on GitHub. */
  readonly requiredReviewers: boolean;
  /** Whether its jobs run on pull-request events (whose workflow file is the pull request's own). */
  readonly pullRequests: boolean;
  /** What it is for, for the setup table in docs/aws.md. */
  readonly purpose: string;
}

/** The GitHub environment of the `run-emr` label's run: it deploys and runs the pull request's preview. */
export const PULL_REQUEST_RUN_ENVIRONMENT = 'preview';

/** The GitHub environment that destroys previews: on a closed or unlabelled pull request, and on schedule. */
export const PREVIEW_TEARDOWN_ENVIRONMENT = 'preview-teardown';

/**
 * Every GitHub environment the workflows use. A preview's jobs assume the roles every preview
 * shares (stack clickstream-preview-ci): deploying and running pull-request code waits for a
 * reviewer; tearing down does not, since its role can do nothing else.
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
    name: 'prod',
    awsEnvironment: 'prod',
    roles: ['deploy', 'run'],
    deploymentBranches: 'main',
    requiredReviewers: true,
    pullRequests: false,
    purpose: 'deployment after staging on push to main; scheduled and dispatched KPI runs',
  },
  {
    name: PULL_REQUEST_RUN_ENVIRONMENT,
    awsEnvironment: PREVIEW_ROLES_ENVIRONMENT,
    roles: ['deploy', 'run'],
    deploymentBranches: 'pull-requests',
    requiredReviewers: true,
    pullRequests: true,
    purpose: "the `run-emr` label's run: deploys the pull request's own code as `pr-<number>`, runs and validates it there",
  },
  {
    name: PREVIEW_TEARDOWN_ENVIRONMENT,
    awsEnvironment: PREVIEW_ROLES_ENVIRONMENT,
    roles: ['teardown'],
    deploymentBranches: 'any',
    requiredReviewers: false,
    pullRequests: true,
    purpose: 'destroys `pr-<number>` when its pull request closes or loses the label, and the scheduled sweep of previews',
  },
];

/** The GitHub environment named `name`, or undefined. */
export function githubEnvironment(name: string): GitHubEnvironment | undefined {
  return GITHUB_ENVIRONMENTS.find((e) => e.name === name);
}

/** The GitHub environment a standing environment's own jobs (deploy, dispatch, schedule) use. */
export function mainGitHubEnvironment(awsEnvironment: StandingEnvironment): GitHubEnvironment {
  const found = GITHUB_ENVIRONMENTS.find((e) => e.awsEnvironment === awsEnvironment && !e.pullRequests && e.roles.includes('deploy') && e.roles.includes('run'));
  if (!found) throw new Error(`No GitHub environment deploys and runs ${awsEnvironment}: add one to GITHUB_ENVIRONMENTS.`);
  return found;
}

/** The `sub` claim GitHub issues to a job of `repository` that declares `environment: <githubEnvironment>`. */
export function environmentSubject(repository: string, githubEnvironmentName: string): string {
  return `repo:${repository}:environment:${githubEnvironmentName}`;
}

/**
 * The subjects one role of one owner trusts: those of the GitHub environments allowed to assume
 * it, and nothing else (no branch, pull-request or wildcard subjects).
 */
export function trustedSubjects(repository: string, owner: RoleOwner, role: RoleKind): string[] {
  return GITHUB_ENVIRONMENTS
    .filter((e) => e.awsEnvironment === owner && e.roles.includes(role))
    .map((e) => environmentSubject(repository, e.name));
}

/** The roles some GitHub environment may assume from an owner (the stacks create exactly these). */
export function rolesOf(owner: RoleOwner): RoleKind[] {
  return ROLE_KINDS.filter((role) => GITHUB_ENVIRONMENTS.some((e) => e.awsEnvironment === owner && e.roles.includes(role)));
}
