import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What is left out of the published Spark scripts. Byte-code caches and tests do not change
 * what a cluster runs, and documentation does not either, so none of them may change the
 * version. Expressed as gitignore patterns for the CDK asset; {@link isPublishedScript}
 * applies the same rules to the content hash.
 */
export const SCRIPTS_IGNORE_PATTERNS = ['__pycache__/', '.pytest_cache/', 'tests/', '.venv/', '*.pyc', '*.md'] as const;

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

/** Key prefix of one published version in the scripts bucket (`spark/<version>/`). */
export function scriptsKeyPrefix(version: string): string {
  if (!/^[0-9a-f]{16}$/.test(version)) {
    throw new Error(`Scripts version "${version}" is not a 16-digit hex content hash (see scriptsVersion()).`);
  }
  return `${SCRIPTS_ROOT_PREFIX}/${version}/`;
}
