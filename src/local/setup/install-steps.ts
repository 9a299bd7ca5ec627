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
  /**
   * Shared things the step must have to itself while it installs; steps naming the same resource
   * run one after the other, all others side by side.
   * @default none
   */
  readonly resources?: readonly string[];
  /** What to do when the install fails, besides reading its output. */
  readonly remedy: string;
  install(log: (line: string) => void): Promise<void>;
}

/**
 * Maven's local repository (~/.m2/repository). Processes sharing it need cross-process locking,
 * which Maven Resolver leaves off by default and the resolver of Maven 3.8 lacks
 * (https://maven.apache.org/resolver/maven-resolver-impl/synccontextfactory.html); two Maven steps
 * at once would download the dependency plugin's own jars into the same files. So one at a time.
 */
export const MAVEN_REPOSITORY = 'the Maven local repository';

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** One artifact for {@link mavenFetch} and the folder it is copied or unpacked into. */
export interface MavenItem {
  readonly artifact: MavenArtifact;
  readonly outputDirectory: string;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function gav(a: MavenArtifact): string {
  return `<groupId>${xml(a.groupId)}</groupId><artifactId>${xml(a.artifactId)}</artifactId><version>${xml(a.version)}</version>` +
    (a.type ? `<type>${xml(a.type)}</type>` : '');
}

/**
 * A throw-away POM for {@link mavenFetch}: the items as dependencies without their transitive ones
 * (so `dependency:resolve` downloads exactly them, in parallel, in one request), and again as the
 * dependency plugin's `artifactItems` with their folders (for `copy` or `unpack` from the local
 * repository).
 */
export function mavenFetchPom(items: readonly MavenItem[], markersDirectory: string): string {
  const excludeAll = '<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>';
  const [groupId, artifactId, version] = DEPENDENCY_PLUGIN.split(':');
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.clickstream</groupId><artifactId>setup</artifactId><version>0</version><packaging>pom</packaging>',
    '  <dependencies>',
    ...items.map((i) => `    <dependency>${gav(i.artifact)}${excludeAll}</dependency>`),
    '  </dependencies>',
    '  <build><plugins><plugin>',
    `    <groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version>`,
    `    <configuration><markersDirectory>${xml(markersDirectory)}</markersDirectory><artifactItems>`,
    ...items.map((i) => `      <artifactItem>${gav(i.artifact)}<outputDirectory>${xml(i.outputDirectory)}</outputDirectory></artifactItem>`),
    '    </artifactItems></configuration>',
    '  </plugin></plugins></build>',
    '</project>',
    '',
  ].join('\n');
}

/**
 * Copies or unpacks artifacts with one Maven run: every Maven start costs seconds of JVM and plugin
 * loading, and one resolve request downloads all the artifacts side by side. Maven resolves through
 * the local repository (~/.m2), so a second clone downloads nothing.
 */
async function mavenFetch(toolchain: Toolchain, goal: 'copy' | 'unpack', items: readonly MavenItem[], log: (line: string) => void) {
  // The plugin keeps "already unpacked" markers; keep them in a throw-away folder so a deliberate
  // re-install really unpacks again.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-mvn-'));
  try {
    const pom = path.join(work, 'pom.xml');
    fs.writeFileSync(pom, mavenFetchPom(items, path.join(work, 'markers')));
    await runCommand(toolchain.mvn, ['-B', '-q', '-f', pom, `${DEPENDENCY_PLUGIN}:resolve`, `${DEPENDENCY_PLUGIN}:${goal}`], {
      cwd: work,
      env: { ...process.env, JAVA_HOME: toolchain.java17Home },
      onLine: log,
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function pythonVenvStep(paths: LocalPaths, toolchain: Toolchain): InstallStep {
  const requirements = path.join(__dirname, 'requirements.txt');
  // requirements.txt includes the publisher's pins (spark/publish-requirements.txt): a change to either reinstalls.
  const pins = fs.readFileSync(requirements, 'utf8') + fs.readFileSync(path.join(paths.spark, 'publish-requirements.txt'), 'utf8');
  const version = pythonVersion(toolchain.python)?.join('.') ?? 'unknown';
  return {
    name: 'python-venv',
    fingerprint: fingerprint(pins, toolchain.python, version),
    outputs: [
      paths.python,
      ...['moto_server', 'spark-submit', 'cfn-lint', 'zizmor'].map((tool) => path.join(paths.venv, 'bin', tool)),
    ],
    remedy: `see pip's output above (the network, PyPI or a package's build); if the virtualenv itself is broken, delete ${paths.venv}`,
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

const MAVEN_REMEDY = 'see Maven\'s output above; when it could not download from Maven Central, check the network, or the mirror and proxy in ~/.m2/settings.xml';

export function sparkJarsStep(paths: LocalPaths, toolchain: Toolchain): InstallStep {
  return {
    name: 'spark-jars',
    fingerprint: fingerprint(...SPARK_JARS.map(coordinates)),
    outputs: SPARK_JARS.map((a) => path.join(paths.jars, fileName(a))),
    resources: [MAVEN_REPOSITORY],
    remedy: MAVEN_REMEDY,
    async install(log) {
      fs.mkdirSync(paths.jars, { recursive: true });
      log(`mvn dependency:copy ${SPARK_JARS.map(coordinates).join(' ')}`);
      await mavenFetch(toolchain, 'copy', SPARK_JARS.map((artifact) => ({ artifact, outputDirectory: paths.jars })), log);
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
    resources: [MAVEN_REPOSITORY],
    remedy: MAVEN_REMEDY,
    async install(log) {
      fs.rmSync(paths.trinoHome, { recursive: true, force: true });
      fs.mkdirSync(paths.trinoHome, { recursive: true });
      const staging = (plugin: (typeof TRINO_PLUGINS)[number]) => path.join(paths.trinoHome, `.plugin-${plugin.name}`);
      const items = [
        { artifact: TRINO_SERVER, outputDirectory: paths.trinoHome },
        ...TRINO_PLUGINS.map((plugin) => ({ artifact: plugin.artifact, outputDirectory: staging(plugin) })),
      ];
      log(`mvn dependency:unpack ${items.map((i) => coordinates(i.artifact)).join(' ')}`);
      await mavenFetch(toolchain, 'unpack', items, log);
      if (!fs.existsSync(path.join(serverDir, 'lib'))) {
        throw new Error(`The Trino tarball did not unpack to ${serverDir}; found: ${fs.readdirSync(paths.trinoHome).join(', ')}`);
      }
      for (const plugin of TRINO_PLUGINS) {
        // The zip holds one folder named after the artifact; Trino wants it as plugin/<name>.
        const [inner] = fs.readdirSync(staging(plugin));
        fs.mkdirSync(trinoPluginDir(paths), { recursive: true });
        fs.renameSync(path.join(staging(plugin), inner), path.join(trinoPluginDir(paths), plugin.name));
        fs.rmSync(staging(plugin), { recursive: true, force: true });
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
    remedy: 'see go\'s output above; when it could not download, check access to the Go module proxy (GOPROXY); ' +
      'only the workflow lint test needs actionlint',
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
    remedy: 'install Chromium yourself (Debian: apt-get install chromium) or point CLICKSTREAM_CHROMIUM at one',
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
