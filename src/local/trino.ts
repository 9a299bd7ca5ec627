import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalPaths } from './paths';
import { freePort, isAlive, processStartTime, startService, stopProcessGroup, tailFile, waitFor } from './processes';
import { trinoPluginDir, trinoServerDir } from './setup/install-steps';
import { ServiceRecord } from './stack-state';
import { EMULATOR_CREDENTIALS, LOCAL_REGION } from '../config/config';
import { QUERY_CATALOG } from '../config/names';

/** The Hive catalog over the same Glue database; Trino redirects non-Iceberg tables (the raw table) to it. */
export const TRINO_HIVE_CATALOG = 'hive';

/** A running Trino server. */
export type TrinoProcess = ServiceRecord;

/** The server's main class, run directly; it is on Trino's command line. */
export const TRINO_MAIN_CLASS = 'io.trino.server.TrinoServer';

export interface StartTrinoOptions {
  readonly paths: LocalPaths;
  readonly java25Home: string;
  /** The emulator endpoint serving Glue and S3. */
  readonly awsEndpoint: string;
  readonly port?: number;
  /** JVM heap. @default '2G' */
  readonly heap?: string;
  /** More options of the JVM (src/local/jvm-options.ts). @default - none */
  readonly jvmOptions?: readonly string[];
  readonly timeoutMs?: number;
  /** Stops the server while it starts (Ctrl-C). */
  readonly signal?: AbortSignal;
}

function properties(values: Record<string, string>): string {
  return `${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** Glue metastore and S3 settings shared by both catalogs, pointed at the emulator. */
function glueAndS3(awsEndpoint: string): Record<string, string> {
  return {
    'hive.metastore.glue.region': LOCAL_REGION,
    'hive.metastore.glue.endpoint-url': awsEndpoint,
    'hive.metastore.glue.aws-access-key': EMULATOR_CREDENTIALS.accessKeyId,
    'hive.metastore.glue.aws-secret-key': EMULATOR_CREDENTIALS.secretAccessKey,
    'fs.native-s3.enabled': 'true',
    's3.endpoint': awsEndpoint,
    's3.region': LOCAL_REGION,
    's3.path-style-access': 'true',
    's3.aws-access-key': EMULATOR_CREDENTIALS.accessKeyId,
    's3.aws-secret-key': EMULATOR_CREDENTIALS.secretAccessKey,
  };
}

/** Writes Trino's etc/ folder for a server on `port` (loopback only) over the emulator. */
export function writeTrinoConfig(
  etcDir: string, dataDir: string, port: number, awsEndpoint: string, heap: string, jvmOptions: readonly string[] = [],
): void {
  fs.mkdirSync(path.join(etcDir, 'catalog'), { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true });
  // bin/launcher would pass node.properties as system properties; the server reads them from config.properties too.
  fs.writeFileSync(path.join(etcDir, 'config.properties'), properties({
    'node.environment': 'clickstream',
    'node.id': 'clickstream-local',
    'node.bind-ip': '127.0.0.1',
    'node.internal-address': '127.0.0.1',
    'coordinator': 'true',
    'node-scheduler.include-coordinator': 'true',
    'http-server.http.port': String(port),
    'discovery.uri': `http://127.0.0.1:${port}`,
    'query.max-memory': '1GB',
    'query.max-memory-per-node': '1GB',
    // One machine, two cores: keep Trino's thread pools small.
    'task.concurrency': '2',
    'task.max-worker-threads': '4',
  }));
  fs.writeFileSync(path.join(etcDir, 'log.properties'), properties({ 'io.trino': 'INFO' }));
  fs.writeFileSync(path.join(etcDir, 'catalog', `${QUERY_CATALOG}.properties`), properties({
    'connector.name': 'iceberg',
    'iceberg.catalog.type': 'glue',
    'iceberg.hive-catalog-name': TRINO_HIVE_CATALOG,
    ...glueAndS3(awsEndpoint),
  }));
  fs.writeFileSync(path.join(etcDir, 'catalog', `${TRINO_HIVE_CATALOG}.properties`), properties({
    'connector.name': 'hive',
    'hive.metastore': 'glue',
    'hive.iceberg-catalog-name': QUERY_CATALOG,
    // Bronze lands under year=/month=/day=/hour= folders below the raw table's location.
    'hive.recursive-directories': 'true',
    ...glueAndS3(awsEndpoint),
  }));
  fs.writeFileSync(path.join(etcDir, 'jvm.config'), [
    '-server',
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:+HeapDumpOnOutOfMemoryError',
    '-Djdk.attach.allowAttachSelf=true',
    '-XX:ReservedCodeCacheSize=256M',
    '-Dfile.encoding=UTF-8',
    '--enable-native-access=ALL-UNNAMED',
    ...jvmOptions,
  ].join('\n') + '\n');
}

/** True when Trino reports itself started (not merely listening). */
export async function trinoHealthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/v1/info`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return false;
    const info = (await response.json()) as { starting?: boolean };
    return info.starting === false;
  } catch {
    return false;
  }
}

/** Starts the Trino server (Java 25, loopback only) over the emulator and waits until it has started. */
export async function startTrino(options: StartTrinoOptions): Promise<TrinoProcess> {
  const serverDir = trinoServerDir(options.paths);
  if (!fs.existsSync(path.join(serverDir, 'lib'))) {
    throw new Error(`Trino is not installed (${serverDir} is missing). Run \`npx clickstream setup\` first.`);
  }
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const trinoState = path.join(options.paths.state, 'trino');
  const etcDir = path.join(trinoState, 'etc');
  const heap = options.heap ?? '2G';
  writeTrinoConfig(etcDir, path.join(trinoState, 'data'), port, options.awsEndpoint, heap, options.jvmOptions);
  fs.mkdirSync(options.paths.logs, { recursive: true });
  const logFile = path.join(options.paths.logs, 'trino.log');
  const jvmArgs = fs.readFileSync(path.join(etcDir, 'jvm.config'), 'utf8').split('\n').filter(Boolean);
  // Run the server's main class directly (what bin/launcher does) so the recorded pid is the JVM's.
  const child = startService({
    name: 'trino',
    command: path.join(options.java25Home, 'bin', 'java'),
    args: [
      ...jvmArgs,
      '-cp', path.join(serverDir, 'lib', '*'),
      `-Dconfig=${path.join(etcDir, 'config.properties')}`,
      `-Dlog.levels-file=${path.join(etcDir, 'log.properties')}`,
      `-Dcatalog.config-dir=${path.join(etcDir, 'catalog')}`,
      `-Dplugin.dir=${trinoPluginDir(options.paths)}`,
      TRINO_MAIN_CLASS,
    ],
    cwd: serverDir,
    logFile,
    env: { ...process.env, JAVA_HOME: options.java25Home },
  });
  const pid = child.pid!;
  const startTime = processStartTime(pid);
  try {
    await waitFor(`Trino on ${endpoint}`, () => trinoHealthy(endpoint), {
      timeoutMs: options.timeoutMs ?? 180_000,
      intervalMs: 500,
      failFast: () => (isAlive(pid) ? undefined : `the Trino JVM exited during start; last log lines:\n${tailFile(logFile, 30)}`),
      signal: options.signal,
    });
  } catch (e) {
    // Nothing records a server that never became ready: stop it here, or it outlives the failure.
    await stopProcessGroup(pid);
    throw e;
  }
  return { pid, startTime, port, endpoint, logFile };
}
