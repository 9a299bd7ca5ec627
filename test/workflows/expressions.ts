/**
 * GitHub Actions expressions, evaluated as GitHub does for the values the contract test reads
 * (GitHub docs, "Evaluate expressions in workflows and actions"): literals (strings in single
 * quotes with '' for a quote, numbers, true, false, null), property dereference with `.`, `[ ]`
 * and the `*` filter, `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||` and grouping. `&&` and `||`
 * return one of their operands, which is what makes `cond && 'a' || 'b'` work; the falsy values
 * are false, 0, -0, '', null; string comparison ignores case, and values of different types are
 * compared as numbers. Property names may contain `-` (`needs.deploy-staging.result`). A missing
 * property is null. Functions: contains, startsWith, endsWith, format, join, toJSON, fromJSON and
 * the status functions, whose values the scenario gives. Anything else throws, so a workflow the
 * test cannot read fails it instead of passing unread.
 */

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** The status functions' results (`success()` when the job's needs all succeeded, ...). */
export interface StatusFunctions {
  readonly success: boolean;
  readonly failure: boolean;
  readonly cancelled: boolean;
  readonly always: boolean;
}

export interface ExpressionContext {
  readonly contexts: Readonly<Record<string, Value>>;
  readonly status?: StatusFunctions;
}

type Token =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'op'; readonly value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`Unterminated string in expression: ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^-?(0x[0-9a-f]+|[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?)/i.exec(text.slice(i))!;
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    } else {
      const op = ['&&', '||', '==', '!=', '<=', '>='].find((o) => text.startsWith(o, i)) ?? c;
      if (!['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', '.', ',', '*'].includes(op)) {
        throw new Error(`Unexpected character ${JSON.stringify(c)} in expression: ${text}`);
      }
      tokens.push({ kind: 'op', value: op });
      i += op.length;
    }
  }
  return tokens;
}

export function truthy(value: Value): boolean {
  return !(value === false || value === 0 || value === '' || value === null || (typeof value === 'number' && Number.isNaN(value)));
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return Number.NaN;
}

/** GitHub's loose equality. */
export function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (a === null && b === null) return true;
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  return toNumber(a) === toNumber(b);
}

/** How GitHub turns a value into text in `${{ }}`. */
export function asString(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[], private readonly context: ExpressionContext, private readonly text: string) {}

  parse(): Value {
    const value = this.or();
    if (this.position < this.tokens.length) throw new Error(`Unexpected ${JSON.stringify(this.tokens[this.position].value)} in expression: ${this.text}`);
    return value;
  }

  private peek(op: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'op' && token.value === op;
  }

  private expect(op: string): void {
    if (!this.peek(op)) throw new Error(`Expected ${op} in expression: ${this.text}`);
    this.position++;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek('||')) {
      this.position++;
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.peek('&&')) {
      this.position++;
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    for (;;) {
      const op = ['==', '!=', '<', '<=', '>', '>='].find((o) => this.peek(o));
      if (!op) return left;
      this.position++;
      const right = this.unary();
      if (op === '==') {left = looseEquals(left, right);} else if (op === '!=') {left = !looseEquals(left, right);} else {
        const [a, b] = [toNumber(left), toNumber(right)];
        left = op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      }
    }
  }

  private unary(): Value {
    if (this.peek('!')) {
      this.position++;
      return !truthy(this.unary());
    }
    return this.postfix(this.primary());
  }

  private primary(): Value {
    const token = this.tokens[this.position++];
    if (!token) throw new Error(`Unexpected end of expression: ${this.text}`);
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'op' && token.value === '(') {
      const value = this.or();
      this.expect(')');
      return value;
    }
    if (token.kind === 'word') {
      if (token.value === 'true') return true;
      if (token.value === 'false') return false;
      if (token.value === 'null') return null;
      if (this.peek('(')) return this.call(token.value);
      if (!(token.value in this.context.contexts)) throw new Error(`Unknown context ${token.value} in expression: ${this.text}`);
      return this.context.contexts[token.value];
    }
    throw new Error(`Unexpected ${JSON.stringify(token.value)} in expression: ${this.text}`);
  }

  private postfix(base: Value): Value {
    let value = base;
    for (;;) {
      if (this.peek('.')) {
        this.position++;
        const name = this.tokens[this.position++];
        if (name?.kind === 'op' && name.value === '*') value = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : [];
        else if (name?.kind === 'word') value = property(value, name.value);
        else throw new Error(`Expected a property name in expression: ${this.text}`);
      } else if (this.peek('[')) {
        this.position++;
        const key = this.or();
        this.expect(']');
        value = Array.isArray(value) && typeof key === 'number' ? value[key] ?? null : property(value, asString(key));
      } else {
        return value;
      }
    }
  }

  private call(name: string): Value {
    this.expect('(');
    const args: Value[] = [];
    while (!this.peek(')')) {
      args.push(this.or());
      if (!this.peek(')')) this.expect(',');
    }
    this.expect(')');
    const status = this.context.status ?? { success: true, failure: false, cancelled: false, always: true };
    switch (name.toLowerCase()) {
      case 'contains':
        if (Array.isArray(args[0])) return args[0].some((item) => looseEquals(item, args[1]));
        return asString(args[0]).toLowerCase().includes(asString(args[1]).toLowerCase());
      case 'startswith':
        return asString(args[0]).toLowerCase().startsWith(asString(args[1]).toLowerCase());
      case 'endswith':
        return asString(args[0]).toLowerCase().endsWith(asString(args[1]).toLowerCase());
      case 'format':
        return asString(args[0]).replace(/\{(\d+)\}/g, (_m, i: string) => asString(args[Number(i) + 1] ?? null));
      case 'join':
        return Array.isArray(args[0]) ? args[0].map(asString).join(args[1] === undefined ? ',' : asString(args[1])) : asString(args[0]);
      case 'tojson':
        return JSON.stringify(args[0], null, 2);
      case 'fromjson':
        return JSON.parse(asString(args[0])) as Value;
      case 'success':
      case 'failure':
      case 'cancelled':
      case 'always':
        return status[name.toLowerCase() as keyof StatusFunctions];
      default:
        throw new Error(`The expression evaluator does not implement ${name}() in: ${this.text}`);
    }
  }
}

function property(value: Value, name: string): Value {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return Array.isArray(value) ? value.map((item) => property(item, name)) : null;
  }
  const key = Object.keys(value).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : value[key];
}

/** Evaluates one expression (the text inside `${{ }}`, or an `if:` condition). */
export function evaluate(expression: string, context: ExpressionContext): Value {
  return new Parser(tokenize(expression), context, expression).parse();
}

/**
 * A workflow value: a plain string, one `${{ }}` (its value, any type), or text with several
 * (each turned into text).
 */
export function interpolate(text: string, context: ExpressionContext): Value {
  const whole = /^\$\{\{([\s\S]*?)\}\}$/.exec(text.trim());
  if (whole && !whole[1].includes('}}')) return evaluate(whole[1], context);
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, inner: string) => asString(evaluate(inner, context)));
}

/** A job's or step's `if:`: an expression with or without `${{ }}`, true when absent. */
export function condition(text: string | undefined, context: ExpressionContext): boolean {
  if (text === undefined) return true;
  const trimmed = text.trim();
  return truthy(trimmed.startsWith('${{') ? interpolate(trimmed, context) : evaluate(trimmed, context));
}
