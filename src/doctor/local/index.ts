import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalPaths } from '../../local/paths';
import { freePort } from '../../local/processes';
import { installSteps, stepIsCurrent } from '../../local/setup/setup';
import { stackStatus } from '../../local/stack';
import { Toolchain, discoverToolchain } from '../../local/toolchain';
import { DoctorCheck, DoctorReport, failed, passed, runChecks } from '../check';

export interface LocalDoctorContext {
  readonly paths: LocalPaths;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Binds a loopback port and frees it, as the stack does for each service. @default freePort */
  readonly freePort?: () => Promise<number>;
  /** Free bytes for unprivileged users on the filesystem of a folder. @default fs.statfsSync */
  readonly freeBytes?: (folder: string) => number;
}

const GIB = 1024 ** 3;

/**
 * Free space the cache folder's filesystem needs: `clickstream setup` installs about 2.2 GiB there
 * (virtualenv 0.9, Trino 0.85, jars 0.37, measured 2026-12), and a run then writes logs and data
 * under `.clickstream/`; once installed, runs alone need room for their logs and Spark's spill.
 */
export const FREE_SPACE_NEEDED = { beforeSetup: 5 * GIB, afterSetup: 2 * GIB } as const;

const toolchains = new WeakMap<LocalDoctorContext, Toolchain>();

/** The machine's tools, discovered once per doctor run (discovery starts Python several times). */
function toolchainOf(context: LocalDoctorContext): Toolchain {
  const found = toolchains.get(context) ?? discoverToolchain(context.env ?? process.env);
  toolchains.set(context, found);
  return found;
}

const toolchainCheck: DoctorCheck<LocalDoctorContext> = {
  name: 'toolchain',
  async run(context) {
    try {
      const t = toolchainOf(context);
      return passed(`Java 17 ${t.java17Home}, Java 25 ${t.java25Home}, Python ${t.python}, Maven ${t.mvn}`);
    } catch (error) {
      return failed(`${(error as Error).message.replace(/\n\s*/g, ' ')}`);
    }
  },
};

const setupCheck: DoctorCheck<LocalDoctorContext> = {
  name: 'setup',
  needs: ['toolchain'],
  async run(context) {
    const steps = installSteps(context.paths, toolchainOf(context), context.env ?? process.env);
    const missing = steps.filter((s) => !s.skipReason && !stepIsCurrent(context.paths, s)).map((s) => s.name);
    const skipped = steps.filter((s) => s.skipReason && !stepIsCurrent(context.paths, s)).map((s) => s.name);
    if (missing.length > 0) return failed(`${missing.join(', ')} not installed (or out of date) in ${context.paths.cache}: run \`npx clickstream setup\``);
    return passed(`${steps.length - skipped.length} steps installed in ${context.paths.cache}${skipped.length > 0 ? ` (${skipped.join(', ')} skipped: optional, see \`clickstream setup\`)` : ''}`);
  },
};

const stackCheck: DoctorCheck<LocalDoctorContext> = {
  name: 'stack',
  async run(context) {
    const status = await stackStatus({ paths: context.paths });
    if (status.running) return passed(`running since ${status.startedAt}: ${status.services.map((s) => `${s.name} ${s.endpoint}`).join(', ')}`);
    if (status.services.every((s) => s.health === 'stopped')) return passed('not running (`npx clickstream up` or `run` starts it)');
    const states = status.services.map((s) => `${s.name} ${s.health}`).join(', ');
    return failed(`partly running (${states}): \`npx clickstream up\` restarts what is not healthy, \`npx clickstream down\` stops the rest`);
  },
};

const portsCheck: DoctorCheck<LocalDoctorContext> = {
  name: 'ports',
  async run(context) {
    const status = await stackStatus({ paths: context.paths });
    if (status.running) return passed('the running stack holds its ports');
    try {
      const port = await (context.freePort ?? freePort)();
      return passed(`127.0.0.1 has free ports (the kernel gave ${port}); the stack takes free ones, none is fixed`);
    } catch (error) {
      return failed(`cannot listen on 127.0.0.1 (${(error as Error).message}): the stack's services need loopback ports; check the loopback interface and its firewall`);
    }
  },
};

/** The cache folder, or the nearest folder above it that exists (before setup it may not). */
function existingFolder(folder: string): string {
  let current = folder;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

const defaultFreeBytes = (folder: string): number => {
  const stats = fs.statfsSync(folder);
  return stats.bavail * stats.bsize;
};

const diskCheck: DoctorCheck<LocalDoctorContext> = {
  name: 'disk space',
  async run(context) {
    const folder = existingFolder(context.paths.cache);
    const free = (context.freeBytes ?? defaultFreeBytes)(folder);
    const installed = fs.existsSync(path.join(context.paths.cache, 'stamps'));
    const needed = installed ? FREE_SPACE_NEEDED.afterSetup : FREE_SPACE_NEEDED.beforeSetup;
    const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;
    if (free < needed) {
      return failed(`${gib(free)} free for ${context.paths.cache}, ${gib(needed)} needed${installed ? '' : ' to install the toolchain'}: free space there, or set CLICKSTREAM_CACHE_DIR to a folder on a larger disk`);
    }
    return passed(`${gib(free)} free for ${context.paths.cache} (${gib(needed)} needed)`);
  },
};

/** The checks of `clickstream doctor` (local target), in the order they run. */
export const LOCAL_CHECKS: ReadonlyArray<DoctorCheck<LocalDoctorContext>> = [toolchainCheck, setupCheck, stackCheck, portsCheck, diskCheck];

/** Checks this machine's prerequisites for the local target; reads only (no process is started or stopped). */
export function localDoctor(context: LocalDoctorContext, environment: string): Promise<DoctorReport> {
  return runChecks(LOCAL_CHECKS, context, { target: 'local', environment });
}
