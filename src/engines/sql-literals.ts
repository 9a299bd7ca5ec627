import { QueryParameter } from './query-engine';
import { quote } from '../sql/quote';

/**
 * Athena's limit on one execution parameter. Enforced for every engine so that parameters
 * accepted locally on Trino are also accepted by Athena.
 */
export const MAX_PARAMETER_LENGTH = 1024;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,12})?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Renders each parameter as the SQL literal Athena expects in `ExecutionParameters` (strings
 * quoted with `''` escaping, numbers bare, `DATE '...'`). The Trino engine binds the very same
 * literals, so both engines receive identical SQL and parameters.
 */
export function renderParameters(params: readonly QueryParameter[]): string[] {
  return params.map((param, index) => {
    const literal = renderLiteral(param, `Parameter ${index + 1}`);
    if (literal.length > MAX_PARAMETER_LENGTH) {
      throw new Error(`Parameter ${index + 1} renders to ${literal.length} characters; Athena accepts at most ${MAX_PARAMETER_LENGTH}. Filter with a shorter value or a join.`);
    }
    return literal;
  });
}

/**
 * A value written into the SQL text, where Athena takes no `?` parameter (outside WHERE clauses;
 * Athena User Guide, "Use parameterized queries"): the very literal a parameter would bind, checked
 * the same way, so a value reads the same whichever way it travels.
 */
export function sqlLiteral(value: QueryParameter): string {
  return renderLiteral(value, 'A literal');
}

/** `what` names the value in messages (`Parameter 3`). */
function renderLiteral(param: QueryParameter, what: string): string {
  if (param === null) return 'NULL';
  switch (typeof param) {
    case 'string':
      return quote(param);
    case 'boolean':
      return param ? 'TRUE' : 'FALSE';
    case 'bigint':
      return param.toString();
    case 'number':
      return renderNumber(param, what);
    default:
      return renderTagged(param, what);
  }
}

function renderNumber(value: number, what: string): string {
  if (!Number.isFinite(value)) {
    throw new Error(`${what} is ${value}; pass a finite number (write nan() or infinity() in the SQL instead).`);
  }
  if (Number.isSafeInteger(value)) return String(value);
  // A bare `1.5` is a DECIMAL literal in this dialect; a JS number is a double, so keep it one.
  const text = String(value);
  return /e/i.test(text) ? text : `${text}E0`;
}

const TAGGED_FORMATS = {
  date: { pattern: DATE, hint: 'YYYY-MM-DD' },
  timestamp: { pattern: TIMESTAMP, hint: 'YYYY-MM-DD HH:MM:SS[.fff]' },
  decimal: { pattern: DECIMAL, hint: 'digits with an optional fraction' },
} as const;

function renderTagged(param: Exclude<QueryParameter, string | number | bigint | boolean | null>, what: string): string {
  const format = TAGGED_FORMATS[param.type];
  if (!format) throw new Error(`${what} has unknown type "${String(param.type)}"; use a plain value, sqlDate, sqlTimestamp or sqlDecimal.`);
  if (!format.pattern.test(param.value)) {
    throw new Error(`${what} is not a valid ${param.type}: "${param.value}" (expected ${format.hint}).`);
  }
  return `${param.type.toUpperCase()} ${quote(param.value)}`;
}
