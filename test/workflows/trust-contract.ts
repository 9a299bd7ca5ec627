import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Value, condition, interpolate } from './expressions';
import { Job, Step, Workflow } from './workflows';
import { addPreviewCiStack } from '../../infra/app';
import { DEPLOY_ENVIRONMENTS, RoleOwner, rolesServe } from '../../infra/config/deploy-environments';
import { GITHUB_ENVIRONMENTS, ROLE_KINDS, ROLE_VARIABLES, RoleKind, environmentSubject, githubEnvironment } from '../../infra/config/github-environments';
import { GITHUB_OIDC_HOST, STS_AUDIENCE } from '../../infra/constructs/github-roles';
import { PREVIEW_ROLES_ENVIRONMENT } from '../../src/config/names';
import { PolicyDocument, stringLike, trustAllows } from '../contract/evaluator';
import { ACCOUNT, previewRolesTestConfig, synthesize } from '../infra/support';

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
 *   environment's deployment branch rule matches the run's GITHUB_REF (`refs/pull/<n>/merge` for a
 *   pull_request event, "Events that trigger workflows"; a rule `refs/pull/*\/merge` admits pull
 *   requests), and after its required reviewers approve. A job naming an environment that does not
 *   exist creates it, without protection rules.
 * - Pull requests from forks get a read-only GITHUB_TOKEN: no `id-token: write`, so no OIDC token
 *   (github/docs#22492; JuliaCloud/AWS.jl#634 shows AssumeRoleWithWebIdentity failing for that reason).
 * - aws-actions/configure-aws-credentials requests the audience `sts.amazonaws.com` unless its
 *   `audience` input says otherwise (its README).
 * AWS's side is IAM's evaluation of the synthesized trust policies (test/contract/evaluator.ts).
 */

/** The account-level trust of one owner's roles (a standing environment's, or every preview's), as synthesized. */
export interface EnvironmentTrust {
  readonly policies: Readonly<Partial<Record<RoleKind, PolicyDocument>>>;
  /** The ARN of the account's GitHub OIDC provider, as the roles' trust policies name it. */
  readonly gitHubProvider: string;
}

export type Trust = Readonly<Record<RoleOwner, EnvironmentTrust>>;

/** Every owner of roles: the standing environments and the previews' shared roles. */
export const ROLE_OWNERS: readonly RoleOwner[] = [...DEPLOY_ENVIRONMENTS, PREVIEW_ROLES_ENVIRONMENT];

type CfnTemplate = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** The roles of every owner, synthesized by the CDK app for `repository`. */
export function synthesizeTrust(repository: string): Trust {
  const standing = DEPLOY_ENVIRONMENTS.map((env) => {
    const { stacks } = synthesize(env, { nag: false, repository, context: { createOidcProvider: env === 'dev' ? 'true' : 'false' } });
    return [env, trustOf(Template.fromStack(stacks.ci!).toJSON() as CfnTemplate)];
  });
  return { ...Object.fromEntries(standing), [PREVIEW_ROLES_ENVIRONMENT]: trustOf(previewCiTemplate(repository)) } as unknown as Trust;
}

/** The template of the stack of the roles every preview shares. */
export function previewCiTemplate(repository: string): CfnTemplate {
  const app = new App();
  const stack = addPreviewCiStack(app, { config: previewRolesTestConfig(repository), nag: false });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

const ROLE_IDS: Readonly<Record<RoleKind, string>> = { deploy: 'DeployRole', run: 'RunRole', teardown: 'TeardownRole' };

/** Reads the roles' trust policies and the GitHub provider from a CI stack template. */
export function trustOf(template: CfnTemplate): EnvironmentTrust {
  const policies: Partial<Record<RoleKind, PolicyDocument>> = {};
  for (const kind of ROLE_KINDS) {
    const found = Object.entries(template.Resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(ROLE_IDS[kind]));
    if (found.length > 1) throw new Error(`Expected at most one ${ROLE_IDS[kind]} in the CI stack, found ${found.length}.`);
    if (found.length === 1) policies[kind] = found[0][1].Properties!.AssumeRolePolicyDocument as PolicyDocument;
  }
  if (Object.keys(policies).length === 0) throw new Error('No GitHub role in the CI stack template.');
  const resolved = Object.fromEntries(Object.entries(policies).map(([kind, policy]) => [kind, withProviderArn(policy, template)]));
  return { policies: resolved, gitHubProvider: GITHUB_PROVIDER_ARN };
}

const GITHUB_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_OIDC_HOST}`;

/**
 * The trust policy with its Federated principal resolved: the provider the stack creates (when it
 * is the GitHub issuer) or imports becomes the account's provider ARN, anything else stays as it is
 * (and so matches no token).
 */
function withProviderArn(policy: PolicyDocument, template: CfnTemplate): PolicyDocument {
  const resolve = (federated: unknown): unknown => {
    const ref = federated as { 'Ref'?: string; 'Fn::GetAtt'?: [string, string] };
    const id = ref?.Ref ?? ref?.['Fn::GetAtt']?.[0];
    if (id) {
      const resource = template.Resources[id];
      return resource?.Type === 'AWS::IAM::OIDCProvider' && resource.Properties?.Url === `https://${GITHUB_OIDC_HOST}` ? GITHUB_PROVIDER_ARN : `unresolved:${id}`;
    }
    // An imported provider: arn:<partition>:iam::<account>:oidc-provider/<host>, as a string or Fn::Join.
    return JSON.stringify(federated).includes(`:oidc-provider/${GITHUB_OIDC_HOST}`) ? GITHUB_PROVIDER_ARN : JSON.stringify(federated);
  };
  return {
    ...policy,
    Statement: policy.Statement.map((statement) => {
      const principal = statement.Principal as { Federated?: unknown } | undefined;
      if (principal?.Federated === undefined) return statement;
      const federated = Array.isArray(principal.Federated) ? principal.Federated.map(resolve) : resolve(principal.Federated);
      return { ...statement, Principal: { ...principal, Federated: federated } };
    }),
  };
}

/** Whether a role admits an OIDC token with these claims. */
export function admits(trust: EnvironmentTrust, role: RoleKind, claims: { readonly sub: string; readonly aud?: string }): boolean {
  const policy = trust.policies[role];
  if (!policy) return false;
  return trustAllows(policy, trust.gitHubProvider, 'sts:AssumeRoleWithWebIdentity',
    { [`${GITHUB_OIDC_HOST}:sub`]: claims.sub, [`${GITHUB_OIDC_HOST}:aud`]: claims.aud ?? STS_AUDIENCE },
    `arn:aws:iam::${ACCOUNT}:role/${role}`);
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
    // A dispatch that names days (a backfill) runs jobs a default dispatch skips.
    const windows: Array<[string, Record<string, Value>]> = [['', {}], ...(declared.from_date && declared.to_date
      ? [[' with a window', { from_date: '2026-01-09', to_date: '2026-01-13' }] as [string, Record<string, Value>]]
      : [])];
    for (const environment of choices) {
      for (const [label, window] of windows) {
        result.push({
          name: `dispatch of ${environment}${label} from ${branch}`,
          event: 'workflow_dispatch',
          ref: `refs/heads/${branch}`,
          inputs: { ...defaults, ...window, ...(declared.environment ? { environment } : {}) },
          payload: {},
        });
      }
    }
  }
  if (on.pull_request) {
    const headBranch = branch === 'main' ? 'feature' : branch;
    for (const fork of [false, true]) {
      const head = { ref: headBranch, repo: { full_name: fork ? 'someone/clickstream-fork' : repository } };
      for (const action of on.pull_request.types) {
        // Labelling adds the label the event names; removing it leaves the pull request without it.
        const labels = action === 'unlabeled' ? [] : [{ name: 'run-emr' }];
        result.push({
          name: `pull request ${action}${fork ? ' from a fork' : ''}`,
          event: 'pull_request',
          ref: 'refs/pull/7/merge',
          headBranch,
          inputs: {},
          fork,
          payload: {
            action,
            label: action === 'labeled' || action === 'unlabeled' ? { name: 'run-emr' } : null,
            pull_request: {
              number: 7,
              labels,
              head: { ...head, sha: '9fceb02d0ae598e95dc970b74767f19372d61af8' },
              base: { ref: 'main', sha: 'c'.repeat(40) },
            },
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

/**
 * One credentialed stretch of a job that runs in a scenario: a configure-aws-credentials step and
 * the steps after it until the next one (a job may deploy with one role, then run with another).
 */
export interface CredentialedRun {
  readonly workflow: string;
  readonly job: string;
  readonly scenario: Scenario;
  readonly githubEnvironment?: string;
  /** The role it assumes, by the variable holding its ARN. */
  readonly role: RoleKind;
  /** Whose role that variable names: the GitHub environment's (docs/aws.md, setup). */
  readonly roleEnvironment?: RoleOwner;
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

/**
 * Whether an environment's deployment branch rule admits a run's GITHUB_REF. GitHub matches the rule
 * against GITHUB_REF with File.fnmatch semantics (GitHub docs, "Deployments and environments");
 * the rules here have no `/`-spanning wildcard, so IAM's StringLike matcher computes the same.
 */
export function admitsRef(rule: 'main' | 'pull-requests' | 'any', ref: string): boolean {
  if (rule === 'any') return true;
  return rule === 'main' ? ref === 'refs/heads/main' : stringLike('refs/pull/*/merge', ref) && !ref.slice('refs/pull/'.length, -'/merge'.length).includes('/');
}

/** GitHub's decision on issuing a token to a job, from the event and the environment's documented protection rules. */
export function githubIssues(repository: string, scenario: Scenario, environment: string | undefined, audience: string): TokenOutcome {
  if (scenario.fork) return { issued: false, reason: 'pull requests from forks get no id-token: write' };
  if (environment) {
    const configured = githubEnvironment(environment);
    if (configured && !admitsRef(configured.deploymentBranches, scenario.ref)) {
      const rule = configured.deploymentBranches === 'main' ? 'main only' : 'pull requests only';
      return { issued: false, reason: `GitHub environment ${environment} admits ${rule}, not ${scenario.ref}` };
    }
    return { issued: true, sub: environmentSubject(repository, environment), aud: audience };
  }
  if (scenario.event === 'pull_request') return { issued: true, sub: `repo:${repository}:pull_request`, aud: audience };
  return { issued: true, sub: `repo:${repository}:ref:${scenario.ref}`, aud: audience };
}

const CONFIGURE_CREDENTIALS = 'aws-actions/configure-aws-credentials@';

/** Every credentialed stretch of every job run the workflows make, from the repository's `branch`. */
export function credentialedRuns(workflows: Readonly<Record<string, Workflow>>, repository: string, branch = 'main'): CredentialedRun[] {
  const runs: CredentialedRun[] = [];
  for (const [file, workflow] of Object.entries(workflows)) {
    for (const scenario of scenarios(workflow, repository, branch)) {
      const context = expressionContext(workflow, scenario, repository);
      for (const [id, job] of Object.entries(workflow.jobs)) {
        if (job.permissions?.['id-token'] !== 'write') continue;
        if (!condition(job.if, context)) continue;
        runs.push(...credentialedStretches(file, id, job, scenario, context, repository));
      }
    }
  }
  return runs;
}

function credentialedStretches(
  file: string, id: string, job: Job, scenario: Scenario, context: ReturnType<typeof expressionContext>, repository: string,
): CredentialedRun[] {
  const text = (value: unknown) => (value === undefined || value === null ? undefined : String(interpolate(String(value), context)));
  const declared = job.environment as unknown as string | { name: string } | undefined;
  const githubEnvironmentName = text(typeof declared === 'object' && declared ? declared.name : declared) || undefined;
  const starts = job.steps.flatMap((s, i) => (s.uses?.startsWith(CONFIGURE_CREDENTIALS) ? [i] : []));
  if (starts.length === 0) throw new Error(`${file}/${id} has id-token: write and no configure-aws-credentials step.`);
  const concurrency = job.concurrency
    ? { group: text(job.concurrency.group)!, cancelInProgress: job.concurrency['cancel-in-progress'], queue: job.concurrency.queue }
    : undefined;
  const operatesOn = (steps: readonly Step[]) => [...new Set(steps.flatMap((step) => {
    if (step.uses?.startsWith('./') && step.with?.environment !== undefined) return [text(step.with.environment)!];
    const flag = step.run ? /--environment[ =]"?([\w-]+)/.exec(step.run)?.[1] : undefined;
    return flag ? [flag] : [];
  }))];
  return starts.map((start, i) => {
    const credentials = job.steps[start];
    const roleVariable = /vars\.(\w+)/.exec(String(credentials.with?.['role-to-assume'] ?? ''))?.[1];
    const role = ROLE_KINDS.find((kind) => ROLE_VARIABLES[kind] === roleVariable);
    if (!role) throw new Error(`${file}/${id} assumes ${credentials.with?.['role-to-assume']}, not one of the role variables ${Object.values(ROLE_VARIABLES).join(', ')}.`);
    const audience = text(credentials.with?.audience) ?? STS_AUDIENCE;
    return {
      workflow: file,
      job: id,
      scenario,
      githubEnvironment: githubEnvironmentName,
      role,
      roleEnvironment: githubEnvironmentName ? githubEnvironment(githubEnvironmentName)?.awsEnvironment : undefined,
      operatesOn: operatesOn(job.steps.slice(start + 1, starts[i + 1])),
      token: githubIssues(repository, scenario, githubEnvironmentName, audience),
      concurrency,
    };
  });
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
    const target = run.roleEnvironment ?? (run.operatesOn.length === 1 ? run.operatesOn[0] as RoleOwner : undefined);
    if (!target || !trust[target]) {
      problems.push(`${where}: no deployed environment's ${run.role} role to assume (subject ${run.token.sub})`);
      continue;
    }
    if (!admits(trust[target], run.role, run.token)) {
      problems.push(`${where}: the ${run.role} role of ${target} refuses ${run.token.sub}`);
    }
    const others = run.operatesOn.filter((e) => !rolesServe(target, e));
    if (others.length > 0) problems.push(`${where}: operates on ${others.join(', ')} with the ${run.role} role of ${target}`);
  }
  return problems;
}

/** For each role, the GitHub environments (of the contract, plus look-alikes) whose subject it admits. */
export function admittedEnvironments(trust: Trust, repository: string, candidates: readonly string[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const owner of ROLE_OWNERS) {
    for (const role of ROLE_KINDS.filter((kind) => trust[owner].policies[kind])) {
      result[`${owner} ${role}`] = candidates.filter((name) => admits(trust[owner], role, { sub: environmentSubject(repository, name) }));
    }
  }
  return result;
}

/** Every role that admits a subject, as `<environment> <role>`. */
export function rolesAdmitting(trust: Trust, claims: { readonly sub: string; readonly aud?: string }): string[] {
  return ROLE_OWNERS.flatMap((owner) => ROLE_KINDS.filter((role) => admits(trust[owner], role, claims)).map((role) => `${owner} ${role}`));
}

/** The GitHub environment names the contract configures, and look-alikes a drifted job might use. */
export const CANDIDATE_ENVIRONMENTS = [...GITHUB_ENVIRONMENTS.map((e) => e.name), 'production', 'Prod', 'staging-pr', 'previews', 'preview-teardown-2', 'pr-7', 'dev-staging'];
