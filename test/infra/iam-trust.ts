/**
 * IAM's evaluation of a role's trust policy for `sts:AssumeRoleWithWebIdentity`, as far as the
 * contract test needs it, implemented from the IAM User Guide:
 * - "IAM JSON policy elements: Condition operators": StringEquals is an exact, case-sensitive
 *   match; StringLike is case-sensitive and its values may hold the wildcards `*` (any run of
 *   characters, including none) and `?` (exactly one character), anywhere; StringNotEquals and
 *   StringNotLike negate them. A key absent from the request makes a condition false, except for
 *   the negated operators, for which it is true.
 * - "Conditions with multiple context keys or values": several operators, and several keys under
 *   one operator, are ANDed; several values for one key are ORed (NORed for negated operators).
 * - "IAM JSON policy elements: Condition": condition key names are not case-sensitive.
 * - "Policy evaluation logic": an explicit Deny wins over any Allow; without an Allow the request
 *   is implicitly denied.
 * Any other operator, or a policy shape this does not understand, throws, so the contract test
 * cannot pass on a policy it did not really evaluate.
 */

/** The request an OIDC token makes: the federated principal and the token's claims as condition keys. */
export interface WebIdentityRequest {
  /** Whether a statement's `Principal.Federated` names the identity provider that issued the token. */
  readonly isProvider: (federated: unknown) => boolean;
  readonly action: string;
  /** Condition keys and their values, e.g. `token.actions.githubusercontent.com:sub`. */
  readonly context: Readonly<Record<string, string>>;
}

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly Principal?: { readonly Federated?: unknown } | '*';
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Statement: readonly PolicyStatement[];
}

const list = <T>(value: T | readonly T[] | undefined): readonly T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value as T]);

/** StringLike's match: `*` any run of characters, `?` exactly one, everything else literally, case-sensitive. */
export function stringLike(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${regex}$`).test(value);
}

type Matcher = (policyValue: string, requestValue: string) => boolean;

const OPERATORS: Readonly<Record<string, { readonly match: Matcher; readonly negated: boolean }>> = {
  StringEquals: { match: (p, v) => p === v, negated: false },
  StringNotEquals: { match: (p, v) => p === v, negated: true },
  StringLike: { match: stringLike, negated: false },
  StringNotLike: { match: stringLike, negated: true },
};

/** Whether one condition block holds for the request. */
export function conditionHolds(condition: PolicyStatement['Condition'], context: WebIdentityRequest['context']): boolean {
  const lowerCaseContext = new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
  return Object.entries(condition ?? {}).every(([operator, keys]) => {
    const spec = OPERATORS[operator];
    if (!spec) throw new Error(`The trust evaluator does not implement condition operator ${operator}.`);
    return Object.entries(keys).every(([key, values]) => {
      const actual = lowerCaseContext.get(key.toLowerCase());
      if (actual === undefined) return spec.negated;
      const any = list(values).some((value) => {
        if (typeof value !== 'string') throw new Error(`Condition ${operator} ${key} has a value that is not a string: ${JSON.stringify(value)}.`);
        return spec.match(value, actual);
      });
      return spec.negated ? !any : any;
    });
  });
}

function actionMatches(actions: PolicyStatement['Action'], action: string): boolean {
  return list(actions).some((a) => stringLike(a.toLowerCase(), action.toLowerCase()));
}

function statementApplies(statement: PolicyStatement, request: WebIdentityRequest): boolean {
  if (statement.Principal === undefined || statement.Principal === '*') {
    throw new Error(`The trust evaluator expects a Federated principal, got ${JSON.stringify(statement.Principal)}.`);
  }
  const federated = list(statement.Principal.Federated as unknown);
  return federated.some(request.isProvider)
    && actionMatches(statement.Action, request.action)
    && conditionHolds(statement.Condition, request.context);
}

/** Whether the trust policy lets the request assume the role. */
export function trustAdmits(policy: PolicyDocument, request: WebIdentityRequest): boolean {
  const applying = policy.Statement.filter((s) => statementApplies(s, request));
  return !applying.some((s) => s.Effect === 'Deny') && applying.some((s) => s.Effect === 'Allow');
}
