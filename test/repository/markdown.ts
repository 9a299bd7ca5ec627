import * as fs from 'node:fs';
import * as path from 'node:path';

/** A Markdown page, by its path from the repository root (with `/`). */
export interface Page {
  readonly path: string;
  readonly text: string;
}

/** README.md and every page in docs/: the documentation whose links and commands are checked. */
export function documentationPages(root: string): Page[] {
  const docs = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...docs].map((p) => ({ path: p, text: fs.readFileSync(path.join(root, p), 'utf8') }));
}

/**
 * The text outside fenced code blocks and inline code spans, where GitHub renders links and
 * headings (CommonMark, "Fenced code blocks", "Code spans"). Lines are kept, so numbers still match.
 */
export function prose(text: string): string {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      return '';
    }
    return line.replace(/(`+)[^`]*?\1/g, '');
  }).join('\n');
}

/**
 * The anchor GitHub gives a heading: its text lowercased, punctuation other than `-` and `_`
 * removed, each space a `-` (github-slugger, which github.com's renderer follows). Links and
 * emphasis count by their text; code spans keep their text without the backticks.
 */
export function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page's headings; a repeated heading gets `-1`, `-2`, ... as on GitHub. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  let fence: string | undefined;
  for (const line of lines) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) fence = marker;
    else if (fence !== undefined && marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
    if (fence !== undefined || marker) continue;
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every link target of a page outside code: inline links and images, and reference definitions. */
export function linkTargets(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...body.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Where a relative link of `page` leads: a path from the root (with `/`) and the anchor, if any. */
export function resolveLink(page: string, target: string): { file: string; anchor?: string } {
  const hash = target.indexOf('#');
  const file = hash < 0 ? target : target.slice(0, hash);
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  return {
    file: file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURIComponent(file))),
    anchor,
  };
}

/**
 * What is wrong with the pages' relative links, one line each: the page, the link and what is
 * missing (the file, or the heading an anchor names in a Markdown file).
 */
export function linkProblems(root: string, pages: readonly Page[]): string[] {
  const texts = new Map(pages.map((p) => [p.path, p.text]));
  const textOf = (file: string) => texts.get(file) ?? fs.readFileSync(path.join(root, file), 'utf8');
  const problems: string[] = [];
  for (const page of pages) {
    for (const target of linkTargets(page.text).filter((t) => !isExternal(t))) {
      const { file, anchor } = resolveLink(page.path, target);
      if (file.startsWith('..')) {
        problems.push(`${page.path}: link ${target}: leads outside the repository`);
      } else if (!texts.has(file) && !fs.existsSync(path.join(root, file))) {
        problems.push(`${page.path}: link ${target}: ${file} does not exist`);
      } else if (anchor !== undefined && file.endsWith('.md') && !headingAnchors(textOf(file)).has(anchor)) {
        problems.push(`${page.path}: link ${target}: ${file} has no heading whose anchor is #${anchor}`);
      }
    }
  }
  return problems;
}

/** The docs/ pages the README does not link to. */
export function unlinkedPages(pages: readonly Page[]): string[] {
  const readme = pages.find((p) => p.path === 'README.md');
  if (!readme) throw new Error('README.md is not among the pages.');
  const linked = new Set(linkTargets(readme.text).filter((t) => !isExternal(t)).map((t) => resolveLink(readme.path, t).file));
  return pages.filter((p) => p.path.startsWith('docs/') && !linked.has(p.path)).map((p) => `${p.path} is not linked from README.md`);
}

/**
 * Every `npx clickstream <command>` and `npx projen <task>` the pages mention (code included)
 * that is not a command of the CLI or a projen task, one line each.
 */
export function commandProblems(pages: readonly Page[], commands: ReadonlySet<string>, tasks: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    for (const [, name] of page.text.matchAll(/\bnpx clickstream[ \t]+([A-Za-z][\w-]*)/g)) {
      if (!commands.has(name)) problems.push(`${page.path}: npx clickstream ${name}: no such command in src/cli/program.ts (its commands: ${[...commands].join(', ')})`);
    }
    for (const [, name] of page.text.matchAll(/\bnpx projen[ \t]+([A-Za-z][\w:-]*)/g)) {
      if (!tasks.has(name)) problems.push(`${page.path}: npx projen ${name}: no such task in .projen/tasks.json`);
    }
  }
  return problems;
}
