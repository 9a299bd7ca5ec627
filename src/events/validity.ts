import { VALIDITY_RULES, ValidityRule } from './schema';

/**
 * VALIDITY_RULES applied to one bronze row in TypeScript: the replay's check of a line, the
 * reference computation and the simulation blame a row as the Spark jobs and the validation SQL do.
 */

/** A bronze row as landed: any field may be missing, null or out of range. */
export interface RawEvent {
  readonly sensor_id?: number | null;
  readonly temperature?: number | null;
  readonly humidity?: number | null;
  readonly location?: { readonly latitude?: number | null; readonly longitude?: number | null } | null;
  readonly status?: string | null;
  readonly event_type?: string | null;
  readonly timestamp?: number | null;
  readonly uuid?: string | null;
}

function columnValue(event: RawEvent, column: string): unknown {
  return column.split('.').reduce<unknown>((value, key) => (value === null || value === undefined ? value : (value as Record<string, unknown>)[key]), event);
}

/** How `event` breaks `rule` (`<name>-missing|-empty|-out-of-range`), or undefined when it holds. */
function broken(event: RawEvent, rule: ValidityRule): string | undefined {
  const value = columnValue(event, rule.column);
  if (value === null || value === undefined) return `${rule.name}-missing`;
  if (rule.kind === 'non-empty' && value === '') return `${rule.name}-empty`;
  // NaN fails both comparisons: out of range.
  if (rule.kind === 'range' && !(typeof value === 'number' && value >= rule.min && value <= rule.max)) return `${rule.name}-out-of-range`;
  return undefined;
}

/** The first of VALIDITY_RULES a bronze row breaks, or undefined for a valid event. */
export function brokenRule(event: RawEvent): string | undefined {
  for (const rule of VALIDITY_RULES) {
    const reason = broken(event, rule);
    if (reason) return reason;
  }
  return undefined;
}

export function isValidEvent(event: RawEvent): boolean {
  return brokenRule(event) === undefined;
}
