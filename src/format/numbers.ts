/** Numbers for people: counts, durations, sizes and dollars as terminals, Markdown and HTML show them. */

/** `1,234` */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `12.3 s` or `2 min 05 s` */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds - minutes * 60)).padStart(2, '0')} s`;
}

/** Bytes in binary units: `512 B`, `3.4 KiB`, `7.5 MiB`, `676 MiB`, `1.48 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 10 * 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/**
 * A number for people: whole numbers with thousands separators (`1,234`), others with two
 * decimals (`23.34`, `1,234.57`). Reports keep full precision in their JSON; this is for the
 * terminal, Markdown and HTML.
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A query result value for people: numbers as {@link formatNumber}, bigints with separators, the rest as they are. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return value.toLocaleString('en-US');
  return String(value);
}

/**
 * US dollars: two decimals (`$1,234.56`); amounts under a cent get four (`$0.0031`) so that a
 * small run's cost does not read as nothing, and under a hundredth of a cent read `< $0.0001`.
 */
export function formatUsd(amount: number): string {
  if (amount > 0 && amount < 0.0001) return '< $0.0001';
  const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2;
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}
