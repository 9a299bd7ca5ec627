import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock } from '../../timing/clock';

/**
 * A stamp records what an install step produced, keyed by a fingerprint of its inputs; a step
 * whose stamp matches and whose outputs exist has nothing to do.
 */
export interface Stamp {
  readonly fingerprint: string;
  readonly installedAt: string;
  readonly outputs: readonly string[];
}

export function fingerprint(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export function stampIsCurrent(stampFile: string, expected: string): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as Stamp;
    return stamp.fingerprint === expected && stamp.outputs.every((output) => fs.existsSync(output));
  } catch {
    return false;
  }
}

export function writeStamp(stampFile: string, value: string, outputs: readonly string[]): void {
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  const stamp: Stamp = { fingerprint: value, installedAt: new Date(systemClock()).toISOString(), outputs };
  fs.writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
}

/** Forgets a step's stamp, so an install that stops half-way never counts as done. */
export function removeStamp(stampFile: string): void {
  fs.rmSync(stampFile, { force: true });
}
