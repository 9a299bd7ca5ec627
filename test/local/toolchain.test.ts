import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverToolchain, findJavaHome, javaMajorVersion } from '../../src/local/toolchain';

function fakeJdk(root: string, name: string, version: string): string {
  const home = path.join(root, name);
  fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(home, 'bin', 'java'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(home, 'release'), `JAVA_VERSION="${version}"\n`);
  return home;
}

describe('toolchain discovery', () => {
  it('names everything that is missing, and how to point at it', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'toolchain-'));
    const env = {
      PATH: empty,
      CLICKSTREAM_JAVA17_HOME: path.join(empty, 'no-jdk-17'),
      CLICKSTREAM_JAVA25_HOME: path.join(empty, 'no-jdk-25'),
    };
    expect(() => discoverToolchain(env)).toThrowError(
      /Java 17 \(for Spark 3\.5\)[^]*CLICKSTREAM_JAVA17_HOME[^]*Java 25 \(for Trino\)[^]*Python >= 3\.11[^]*Maven \(mvn\)/,
    );
  });

  it('picks Java 17 exactly for Spark and Java 25 or newer for Trino', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jdks-'));
    const jdk17 = fakeJdk(root, 'jdk-17', '17.0.15');
    const jdk21 = fakeJdk(root, 'jdk-21', '21.0.2');
    const jdk25 = fakeJdk(root, 'jdk-25', '25.0.3');
    expect(javaMajorVersion(jdk17)).toBe(17);
    expect(javaMajorVersion(jdk25)).toBe(25);
    const env = { JAVA_HOME: jdk21, JAVA17_HOME: jdk17, JAVA_25_HOME: jdk25 };
    expect(findJavaHome(17, true, env)).toBe(jdk17);
    expect(findJavaHome(25, false, env)).toBe(jdk25);
    // A JDK 21 must never be chosen for Spark, even when it is JAVA_HOME.
    expect(findJavaHome(17, true, { JAVA_HOME: jdk21 })).not.toBe(jdk21);
  });

  it('rejects a pinned JDK of the wrong version', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jdks-'));
    const jdk21 = fakeJdk(root, 'jdk-21', '21.0.2');
    expect(findJavaHome(17, true, { CLICKSTREAM_JAVA17_HOME: jdk21 })).toBeUndefined();
  });
});
