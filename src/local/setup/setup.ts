import * as path from 'node:path';
import { LocalPaths } from '../paths';
import { Toolchain, discoverToolchain } from '../toolchain';
import { InstallStep, actionlintStep, chromiumStep, pythonVenvStep, sparkJarsStep, trinoStep } from './install-steps';
import { removeStamp, stampIsCurrent, writeStamp } from './stamps';
import { systemClock } from '../../timing/clock';

export interface SetupStepResult {
  readonly name: string;
  readonly status: 'installed' | 'up-to-date' | 'skipped' | 'failed';
  /** Why a step was skipped. */
  readonly reason?: string;
  /** How long the step installed (0 when it had nothing to do), without the time it waited for a resource. */
  readonly seconds: number;
  /** How long the step waited for a resource another step was using (see {@link InstallStep.resources}). */
  readonly waitedSeconds?: number;
  /** Why the step failed: the failing command and the tail of its output. */
  readonly error?: string;
  /** What to do about the failure. */
  readonly remedy?: string;
}

export interface SetupResult {
  readonly toolchain: Toolchain;
  /** One result per step, in the steps' order (not the order they finished in). */
  readonly steps: readonly SetupStepResult[];
  /** True when no step had anything to install. */
  readonly nothingToDo: boolean;
  /** The steps that failed; the others are installed and stamped all the same. */
  readonly failed: readonly SetupStepResult[];
}

export interface SetupOptions {
  readonly paths: LocalPaths;
  /** Reinstall even when stamps say a step is current. */
  readonly force?: boolean;
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** The machine's tools. @default discoverToolchain(env) */
  readonly toolchain?: Toolchain;
  /** The steps to install. @default installSteps */
  readonly steps?: (paths: LocalPaths, toolchain: Toolchain, env?: NodeJS.ProcessEnv) => readonly InstallStep[];
  /** The clock the step timings read, in milliseconds. @default systemClock */
  readonly now?: () => number;
}

/** Where an install step records what it installed. */
export function stampFileOf(paths: LocalPaths, step: string): string {
  return path.join(paths.cache, 'stamps', `${step}.json`);
}

/** Whether an install step's stamp matches its inputs and its outputs exist (nothing to install). */
export function stepIsCurrent(paths: LocalPaths, step: InstallStep): boolean {
  return stampIsCurrent(stampFileOf(paths, step.name), step.fingerprint);
}

export function installSteps(paths: LocalPaths, toolchain: Toolchain, env?: NodeJS.ProcessEnv): InstallStep[] {
  return [
    pythonVenvStep(paths, toolchain),
    sparkJarsStep(paths, toolchain),
    trinoStep(paths, toolchain),
    actionlintStep(paths, toolchain),
    chromiumStep(env),
  ];
}

interface Lease {
  /** Steps that hold or wait for a resource this lease needs, each with the resource. */
  readonly after: ReadonlyArray<{ readonly step: string; readonly resource: string }>;
  /** Settles once every resource is this lease's. */
  readonly ready: Promise<void>;
  release(): void;
}

/** Hands each resource to one step at a time, in the order the steps ask for it. */
class ResourceQueue {
  private readonly last = new Map<string, { readonly step: string; readonly released: Promise<void> }>();

  /** Takes all of a step's resources at once, so two steps can never wait for each other. */
  lease(step: string, resources: readonly string[]): Lease {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const before = resources.flatMap((resource) => {
      const previous = this.last.get(resource);
      this.last.set(resource, { step, released });
      return previous ? [{ resource, ...previous }] : [];
    });
    return {
      after: before.map(({ step: s, resource }) => ({ step: s, resource })),
      ready: Promise.all(before.map((b) => b.released)).then(() => undefined),
      release,
    };
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/**
 * Installs the local toolchain into the cache folder. The steps run side by side (they download
 * different things), except those that share a resource, which take turns. Each step is skipped
 * when its stamp matches its inputs and its outputs exist, so a re-run with nothing changed does no
 * work. A step that fails is reported in the result; the others still finish and are stamped.
 */
export async function runSetup(options: SetupOptions): Promise<SetupResult> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? systemClock;
  const toolchain = options.toolchain ?? discoverToolchain(options.env);
  log(`toolchain: Java 17 ${toolchain.java17Home}; Java 25 ${toolchain.java25Home}; Python ${toolchain.python}; Maven ${toolchain.mvn}`);
  const steps = (options.steps ?? installSteps)(options.paths, toolchain, options.env);
  const width = Math.max(0, ...steps.map((s) => s.name.length));
  const queue = new ResourceQueue();

  async function run(step: InstallStep): Promise<SetupStepResult> {
    // Each line carries its step's name, so the interleaved output of parallel steps stays readable.
    const say = (line: string) => log(`${step.name.padEnd(width)} | ${line}`);
    const stampFile = stampFileOf(options.paths, step.name);
    if (!options.force && stepIsCurrent(options.paths, step)) {
      say('up to date');
      return { name: step.name, status: 'up-to-date', seconds: 0 };
    }
    if (step.skipReason) {
      say(`skipped: ${step.skipReason}`);
      return { name: step.name, status: 'skipped', seconds: 0, reason: step.skipReason };
    }
    const asked = now();
    const lease = queue.lease(step.name, step.resources ?? []);
    try {
      for (const { step: other, resource } of lease.after) say(`waiting for ${resource}, which ${other} uses first`);
      await lease.ready;
      const started = now();
      const waitedSeconds = lease.after.length > 0 ? seconds(started - asked) : undefined;
      try {
        removeStamp(stampFile);
        say('installing');
        await step.install(say);
        writeStamp(stampFile, step.fingerprint, step.outputs);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        const took = seconds(now() - started);
        say(`failed after ${took} s: ${error.split('\n')[0]}`);
        return { name: step.name, status: 'failed', seconds: took, waitedSeconds, error, remedy: step.remedy };
      }
      const took = seconds(now() - started);
      say(`installed in ${took} s`);
      return { name: step.name, status: 'installed', seconds: took, waitedSeconds };
    } finally {
      lease.release();
    }
  }

  const results = await Promise.all(steps.map(run));
  return {
    toolchain,
    steps: results,
    nothingToDo: results.every((r) => r.status === 'up-to-date' || r.status === 'skipped'),
    failed: results.filter((r) => r.status === 'failed'),
  };
}
