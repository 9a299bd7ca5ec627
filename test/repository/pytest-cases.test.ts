import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localPaths } from '../../src/local/paths';
import { collectPytest, runPytest } from '../support/pytest';

/** test/support/pytest.ts turns each pytest test into a vitest case with its own outcome; here on a suite of every outcome. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-pytest-cases-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'test_outcomes.py');
fs.writeFileSync(file, [
  'import pytest',
  '',
  '@pytest.fixture',
  'def broken():',
  '    raise RuntimeError("fixture broke")',
  '',
  'def test_passes():',
  '    assert 1 + 1 == 2',
  '',
  'def test_fails():',
  '    assert "landed" == "lost"',
  '',
  '@pytest.mark.skip(reason="not on this machine")',
  'def test_skipped():',
  '    pass',
  '',
  'def test_errors_in_setup(broken):',
  '    pass',
  '',
  '@pytest.mark.parametrize("n", [1, 2])',
  'def test_each(n):',
  '    assert n == 1',
  '',
].join('\n'));

describe('pytest tests as vitest cases', () => {
  const paths = localPaths();

  it('collects every test id, parametrized ones one by one', () => {
    const { ids, error } = collectPytest(paths.python, paths.root, file);
    expect(error).toBeUndefined();
    expect(ids.map((id) => id.split('::')[1])).toEqual(['test_passes', 'test_fails', 'test_skipped', 'test_errors_in_setup', 'test_each[1]', 'test_each[2]']);
  });

  it('reports each test\'s own outcome and failure text from one pytest run', async () => {
    const { outcomes } = await runPytest(paths.python, paths.root, { target: file, timeoutMs: 60_000 });
    const outcome = (name: string) => [...outcomes.values()].find((o) => o.nodeid.endsWith(`test_outcomes.py::${name}`));
    expect([...outcomes.values()].map((o) => [o.nodeid.split('::')[1], o.outcome])).toEqual([
      ['test_passes', 'passed'], ['test_fails', 'failed'], ['test_skipped', 'skipped'], ['test_errors_in_setup', 'error'], ['test_each[1]', 'passed'], ['test_each[2]', 'failed'],
    ]);
    expect(outcome('test_fails')?.details).toContain("assert 'landed' == 'lost'");
    expect(outcome('test_skipped')?.details).toContain('not on this machine');
    expect(outcome('test_errors_in_setup')?.details).toContain('RuntimeError: fixture broke');
  }, 60_000);
});
