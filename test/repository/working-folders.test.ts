import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { strayEntries, worktreeEntries } from '../support/working-folders';

const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-worktree-'));
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

function write(file: string) {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), 'x');
}

describe('the check that the suite writes only into the working folders', () => {
  it('names what appeared elsewhere, ignored or not, and nothing inside the working folders or edits to tracked files', () => {
    expect(spawnSync('git', ['init', '-q'], { cwd: repo }).status).toBe(0);
    fs.writeFileSync(path.join(repo, '.gitignore'), '__pycache__/\n/reports/\n/.cache/\n');
    write('spark/job.py');
    const before = worktreeEntries(repo)!;

    write('spark/__pycache__/job.cpython-311.pyc');
    write('${project.basedir}/target/marker');
    write('reports/run-report.html');
    write('.cache/venv/bin/python');
    fs.writeFileSync(path.join(repo, 'tracked.txt'), 'x');
    spawnSync('git', ['add', 'tracked.txt'], { cwd: repo });
    const edited = worktreeEntries(repo)!;
    fs.writeFileSync(path.join(repo, 'tracked.txt'), 'edited while the tests ran');
    expect(strayEntries(edited, worktreeEntries(repo)!)).toEqual([]);

    expect(strayEntries(before, worktreeEntries(repo)!).sort()).toEqual(['!! spark/__pycache__/', '?? ${project.basedir}/']);
  });

  it("gives the run its own temporary folder, which the global teardown removes, so scratch folders do not pile up in the machine's /tmp", () => {
    // The global setup sets TMPDIR before the workers start; os.tmpdir() and what tests spawn read it.
    expect(path.basename(os.tmpdir())).toMatch(/^clickstream-tests-/);
    expect(spawnSync('python3', ['-c', 'import tempfile; print(tempfile.gettempdir())'], { encoding: 'utf8' }).stdout.trim()).toBe(os.tmpdir());
  });
});
