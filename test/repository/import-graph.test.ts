import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY, importCircles, loadedClosure, importGraph, importSpecifiers, sourceFiles } from './import-graph';

const relative = (file: string) => path.relative(REPOSITORY, file);
const CODE = ['src', 'actions', 'infra', 'projenrc', '.projenrc.ts'];

describe('the import graph of src/, actions/, infra/ and projenrc/', () => {
  it('has no import circle, type-only imports included', () => {
    const circles = importCircles(importGraph(sourceFiles(CODE))).map((c) => c.map(relative).join(' -> '));
    expect(circles).toEqual([]);
  });

  it('keeps the embedded stack out of the AWS adapter: an AWS run loads no emulator, Trino or stack state', () => {
    const closure = loadedClosure(path.join(REPOSITORY, 'src/targets/aws/aws-target.ts')).map(relative);
    // paths.ts says where the toolchain is (the publisher's Python); it starts nothing.
    const localStack = closure.filter((f) => f.startsWith('src/local/') && f !== 'src/local/paths.ts');
    expect(localStack).toEqual([]);
    expect(closure).toContain('src/targets/aws/aws-run.ts');
  });

  it('chooses the target in one place: no command or action compares target names', () => {
    // `local` is an environment's name too; `aws` only a target's.
    const comparison = /\btarget\s*[!=]==|[!=]==\s*[\w.]*\btarget\b|[!=]==\s*['"]aws['"]/;
    const comparing = sourceFiles(['src/cli', 'actions']).filter((file) => comparison.test(fs.readFileSync(file, 'utf8'))).map(relative);
    expect(comparing).toEqual([]);
  });
});

/** Reading the wall clock or setting a timer; `socket.setTimeout` and the like are methods, not timers. */
const WALL_CLOCK = /\bDate\.now\b|(?<![.\w])set(?:Timeout|Interval)\b|new Date\(\)|node:timers/;

describe('time in src/', () => {
  it('is read, and waited for, only through the clock module: everything else takes an injectable Clock and Sleep', () => {
    const reading = sourceFiles(['src'])
      .filter((file) => relative(file) !== 'src/timing/clock.ts' && WALL_CLOCK.test(fs.readFileSync(file, 'utf8')))
      .map(relative);
    expect(reading).toEqual([]);
  });

  it('is caught in its every form', () => {
    for (const line of ['const t = Date.now();', 'clock ?? Date.now', 'await new Promise((r) => setTimeout(r, 5));', 'setInterval(tick, 1)', 'new Date()',
      "import { setTimeout } from 'node:timers/promises';"]) {
      expect(WALL_CLOCK.test(line), line).toBe(true);
    }
    for (const line of ['socket.setTimeout(5, close)', 'new Date(clock())', 'systemClock()']) expect(WALL_CLOCK.test(line), line).toBe(false);
  });
});

describe('the import graph check', () => {
  it('reads value, type-only, re-export, side-effect and dynamic imports; type-only ones load nothing', () => {
    const source = [
      "import { a } from './a';",
      "import type {\n  B,\n} from '../b';",
      "export { c } from './c';",
      "import './d';",
      "const e = await import('./e');",
      "import * as fs from 'node:fs';",
      "export type { F } from './f';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a', '../b', './c', 'node:fs', './f', './d', './e']);
    expect(importSpecifiers(source, 'loaded')).toEqual(['./a', './c', 'node:fs', './d', './e']);
  });

  it('finds a circle of type-only imports, and names no file outside it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-graph-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import { c } from './c';\nimport type { A } from './a';\nexport type B = A | typeof c;\n");
      fs.writeFileSync(path.join(dir, 'c.ts'), 'export const c = 1;\n');
      const circles = importCircles(importGraph([path.join(dir, 'a.ts')]));
      expect(circles.map((c) => c.map((f) => path.basename(f)))).toEqual([['a.ts', 'b.ts']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
