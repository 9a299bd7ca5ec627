import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPOSITORY = path.resolve(__dirname, '../..');

/** Which imports to follow: all of them (a circle of types is still a circle to a reader), or only those that load a module at run time. */
export type ImportKinds = 'all' | 'loaded';

/** Every module specifier a file imports or re-exports. */
export function importSpecifiers(source: string, kinds: ImportKinds = 'all'): string[] {
  const specifiers: string[] = [];
  const patterns = [/^\s*(?:import|export)\s([^;]*?)\sfrom\s+'([^']+)'/gms, /^\s*import()\s+'([^']+)'/gm, /\bimport()\(\s*'([^']+)'\s*\)/g, /\brequire()\(\s*'([^']+)'\s*\)/g];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      if (kinds === 'loaded' && /^type\s/.test(match[1])) continue;
      specifiers.push(match[2]);
    }
  }
  return specifiers;
}

/** The file a relative specifier names (`./x` -> x.ts, x/index.ts, x.js), or undefined for packages and Node's modules. */
export function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base, `${base}.js`, path.join(base, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${path.relative(REPOSITORY, from)} imports '${specifier}', which names no file`);
}

/** Source files under the given folders (relative to the repository), tests and generated bundles left out. */
export function sourceFiles(folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist' && !entry.name.startsWith('.') && entry.name !== 'cdk.out') walk(full);
      } else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(full);
      }
    }
  };
  for (const folder of folders) {
    const full = path.join(REPOSITORY, folder);
    if (fs.statSync(full).isFile()) files.push(full);
    else walk(full);
  }
  return files.sort();
}

/** File -> the files it imports. */
export function importGraph(files: readonly string[], kinds: ImportKinds = 'all'): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [...files];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const imports = file.endsWith('.ts')
      ? importSpecifiers(fs.readFileSync(file, 'utf8'), kinds).map((s) => resolveImport(file, s)).filter((f): f is string => f !== undefined)
      : [];
    graph.set(file, [...new Set(imports)]);
    pending.push(...imports);
  }
  return graph;
}

/** The import circles of a graph: its strongly connected components of more than one file (Tarjan). */
export function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    indexOf.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, indexOf.get(next)!));
      }
    }
    if (low.get(file) === indexOf.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indexOf.has(file)) visit(file);
  return circles;
}

/** Every file `entry` loads through its imports at run time, itself included. */
export function loadedClosure(entry: string): string[] {
  return [...importGraph([entry], 'loaded').keys()].sort();
}
