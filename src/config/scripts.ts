import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deterministicZip } from './zip';
import { SPARK_JOBS_PACKAGE } from '../kpis/catalog';

/*
 * What is left out of the published Spark scripts. Byte-code caches and tests do not change
 * what a cluster runs, and documentation does not either, so none of them may change the version.
 */
const IGNORED_DIRECTORIES = new Set(['__pycache__', '.pytest_cache', 'tests', '.venv']);
const IGNORED_EXTENSIONS = ['.pyc', '.md'];

/** Folder of the scripts bucket under which every version is published. */
export const SCRIPTS_ROOT_PREFIX = 'spark';

/** True when a file (path relative to the Spark folder, `/`-separated) is published. */
export function isPublishedScript(relativePath: string): boolean {
  const parts = relativePath.split('/');
  if (parts.slice(0, -1).some((dir) => IGNORED_DIRECTORIES.has(dir))) return false;
  return !IGNORED_EXTENSIONS.some((ext) => relativePath.endsWith(ext));
}

/** The published files of a Spark folder, relative and sorted (so the hash is stable). */
export function publishedScriptFiles(sparkDir: string): string[] {
  if (!fs.existsSync(sparkDir) || !fs.statSync(sparkDir).isDirectory()) {
    throw new Error(`Spark scripts folder ${sparkDir} does not exist; the KPI jobs live in <repo>/spark/.`);
  }
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!IGNORED_DIRECTORIES.has(entry.name)) walk(path.join(dir, entry.name), relative);
      } else if (entry.isFile() && isPublishedScript(relative)) {
        files.push(relative);
      }
    }
  };
  walk(sparkDir, '');
  return files.sort();
}

/**
 * Content hash of the published Spark scripts (first 16 hex digits of a SHA-256 over paths and
 * bytes). The CDK app publishes under this version and the EMR runner computes the same value,
 * so a run pins exactly the code it was built from.
 */
export function scriptsVersion(sparkDir: string): string {
  const hash = createHash('sha256');
  for (const file of publishedScriptFiles(sparkDir)) {
    hash.update(file).update('\0');
    hash.update(fs.readFileSync(path.join(sparkDir, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The zip of the jobs' shared package, published beside the scripts for `--py-files`. */
export const SCRIPTS_ARCHIVE = `${SPARK_JOBS_PACKAGE}.zip`;

/** A version is a content hash or a git sha: one path segment, nothing to escape. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws unless `version` can name a published version (one path segment). */
export function validateScriptsVersion(version: string): void {
  if (!VERSION.test(version)) {
    throw new Error(`scripts-version must be a git sha or content hash (letters, digits, ".", "_", "-"), got "${version}".`);
  }
}

/**
 * Key prefix of one published version in the scripts bucket (`spark/<version>/`). The CDK app
 * publishes there, `clickstream publish-scripts` uploads there and the EMR steps read from there.
 */
export function scriptsKeyPrefix(version: string): string {
  validateScriptsVersion(version);
  return `${SCRIPTS_ROOT_PREFIX}/${version}/`;
}

/** `s3://<bucket>/spark/<version>/`, the prefix every script of a run is read from. */
export function scriptsUri(bucket: string, version: string): string {
  return `s3://${bucket}/${scriptsKeyPrefix(version)}`;
}

/**
 * The zip of `spark/clickstream_jobs/` with the package folder inside, as `--py-files` needs it.
 * Entries are sorted and carry fixed timestamps, so the same sources give the same bytes.
 */
export function scriptsArchive(sparkDir: string): Buffer {
  const packageFiles = publishedScriptFiles(sparkDir).filter((f) => f.startsWith(`${SPARK_JOBS_PACKAGE}/`));
  if (packageFiles.length === 0) {
    throw new Error(`${path.join(sparkDir, SPARK_JOBS_PACKAGE)} has no files to package; the jobs import it.`);
  }
  return deterministicZip(packageFiles.map((name) => ({ name, data: fs.readFileSync(path.join(sparkDir, name)) })));
}

/** One object of a published version: its key below the version prefix and its bytes. */
export interface ScriptObject {
  readonly key: string;
  readonly body: Buffer;
}

/** Everything a version publishes: the published files as they are, and {@link SCRIPTS_ARCHIVE}. */
export function scriptObjects(sparkDir: string): ScriptObject[] {
  return [
    ...publishedScriptFiles(sparkDir).map((key) => ({ key, body: fs.readFileSync(path.join(sparkDir, key)) })),
    { key: SCRIPTS_ARCHIVE, body: scriptsArchive(sparkDir) },
  ];
}

/** Writes {@link scriptObjects} into `outDir` (the CDK asset's staging folder); returns their keys. */
export function stageScripts(sparkDir: string, outDir: string): string[] {
  return scriptObjects(sparkDir).map(({ key, body }) => {
    const file = path.join(outDir, ...key.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
    return key;
  });
}
