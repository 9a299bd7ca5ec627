import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The machine tools the local target needs; each chosen explicitly, never the default `java`. */
export interface Toolchain {
  /** JAVA_HOME for Spark 3.5 (Hadoop 3.3's UGI breaks on Java 23+). */
  readonly java17Home: string;
  /** JAVA_HOME for Trino (recent releases need Java 24+). */
  readonly java25Home: string;
  /** A Python >= 3.11 interpreter to build the virtualenv from. */
  readonly python: string;
  /** The Maven executable (downloads JVM artifacts into the local repository). */
  readonly mvn: string;
  /** The Go toolchain, optional: only the workflow linter (actionlint) is built with it. */
  readonly go?: string;
}

/** A JDK's major version from its `release` file, or undefined when it is not a JDK. */
export function javaMajorVersion(home: string): number | undefined {
  try {
    const release = fs.readFileSync(path.join(home, 'release'), 'utf8');
    const match = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(release);
    if (!match) return undefined;
    // Java 8 and earlier spell themselves 1.x.
    return match[1] === '1' ? Number(match[2]) : Number(match[1]);
  } catch {
    return undefined;
  }
}

function jdkCandidates(env: NodeJS.ProcessEnv): string[] {
  const dirs = ['/usr/lib/jvm', '/usr/local/lib/jvm', '/opt/java', '/Library/Java/JavaVirtualMachines'];
  const found: string[] = [];
  for (const variable of ['JAVA_HOME', ...Object.keys(env).filter((k) => /^JAVA_?\d+_HOME$/.test(k))]) {
    if (env[variable]) found.push(env[variable]!);
  }
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir).sort()) {
      const home = path.join(dir, entry);
      found.push(home, path.join(home, 'Contents', 'Home'));
    }
  }
  return [...new Set(found)].filter((home) => fs.existsSync(path.join(home, 'bin', 'java')));
}

/**
 * Finds a JDK of a major version. `CLICKSTREAM_JAVA<major>_HOME` wins when set; otherwise the
 * usual JDK folders are searched. `exact` rejects newer majors (Spark needs 17, not 21+).
 */
export function findJavaHome(major: number, exact: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pinned = env[`CLICKSTREAM_JAVA${major}_HOME`];
  if (pinned) return javaMajorVersion(pinned) === major || (!exact && (javaMajorVersion(pinned) ?? 0) >= major) ? pinned : undefined;
  const matches = jdkCandidates(env)
    .map((home) => ({ home, version: javaMajorVersion(home) }))
    .filter((c) => c.version !== undefined && (exact ? c.version === major : c.version >= major));
  matches.sort((a, b) => a.version! - b.version!);
  return matches[0]?.home;
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/** `major.minor` of a Python interpreter, or undefined when it does not run. */
export function pythonVersion(python: string): [number, number] | undefined {
  const result = spawnSync(python, ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])'], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const [major, minor] = result.stdout.trim().split(' ').map(Number);
  return [major, minor];
}

/**
 * Discovers the toolchain, failing with one message that names everything missing and how
 * to point at it.
 */
export function discoverToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  const problems: string[] = [];
  const java17Home = findJavaHome(17, true, env);
  if (!java17Home) problems.push('Java 17 (for Spark 3.5): install a JDK 17 or set CLICKSTREAM_JAVA17_HOME');
  const java25Home = findJavaHome(25, false, env);
  if (!java25Home) problems.push('Java 25 (for Trino): install a JDK 25 or set CLICKSTREAM_JAVA25_HOME');
  const python = env.CLICKSTREAM_PYTHON ?? ['python3.12', 'python3.11', 'python3', 'python3.13'].map((p) => onPath(p, env)).find((p) => {
    const v = p && pythonVersion(p);
    return v && (v[0] > 3 || (v[0] === 3 && v[1] >= 11));
  });
  const version = python ? pythonVersion(python) : undefined;
  if (!python || !version || version[0] < 3 || (version[0] === 3 && version[1] < 11)) {
    problems.push('Python >= 3.11: install it or set CLICKSTREAM_PYTHON to its path');
  }
  const mvn = env.CLICKSTREAM_MVN ?? onPath('mvn', env);
  if (!mvn) problems.push('Maven (mvn): install it (e.g. apt-get install maven) or set CLICKSTREAM_MVN');
  if (problems.length > 0) {
    throw new Error(`The local toolchain is incomplete. Missing:\n  - ${problems.join('\n  - ')}`);
  }
  const go = env.CLICKSTREAM_GO ?? onPath('go', env);
  return { java17Home: java17Home!, java25Home: java25Home!, python: python!, mvn: mvn!, go };
}
