import * as fs from 'node:fs';

/**
 * Processes whose environment holds `NAME=value`: every process a command starts (moto, Trino,
 * spark-submit, the Spark JVM, its Python workers) inherits the environment, so a unique value
 * finds all of them, orphans included.
 */
export function processesWithEnv(name: string, value: string): Array<{ pid: number; command: string }> {
  const needle = `${name}=${value}`;
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(needle)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      found.push({ pid: Number(entry), command: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 160) });
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return found;
}
