import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandProblems, documentationPages, githubSlug, headingAnchors, linkProblems, Page, unlinkedPages } from './markdown';
import { buildProgram } from '../../src/cli/program';
import { REPO_ROOT } from '../support/cli';

/** The CLI's commands as commander knows them (building the program runs nothing). */
const COMMANDS = new Set(buildProgram().commands.flatMap((c) => [c.name(), ...c.aliases()]));
const TASKS = new Set(Object.keys((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8')) as { tasks: object }).tasks));

const pages = documentationPages(REPO_ROOT);
/** The pages with one page's text replaced. */
const editing = (file: string, edit: (text: string) => string): Page[] => pages.map((p) => (p.path === file ? { ...p, text: edit(p.text) } : p));
/** The problems an edit added: the ones the committed pages have are the first describe's failures. */
const added = (after: readonly string[], before: readonly string[]) => after.filter((problem) => !before.includes(problem));

describe('the README and docs/', () => {
  it('every relative link leads to a file, and every #anchor into Markdown to a heading', () => {
    expect(linkProblems(REPO_ROOT, pages)).toEqual([]);
  });

  it('the README links every docs/ page', () => {
    expect(pages.filter((p) => p.path.startsWith('docs/')).length).toBeGreaterThan(1);
    expect(unlinkedPages(pages)).toEqual([]);
  });

  it('every `npx clickstream <command>` is a command of the CLI, every `npx projen <task>` a projen task', () => {
    expect(COMMANDS).toContain('run');
    expect(TASKS).toContain('test');
    expect(commandProblems(pages, COMMANDS, TASKS)).toEqual([]);
  });
});

describe('the checks fail', () => {
  it('on a link to a missing file, a missing heading, or out of the repository, naming the page and the link', () => {
    const broken = editing('docs/aws.md', (t) => `${t}\n[a](missing.md) [b](previews.md#no-such-heading) [c](#nor-here) [d](../../etc/passwd)\n`);
    expect(added(linkProblems(REPO_ROOT, broken), linkProblems(REPO_ROOT, pages))).toEqual([
      'docs/aws.md: link missing.md: docs/missing.md does not exist',
      'docs/aws.md: link previews.md#no-such-heading: docs/previews.md has no heading whose anchor is #no-such-heading',
      'docs/aws.md: link #nor-here: docs/aws.md has no heading whose anchor is #nor-here',
      'docs/aws.md: link ../../etc/passwd: leads outside the repository',
    ]);
  });

  it('when the README stops linking a docs/ page', () => {
    const unlinked = editing('README.md', (t) => t.replace(/\]\(docs\/previews\.md\)/g, '](https://example.com)'));
    expect(added(unlinkedPages(unlinked), unlinkedPages(pages))).toEqual(['docs/previews.md is not linked from README.md']);
  });

  it('on a command the CLI does not have and a task projen does not have, in code blocks too', () => {
    const wrong = editing('docs/troubleshooting.md', (t) => `${t}\n\`\`\`\nnpx clickstream frobnicate --all\nnpx projen bench:nothing\n\`\`\`\n`);
    const problems = added(commandProblems(wrong, COMMANDS, TASKS), commandProblems(pages, COMMANDS, TASKS));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^docs\/troubleshooting\.md: npx clickstream frobnicate: no such command in src\/cli\/program\.ts \(its commands: .*\brun\b/);
    expect(problems[1]).toBe('docs/troubleshooting.md: npx projen bench:nothing: no such task in .projen/tasks.json');
  });
});

describe('anchors as GitHub makes them', () => {
  it('lowercase, punctuation but - and _ dropped, spaces as -, repeats numbered', () => {
    expect(githubSlug('The whole pipeline on AWS: `clickstream run --target aws`')).toBe('the-whole-pipeline-on-aws-clickstream-run---target-aws');
    expect(githubSlug('Table maintenance (`maintain_tables.py`)')).toBe('table-maintenance-maintain_tablespy');
    expect(githubSlug('Preview environments (`pr-<number>`)')).toBe('preview-environments-pr-number');
    expect(githubSlug('See [the docs](docs/x.md)')).toBe('see-the-docs');
    expect([...headingAnchors('# A\n## A\n```\n# not a heading\n```\n### A\n')]).toEqual(['a', 'a-1', 'a-2']);
  });
});
