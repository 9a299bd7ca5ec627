import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { recorderEnv, startAwsRequestRecorder } from './aws-request-recorder';
import { SCRIPTS_ARCHIVE, scriptObjects, scriptsArchive, scriptsUri, scriptsVersion, stageScripts } from '../../src/config/scripts';
import { publishScripts } from '../../src/emr/publish-scripts';
import { runCli } from '../support/cli';

/** A spark/ folder: two jobs, the package (one module nested), and files that must not ship. */
function sparkFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-scripts-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('kpi_sensor_health.py', 'from clickstream_jobs import jobs\n');
  write('all_kpis.py', 'from clickstream_jobs import jobs\n');
  write('clickstream_jobs/__init__.py', '');
  write('clickstream_jobs/jobs.py', 'JOBS = ()\n');
  write('clickstream_jobs/io/__init__.py', '');
  write('clickstream_jobs/__pycache__/jobs.cpython-311.pyc', 'x');
  write('clickstream_jobs/tests/test_jobs.py', 'def test(): pass\n');
  write('tests/test_kpis.py', 'def test(): pass\n');
  write('README.md', '# jobs\n');
  return dir;
}

/** The entries of a zip, read from its local headers, each checked against its CRC-32. */
function unzip(zip: Buffer): Array<{ name: string; text: string; dosDate: number; dosTime: number }> {
  const entries = [];
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const start = at + 30 + nameLength + zip.readUInt16LE(at + 28);
    expect(zip.readUInt16LE(at + 8), 'stored').toBe(0);
    const data = zip.subarray(start, start + size);
    expect(zlib.crc32(data)).toBe(zip.readUInt32LE(at + 14));
    entries.push({ name: zip.toString('utf8', at + 30, at + 30 + nameLength), text: data.toString('utf8'), dosTime: zip.readUInt16LE(at + 10), dosDate: zip.readUInt16LE(at + 12) });
    at = start + size;
  }
  expect(zip.readUInt32LE(zip.length - 22), 'end of central directory').toBe(0x06054b50);
  expect(zip.readUInt16LE(zip.length - 12)).toBe(entries.length);
  expect(zip.readUInt32LE(zip.length - 6), 'central directory offset').toBe(at);
  return entries;
}

describe('scripts archive', () => {
  it('holds the clickstream_jobs package with its folder, without caches or tests', () => {
    const entries = unzip(scriptsArchive(sparkFolder()));
    expect(entries.map((e) => e.name)).toEqual(['clickstream_jobs/__init__.py', 'clickstream_jobs/io/__init__.py', 'clickstream_jobs/jobs.py']);
    expect(entries.find((e) => e.name === 'clickstream_jobs/jobs.py')?.text).toBe('JOBS = ()\n');
  });

  it('is byte-identical across builds, with fixed timestamps whatever the files\' mtimes', () => {
    const dir = sparkFolder();
    const first = scriptsArchive(dir);
    fs.utimesSync(path.join(dir, 'clickstream_jobs', 'jobs.py'), new Date('2031-05-06T07:08:09Z'), new Date('2031-05-06T07:08:09Z'));
    const second = scriptsArchive(sparkFolder());
    expect(second.equals(first)).toBe(true);
    expect(scriptsArchive(dir).equals(first)).toBe(true);
    // 1980-01-01 00:00:00: DOS date 33 is year 0 (1980), month 1, day 1.
    expect(new Set(unzip(first).map((e) => `${e.dosDate}/${e.dosTime}`))).toEqual(new Set(['33/0']));
  });

  it('is what the repository\'s jobs import', () => {
    const names = unzip(scriptsArchive(path.join(__dirname, '../../spark'))).map((e) => e.name);
    expect(names).toContain('clickstream_jobs/__init__.py');
    expect(names.every((n) => n.startsWith('clickstream_jobs/') && n.endsWith('.py'))).toBe(true);
  });

  it('fails clearly when there is no package to zip', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-scripts-'));
    fs.writeFileSync(path.join(dir, 'kpi_x.py'), '');
    expect(() => scriptsArchive(dir)).toThrow(/clickstream_jobs has no files to package/);
  });
});

describe('published objects', () => {
  it('are the published files as they are, plus the archive', () => {
    const dir = sparkFolder();
    expect(scriptObjects(dir).map((o) => o.key)).toEqual([
      'all_kpis.py', 'clickstream_jobs/__init__.py', 'clickstream_jobs/io/__init__.py', 'clickstream_jobs/jobs.py', 'kpi_sensor_health.py', SCRIPTS_ARCHIVE,
    ]);
    const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-staged-'));
    stageScripts(dir, staged);
    expect(fs.readFileSync(path.join(staged, SCRIPTS_ARCHIVE)).equals(scriptsArchive(dir))).toBe(true);
    expect(fs.readFileSync(path.join(staged, 'kpi_sensor_health.py'), 'utf8')).toBe('from clickstream_jobs import jobs\n');
  });

  it('are uploaded by publish-scripts under spark/<version>/', async () => {
    const dir = sparkFolder();
    const s3Mock = mockClient(S3Client);
    s3Mock.on(PutObjectCommand).resolves({});
    const version = '9fceb02d0ae598e95dc970b74767f19372d61af8';
    const published = await publishScripts({ s3: new S3Client({ region: 'eu-west-1' }), bucket: 'scripts', version, sparkDir: dir });
    expect(published.uri).toBe(scriptsUri('scripts', version));
    expect(published.uri).toBe(`s3://scripts/spark/${version}/`);
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => `s3://${p.Bucket}/${p.Key}`).sort()).toEqual(scriptObjects(dir).map((o) => `${published.uri}${o.key}`).sort());
    const zip = puts.find((p) => p.Key === `spark/${version}/${SCRIPTS_ARCHIVE}`);
    expect(Buffer.from(zip!.Body as Buffer).equals(scriptsArchive(dir))).toBe(true);
    await expect(publishScripts({ s3: new S3Client({ region: 'eu-west-1' }), bucket: 'scripts', version: 'a/b', sparkDir: dir })).rejects.toThrow(/scripts-version/);
    expect(scriptsVersion(dir)).toMatch(/^[0-9a-f]{16}$/);
    s3Mock.restore();
  });
});

describe('clickstream publish-scripts', () => {
  it('needs exactly one of --environment and --bucket, before any AWS request', async () => {
    const recorder = await startAwsRequestRecorder();
    try {
      for (const args of [[], ['--environment', 'staging', '--bucket', 'b']]) {
        const result = await runCli(['publish-scripts', ...args], recorderEnv(recorder));
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('Say where to publish: --environment <env> (its scripts bucket, from the stack outputs) or --bucket <name>, not both.');
      }
      expect(recorder.connections).toBe(0);
    } finally {
      await recorder.close();
    }
  }, 60_000);

  it("with --environment reads the scripts bucket from that environment's stack outputs", async () => {
    const recorder = await startAwsRequestRecorder();
    try {
      const result = await runCli(['publish-scripts', '--environment', 'staging', '--scripts-version', 'abc123'], recorderEnv(recorder));
      expect(result.code).toBe(1);
      const stacks = recorder.requests.map((r) => new URLSearchParams(r.body)).filter((p) => p.get('Action') === 'DescribeStacks').map((p) => p.get('StackName'));
      expect(stacks).toContain('clickstream-staging-storage');
      expect(result.stderr).toContain('Reading the outputs of stack clickstream-staging-');
    } finally {
      await recorder.close();
    }
  }, 60_000);
});
