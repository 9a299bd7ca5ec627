import { Template } from 'aws-cdk-lib/assertions';
import { Value, condition, interpolate } from './expressions';
import { Job, Workflow } from './workflows';
import { DEPLOY_ENVIRONMENTS, DeployEnvironment } from '../../infra/config/deploy-environments';
import { GITHUB_ENVIRONMENTS, ROLE_KINDS, ROLE_VARIABLES, RoleKind, environmentSubject, githubEnvironment } from '../../infra/config/github-environments';
import { GITHUB_OIDC_HOST, STS_AUDIENCE } from '../../infra/stacks/ci-stack';
import { PolicyDocument, trustAdmits } from '../infra/iam-trust';
import { synthesize } from '../infra/support';

/**
 * The contract between the generated workflows and the synthesized IAM roles: for every way a
 * workflow can start, the OIDC token each AWS job would get (or GitHub's refusal to issue one) and
 * whether the trust policy of the role it asks for admits it.
 *
 * GitHub's side, from its docs:
 * - "OpenID Connect reference": the `sub` claim is `repo:<owner>/<repo>:environment:<name>` for a
 *   job that references an environment; otherwise `repo:<owner>/<repo>:pull_request` for
 *   pull_request events; otherwise `repo:<owner>/<repo>:ref:<ref>`.
 * - "Deployments and environments": a job referencing an environment runs only if the
 *   environment's deployment branches admit the run's branch (for a pull request, its head
 *   branch), and after its required reviewers approve. A job naming an environment that does not
 *   exist creates it, without protection rules.
 * - Pull requests from forks get a read-only GITHUB_TOKEN: no `id-token: write`, so no OIDC token
 *   (github/docs#22492; JuliaCloud/AWS.jl#634 shows AssumeRoleWithWebIdentity failing for that reason).
 * - aws-actions/configure-aws-credentials requests the audience `sts.amazonaws.com` unless its
 *   `audience` input says otherwise (its README).
 * AWS's side is test/infra/iam-trust.ts.
 */

/** The account-level trust of one deployed environment's two roles, as synthesized. */
export interface EnvironmentTrust {
  readonly policies: Readonly<Record<RoleKind, PolicyDocument>>;
  /** Whether a statement's Federated principal is this account's GitHub OIDC provider. */
  readonly isGitHubProvider: (federated: unknown) => boolean;
}

export type Trust = Readonly<Record<DeployEnvironment, EnvironmentTrust>>;

type CfnTemplate = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** The CI stack's roles of every deployed environment, synthesized by the CDK app for `repository`. */
export function synthesizeTrust(repository: string): Trust {
  return Object.fromEntries(DEPLOY_ENVIRONMENTS.map((env) => {
    const { stacks } = synthesize(env, { nag: false, repository, context: { createOidcProvider: env === 'dev' ? 'true' : 'false' } });
    return [env, trustOf(Template.fromStack(stacks.ci).toJSON() as CfnTemplate)];
  })) as unknown as Trust;
}

/** Reads the two roles' trust policies and the GitHub provider from a CI stack template. */
export function trustOf(template: CfnTemplate): EnvironmentTrust {
  const role = (kind: RoleKind) => {
    const prefix = kind === 'deploy' ? 'DeployRole' : 'RunRole';
    const found = Object.entries(template.Resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(prefix));
    if (found.length !== 1) throw new Error(`Expected one ${prefix} in the CI stack, found ${found.length}.`);
    return found[0][1].Properties!.AssumeRolePolicyDocument as PolicyDocument;
  };
  const isGitHubProvider = (federated: unknown): boolean => {
    const ref = federated as { 'Ref'?: string; 'Fn::GetAtt'?: [string, string] };
    const id = ref?.Ref ?? ref?.['Fn::GetAtt']?.[0];
    if (id) {
      const resource = template.Resources[id];
      return resource?.Type === 'AWS::IAM::OIDCProvider' && resource.Properties?.Url === `https://${GITHUB_OIDC_HOST}`;
    }
    // An imported provider: arn:<partition>:iam::<account>:oidc-provider/<host>, as a string or Fn::Join.
    return JSON.stringify(federated).includes(`:oidc-provider/${GITHUB_OIDC_HOST}`);
  };
  return { policies: { deploy: role('deploy'), run: role('run') }, isGitHubProvider };
}

/** Whether a role admits an OIDC token with these claims. */
export function admits(trust: EnvironmentTrust, role: RoleKind, claims: { readonly sub: string; readonly aud?: string }): boolean {
  return trustAdmits(trust.policies[role], {
    isProvider: trust.isGitHubProvider,
    action: 'sts:AssumeRoleWithWebIdentity',
    context: { [`${GITHUB_OIDC_HOST}:sub`]: claims.sub, [`${GITHUB_OIDC_HOST}:aud`]: claims.aud ?? STS_AUDIENCE },
  });
}

/** One way a workflow can start. */
export interface Scenario {
  readonly name: string;
  readonly event: 'push' | 'schedule' | 'workflow_dispatch' | 'pull_request';
  readonly ref: string;
  /** The pull request's head branch. */
  readonly headBranch?: string;
  readonly inputs: Readonly<Record<string, Value>>;
  readonly payload: Readonly<Record<string, Value>>;
  /** A pull request from a fork. */
  readonly fork?: boolean;
}

/**
 * Every way the workflow starts from the repository's `branch` (dispatches: once per environment
 * choice). Pull requests come from a head branch other than main, and also from a fork.
 */
export function scenarios(workflow: Workflow, repository: string, branch = 'main'): Scenario[] {
  const on = workflow.on;
  const result: Scenario[] = [];
  for (const pushed of on.push?.branches ?? []) {
    if (pushed === branch) result.push({ name: `push to ${pushed}`, event: 'push', ref: `refs/heads/${pushed}`, inputs: {}, payload: {} });
  }
  // Schedules run on the default branch, with an empty inputs context.
  if (on.schedule && branch === 'main') result.push({ name: 'schedule', event: 'schedule', ref: 'refs/heads/main', inputs: {}, payload: {} });
  if (on.workflow_dispatch) {
    const declared = on.workflow_dispatch.inputs ?? {};
    const defaults: Record<string, Value> = Object.fromEntries(Object.entries(declared).map(([name, input]) => [name,
      input.type === 'boolean' ? input.default === 'true' : input.type === 'number' ? Number(input.default) : input.default ?? '']));
    const choices = declared.environment?.options ?? [defaults.environment ?? ''];
    for (const environment of choices) {
      result.push({
        name: `dispatch of ${environment} from ${branch}`,
        event: 'workflow_dispatch',
        ref: `refs/heads/${branch}`,
        inputs: { ...defaults, ...(declared.environment ? { environment } : {}) },
        payload: {},
      });
    }
  }
  if (on.pull_request) {
    const headBranch = branch === 'main' ? 'feature' : branch;
    for (const fork of [false, true]) {
      const head = { ref: headBranch, repo: { full_name: fork ? 'someone/clickstream-fork' : repository } };
      for (const action of on.pull_request.types) {
        result.push({
          name: `pull request ${action}${fork ? ' from a fork' : ''}`,
          event: 'pull_request',
          ref: 'refs/pull/7/merge',
          headBranch,
          inputs: {},
          fork,
          payload: {
            action,
            label: action === 'labeled' ? { name: 'run-emr' } : null,
            pull_request: { number: 7, labels: [{ name: 'run-emr' }], head: { ...head, sha: '9fceb02d0ae598e95dc970b74767f19372d61af8' } },
          },
        });
      }
    }
  }
  return result;
}

/** What GitHub does when one job asks for an OIDC token in one scenario. */
export type TokenOutcome =
  | { readonly issued: true; readonly sub: string; readonly aud: string }
  | { readonly issued: false; readonly reason: string };

/** A job with `id-token: write` that runs in a scenario, and what it asks AWS for. */
export interface CredentialedRun {
  readonly workflow: string;
  readonly job: string;
  readonly scenario: Scenario;
  readonly githubEnvironment?: string;
  /** The role it assumes, by the variable holding its ARN. */
  readonly role: RoleKind;
  /** The deployed environment whose role that variable names: the GitHub environment's (README setup). */
  readonly roleEnvironment?: DeployEnvironment;
  /** The environments its steps operate on (action `environment` inputs, `--environment` flags). */
  readonly operatesOn: readonly string[];
  readonly token: TokenOutcome;
  /** The concurrency group it runs in, evaluated. */
  readonly concurrency?: { readonly group: string; readonly cancelInProgress: boolean; readonly queue?: string };
}

function expressionContext(workflow: Workflow, scenario: Scenario, repository: string) {
  const needs = Object.fromEntries(Object.keys(workflow.jobs).map((id) => [id, { result: 'success', outputs: {} }]));
  return {
    contexts: {
      github: {
        event_name: scenario.event,
        ref: scenario.ref,
        repository,
        event: scenario.payload,
        run_id: '4242',
        sha: 'b'.repeat(40),
        head_ref: scenario.headBranch ?? '',
      },
      inputs: scenario.inputs,
      needs,
      vars: {},
      steps: {},
      runner: { temp: '/home/runner/work/_temp' },
    } as Record<string, Value>,
  };
}

/** GitHub's decision on issuing a token to a job, from the event and the environment's documented protection rules. */
export function githubIssues(repository: string, scenario: Scenario, environment: string | undefined, audience: string): TokenOutcome {
  if (scenario.fork) return { issued: false, reason: 'pull requests from forks get no id-token: write' };
  if (environment) {
    const configured = githubEnvironment(environment);
    const branch = scenario.event === 'pull_request' ? scenario.headBranch : scenario.ref.replace(/^refs\/heads\//, '');
    if (configured?.deploymentBranches === 'main' && branch !== 'main') {
      return { issued: false, reason: `GitHub environment ${environment} admits main only, not ${branch}` };
    }
    return { issued: true, sub: environmentSubject(repository, environment), aud: audience };
  }
  if (scenario.event === 'pull_request') return { issued: true, sub: `repo:${repository}:pull_request`, aud: audience };
  return { issued: true, sub: `repo:${repository}:ref:${scenario.ref}`, aud: audience };
}

const CONFIGURE_CREDENTIALS = 'aws-actions/configure-aws-credentials@';

/** Every credentialed job run the workflows make, from the repository's `branch`. */
export function credentialedRuns(workflows: Readonly<Record<string, Workflow>>, repository: string, branch = 'main'): CredentialedRun[] {
  const runs: CredentialedRun[] = [];
  for (const [file, workflow] of Object.entries(workflows)) {
    for (const scenario of scenarios(workflow, repository, branch)) {
      const context = expressionContext(workflow, scenario, repository);
      for (const [id, job] of Object.entries(workflow.jobs)) {
        if (job.permissions?.['id-token'] !== 'write') continue;
        if (!condition(job.if, context)) continue;
        runs.push(credentialedRun(file, id, job, scenario, context, repository));
      }
    }
  }
  return runs;
}

function credentialedRun(
  file: string, id: string, job: Job, scenario: Scenario, context: ReturnType<typeof expressionContext>, repository: string,
): CredentialedRun {
  const text = (value: unknown) => (value === undefined || value === null ? undefined : String(interpolate(String(value), context)));
  const declared = job.environment as unknown as string | { name: string } | undefined;
  const githubEnvironmentName = text(typeof declared === 'object' && declared ? declared.name : declared) || undefined;
  const credentials = job.steps.filter((s) => s.uses?.startsWith(CONFIGURE_CREDENTIALS));
  if (credentials.length !== 1) throw new Error(`${file}/${id} has id-token: write and ${credentials.length} configure-aws-credentials steps; expected one.`);
  const roleVariable = /vars\.(\w+)/.exec(String(credentials[0].with?.['role-to-assume'] ?? ''))?.[1];
  const role = ROLE_KINDS.find((kind) => ROLE_VARIABLES[kind] === roleVariable);
  if (!role) throw new Error(`${file}/${id} assumes ${credentials[0].with?.['role-to-assume']}, not one of the role variables ${Object.values(ROLE_VARIABLES).join(', ')}.`);
  const audience = text(credentials[0].with?.audience) ?? STS_AUDIENCE;
  const operatesOn = [...new Set(job.steps.flatMap((step) => {
    if (step.uses?.startsWith('./') && step.with?.environment !== undefined) return [text(step.with.environment)!];
    const flag = step.run ? /--environment[ =]"?([\w-]+)/.exec(step.run)?.[1] : undefined;
    return flag ? [flag] : [];
  }))];
  const concurrency = job.concurrency
    ? { group: text(job.concurrency.group)!, cancelInProgress: job.concurrency['cancel-in-progress'], queue: job.concurrency.queue }
    : undefined;
  return {
    workflow: file,
    job: id,
    scenario,
    githubEnvironment: githubEnvironmentName,
    role,
    roleEnvironment: githubEnvironmentName ? githubEnvironment(githubEnvironmentName)?.awsEnvironment : undefined,
    operatesOn,
    token: githubIssues(repository, scenario, githubEnvironmentName, audience),
    concurrency,
  };
}

/**
 * The contract's violations for the workflows' own runs from main: a job that GitHub or IAM would
 * stop, or that runs with another environment's role than the one it operates on. Empty when the
 * two halves agree.
 */
export function contractProblems(runs: readonly CredentialedRun[], trust: Trust): string[] {
  const problems: string[] = [];
  for (const run of runs) {
    const where = `${run.workflow}/${run.job} on ${run.scenario.name}`;
    if (run.scenario.fork) {
      if (run.token.issued) problems.push(`${where}: a fork's pull request would get a token`);
      continue;
    }
    if (!run.githubEnvironment) {
      problems.push(`${where}: declares no GitHub environment; its token's subject would be ${run.token.issued ? run.token.sub : 'none'}`);
    } else if (!githubEnvironment(run.githubEnvironment)) {
      problems.push(`${where}: GitHub environment "${run.githubEnvironment}" is not in the trust contract (GitHub would create it without protection rules)`);
    }
    if (!run.token.issued) {
      problems.push(`${where}: GitHub refuses a token: ${run.token.reason}`);
      continue;
    }
    const target = run.roleEnvironment ?? (run.operatesOn.length === 1 ? run.operatesOn[0] as DeployEnvironment : undefined);
    if (!target || !trust[target]) {
      problems.push(`${where}: no deployed environment's ${run.role} role to assume (subject ${run.token.sub})`);
      continue;
    }
    if (!admits(trust[target], run.role, run.token)) {
      problems.push(`${where}: the ${run.role} role of ${target} refuses ${run.token.sub}`);
    }
    const others = run.operatesOn.filter((e) => e !== target);
    if (others.length > 0) problems.push(`${where}: operates on ${others.join(', ')} with the ${run.role} role of ${target}`);
  }
  return problems;
}

/** For each role, the GitHub environments (of the contract, plus look-alikes) whose subject it admits. */
export function admittedEnvironments(trust: Trust, repository: string, candidates: readonly string[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const env of DEPLOY_ENVIRONMENTS) {
    for (const role of ROLE_KINDS) {
      result[`${env} ${role}`] = candidates.filter((name) => admits(trust[env], role, { sub: environmentSubject(repository, name) }));
    }
  }
  return result;
}

/** Every role that admits a subject, as `<environment> <role>`. */
export function rolesAdmitting(trust: Trust, claims: { readonly sub: string; readonly aud?: string }): string[] {
  return DEPLOY_ENVIRONMENTS.flatMap((env) => ROLE_KINDS.filter((role) => admits(trust[env], role, claims)).map((role) => `${env} ${role}`));
}

/** The GitHub environment names the contract configures, and look-alikes a drifted job might use. */
export const CANDIDATE_ENVIRONMENTS = [...GITHUB_ENVIRONMENTS.map((e) => e.name), 'production', 'Prod', 'staging-pr-2', 'preview', 'dev-staging'];
