import * as path from 'node:path';
import { LocalPaths } from '../paths';
import { Toolchain, discoverToolchain } from '../toolchain';
import { InstallStep, actionlintStep, chromiumStep, pythonVenvStep, sparkJarsStep, trinoStep } from './install-steps';
import { stampIsCurrent, writeStamp } from './stamps';

export interface SetupStepResult {
  readonly name: string;
  readonly status: 'installed' | 'up-to-date' | 'skipped';
  /** Why a step was skipped. */
  readonly reason?: string;
  readonly seconds: number;
}

export interface SetupResult {
  readonly toolchain: Toolchain;
  readonly steps: readonly SetupStepResult[];
  /** True when no step had anything to install. */
  readonly nothingToDo: boolean;
}

export interface SetupOptions {
  readonly paths: LocalPaths;
  /** Reinstall even when stamps say a step is current. */
  readonly force?: boolean;
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
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

/**
 * Installs the local toolchain into the cache folder. Each step is skipped when its stamp
 * matches its inputs and its outputs exist, so a re-run with nothing changed does no work.
 */
export async function runSetup(options: SetupOptions): Promise<SetupResult> {
  const log = options.log ?? (() => undefined);
  const toolchain = discoverToolchain(options.env);
  log(`toolchain: Java 17 ${toolchain.java17Home}; Java 25 ${toolchain.java25Home}; Python ${toolchain.python}; Maven ${toolchain.mvn}`);
  const results: SetupStepResult[] = [];
  for (const step of installSteps(options.paths, toolchain, options.env)) {
    const stampFile = path.join(options.paths.cache, 'stamps', `${step.name}.json`);
    const started = Date.now();
    if (!options.force && stampIsCurrent(stampFile, step.fingerprint)) {
      log(`${step.name}: up to date`);
      results.push({ name: step.name, status: 'up-to-date', seconds: 0 });
      continue;
    }
    if (step.skipReason) {
      log(`${step.name}: skipped: ${step.skipReason}`);
      results.push({ name: step.name, status: 'skipped', seconds: 0, reason: step.skipReason });
      continue;
    }
    log(`${step.name}: installing`);
    await step.install((line) => log(`  ${step.name} | ${line}`));
    writeStamp(stampFile, step.fingerprint, step.outputs);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    log(`${step.name}: installed in ${seconds} s`);
    results.push({ name: step.name, status: 'installed', seconds });
  }
  return { toolchain, steps: results, nothingToDo: results.every((r) => r.status !== 'installed') };
}
