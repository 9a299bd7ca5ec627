import * as fs from 'node:fs';
import { every } from '../timing/clock';

/** Resident memory of one process in bytes, or 0 when it is gone. */
export function residentBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process and all its descendants, from /proc (Linux), not descending into `exclude`. */
export function processTree(root: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Exited while we read.
    }
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []).filter((child) => !exclude.has(child)));
  }
  return tree;
}

/**
 * Tracks the peak resident memory of process trees while work runs (e.g. the Spark driver JVM
 * plus its Python workers), by sampling /proc. Sampling misses spikes shorter than the interval.
 * A tree stops at another watched root, so a service started by the watched CLI counts once.
 */
export class PeakMemorySampler {
  private readonly peaks = new Map<string, number>();
  private readonly roots = new Map<string, number>();
  private stopTimer?: () => void;

  constructor(private readonly intervalMs = 250) {}

  /** Starts (or keeps) sampling the tree rooted at `pid` under `label`. */
  watch(label: string, pid: number): void {
    this.roots.set(label, pid);
    this.sample();
    this.stopTimer ??= every(this.intervalMs, () => this.sample());
  }

  /** Peak resident bytes seen per label so far. */
  peakBytes(): Record<string, number> {
    this.sample();
    return Object.fromEntries(this.peaks);
  }

  stop(): Record<string, number> {
    const peaks = this.peakBytes();
    this.stopTimer?.();
    this.stopTimer = undefined;
    return peaks;
  }

  private sample(): void {
    const roots = new Set(this.roots.values());
    for (const [label, root] of this.roots) {
      const others = new Set([...roots].filter((pid) => pid !== root));
      const total = processTree(root, others).reduce((sum, pid) => sum + residentBytes(pid), 0);
      this.peaks.set(label, Math.max(this.peaks.get(label) ?? 0, total));
    }
  }
}
