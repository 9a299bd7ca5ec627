import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalPaths } from '../paths';
import { Toolchain, pythonVersion } from '../toolchain';
import { ACTIONLINT_MODULE, ACTIONLINT_VERSION, MavenArtifact, SPARK_JARS, TRINO_PLUGINS, TRINO_SERVER, coordinates, fileName } from './artifacts';
import { runCommand } from './run-command';
import { fingerprint } from './stamps';

/** One idempotent part of the toolchain install. */
export interface InstallStep {
  readonly name: string;
  /** Changes whenever the step's inputs change (versions, requirement pins). */
  readonly fingerprint: string;
  /** Files that must exist for the step to count as done. */
  readonly outputs: readonly string[];
  /** Why the step cannot run on this machine, when it is optional and something it needs is missing. */
  readonly skipReason?: string;
  install(log: (line: string) => void): Promise<void>;
}

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

async function mavenGoal(toolchain: Toolchain, goal: 'copy' | 'unpack', artifact: MavenArtifact, outputDirectory: string, log: (line: string) => void) {
  // Maven resolves through the local repository (~/.m2), so a second clone downloads nothing.
  // Outside a project the plugin keeps "already unpacked" markers under ./target; keep them in a
  // throw-away folder so a deliberate re-install really unpacks again.
  const markers = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-mvn-'));
  try {
    await runCommand(toolchain.mvn, [
      '-B', '-q', `${DEPENDENCY_PLUGIN}:${goal}`,
      `-Dartifact=${coordinates(artifact)}`,
      `-DoutputDirectory=${outputDirectory}`,
      `-DmarkersDirectory=${markers}`,
    ], {
      cwd: markers,
      env: { ...process.env, JAVA_HOME: toolchain.java17Home },
      onLine: log,
    });
  } finally {
    fs.rmSync(markers, { recursive: true, force: true });
  }
}

export function pythonVenvStep(paths: LocalPaths, toolchain: Toolchain): InstallStep {
  const requirements = path.join(__dirname, 'requirements.txt');
  const pins = fs.readFileSync(requirements, 'utf8');
  const version = pythonVersion(toolchain.python)?.join('.') ?? 'unknown';
  return {
    name: 'python-venv',
    fingerprint: fingerprint(pins, toolchain.python, version),
    outputs: [
      paths.python,
      ...['moto_server', 'spark-submit', 'cfn-lint', 'zizmor'].map((tool) => path.join(paths.venv, 'bin', tool)),
    ],
    async install(log) {
      if (!fs.existsSync(paths.python)) {
        log(`creating virtualenv ${paths.venv} from ${toolchain.python} (Python ${version})`);
        await runCommand(toolchain.python, ['-m', 'venv', paths.venv], { onLine: log });
      }
      log(`installing ${requirements} (pip's cache makes repeat installs local)`);
      await runCommand(paths.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', requirements], { onLine: log });
    },
  };
}

export function sparkJarsStep(paths: LocalPaths, toolchain: Toolchain): InstallStep {
  return {
    name: 'spark-jars',
    fingerprint: fingerprint(...SPARK_JARS.map(coordinates)),
    outputs: SPARK_JARS.map((a) => path.join(paths.jars, fileName(a))),
    async install(log) {
      fs.mkdirSync(paths.jars, { recursive: true });
      for (const artifact of SPARK_JARS) {
        log(`mvn dependency:copy ${coordinates(artifact)}`);
        await mavenGoal(toolchain, 'copy', artifact, paths.jars, log);
      }
    },
  };
}

/** The Trino installation folder for the pinned version. */
export function trinoServerDir(paths: LocalPaths): string {
  return path.join(paths.trinoHome, `${TRINO_SERVER.artifactId}-${TRINO_SERVER.version}`);
}

/**
 * Plugins Trino loads: only the ones the pipeline uses. The server tarball's bundled plugins are
 * left out (its exchange-filesystem plugin fails to load from the core tarball).
 */
export function trinoPluginDir(paths: LocalPaths): string {
  return path.join(paths.trinoHome, 'plugin');
}

export function trinoStep(paths: LocalPaths, toolchain: Toolchain): InstallStep {
  const serverDir = trinoServerDir(paths);
  return {
    name: 'trino',
    fingerprint: fingerprint(coordinates(TRINO_SERVER), ...TRINO_PLUGINS.map((p) => `${p.name}=${coordinates(p.artifact)}`)),
    outputs: [path.join(serverDir, 'lib'), ...TRINO_PLUGINS.map((p) => path.join(trinoPluginDir(paths), p.name))],
    async install(log) {
      fs.rmSync(paths.trinoHome, { recursive: true, force: true });
      fs.mkdirSync(paths.trinoHome, { recursive: true });
      log(`mvn dependency:unpack ${coordinates(TRINO_SERVER)}`);
      await mavenGoal(toolchain, 'unpack', TRINO_SERVER, paths.trinoHome, log);
      if (!fs.existsSync(path.join(serverDir, 'lib'))) {
        throw new Error(`The Trino tarball did not unpack to ${serverDir}; found: ${fs.readdirSync(paths.trinoHome).join(', ')}`);
      }
      for (const plugin of TRINO_PLUGINS) {
        const staging = path.join(paths.trinoHome, `.plugin-${plugin.name}`);
        log(`mvn dependency:unpack ${coordinates(plugin.artifact)}`);
        await mavenGoal(toolchain, 'unpack', plugin.artifact, staging, log);
        // The zip holds one folder named after the artifact; Trino wants it as plugin/<name>.
        const [inner] = fs.readdirSync(staging);
        fs.mkdirSync(trinoPluginDir(paths), { recursive: true });
        fs.renameSync(path.join(staging, inner), path.join(trinoPluginDir(paths), plugin.name));
        fs.rmSync(staging, { recursive: true, force: true });
      }
    },
  };
}

/** actionlint for the workflow lint test; needs Go, and is skipped (with the reason) without it. */
export function actionlintStep(paths: LocalPaths, toolchain: Toolchain): InstallStep {
  return {
    name: 'actionlint',
    fingerprint: fingerprint(ACTIONLINT_MODULE, ACTIONLINT_VERSION),
    outputs: [path.join(paths.bin, 'actionlint')],
    skipReason: toolchain.go ? undefined : 'Go is not installed (set CLICKSTREAM_GO or put `go` on PATH); only the workflow lint test needs actionlint',
    async install(log) {
      fs.mkdirSync(paths.bin, { recursive: true });
      log(`go install ${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION} (the Go module cache makes repeat builds local)`);
      await runCommand(toolchain.go!, ['install', `${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION}`], {
        env: { ...process.env, GOBIN: paths.bin, GOFLAGS: '-mod=mod' },
        onLine: log,
      });
    },
  };
}

/** Debian's Chromium, which drives the HTML report's browser test and its screenshot. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The Chromium to drive: CLICKSTREAM_CHROMIUM, else Debian's. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLICKSTREAM_CHROMIUM || DEBIAN_CHROMIUM;
}

/**
 * Chromium for the HTML report's browser test, from Debian's `chromium` package (test tools'
 * own browser downloads are not reachable here). Installs with apt-get only when the browser is
 * missing, and is skipped, saying why, where apt-get cannot run as root.
 */
export function chromiumStep(env: NodeJS.ProcessEnv = process.env): InstallStep {
  const browser = chromiumPath(env);
  const canInstall = fs.existsSync('/usr/bin/apt-get') && process.getuid?.() === 0;
  return {
    name: 'chromium',
    fingerprint: fingerprint('debian chromium', browser),
    outputs: [browser],
    skipReason: fs.existsSync(browser) || canInstall
      ? undefined
      : `${browser} is missing and apt-get cannot run as root here: install Chromium (Debian: apt-get install chromium) or point CLICKSTREAM_CHROMIUM at one; ` +
        'only the HTML report\'s browser test and `npx projen report:screenshot` need it',
    async install(log) {
      if (fs.existsSync(browser)) {
        log(`${browser} is already installed`);
        return;
      }
      const apt = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, onLine: log };
      log('apt-get update && apt-get install -y chromium');
      await runCommand('apt-get', ['update'], apt);
      await runCommand('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], apt);
      if (!fs.existsSync(browser)) throw new Error(`apt-get installed chromium, but ${browser} does not exist; set CLICKSTREAM_CHROMIUM to its path.`);
    },
  };
}
