/** Exponential backoff: `initialMs`, then times `factor` per step, capped at `maxMs`. */
export function backoffDelays(initialMs: number, factor: number, maxMs: number): () => number {
  let next = initialMs;
  return () => {
    const current = next;
    next = Math.min(next * factor, maxMs);
    return current;
  };
}

/** Throws when an option that must be a positive number is not, naming the option. */
export function requirePositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${value}.`);
  return value;
}
