const WITH_ZONE = /(Z|[+-]\d{2}:\d{2})$/;

/**
 * A command's `--as-of` time (the pipeline's now, for replaying history), checked once: an ISO
 * time with its zone, e.g. 2026-11-27T03:30:00Z. A time without a zone would silently mean the
 * machine's.
 */
export function parseAsOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = WITH_ZONE.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new Error(`--as-of must be a time with its zone, e.g. 2026-11-27T03:30:00Z, got "${value}".`);
  return at;
}
