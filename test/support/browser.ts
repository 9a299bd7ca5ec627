import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { chromiumPath } from '../../src/local/setup/install-steps';

/**
 * Debian's Chromium (installed by `clickstream setup`) driven by playwright-core, headless. The
 * background-networking flags keep Chromium from calling home at start (this machine's network
 * refuses those connections), so any request the page makes is the page's own.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: run \`npx clickstream setup\` (it installs Debian's chromium) or set CLICKSTREAM_CHROMIUM.`);
  }
  // playwright-core starts Chromium with a new empty profile of its own.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

/** What a page did while it loaded: console errors, page errors and every request it made. */
export interface PageVisit {
  readonly consoleErrors: readonly string[];
  readonly requests: readonly string[];
  /** Chart id -> number of drawn marks (SVG elements inside Vega's mark groups). */
  readonly marks: Readonly<Record<string, number>>;
  /** The page's text as a reader sees it, charts' labels included. */
  readonly text: string;
}

/**
 * Opens an HTML file, counts the marks each `figure.chart` drew, and writes a full-page
 * screenshot to `screenshot`.
 */
export async function visitReport(browser: Browser, htmlFile: string, screenshot: string): Promise<PageVisit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    // The file itself is the one expected load.
    if (request.url() !== `file://${htmlFile}`) requests.push(request.url());
  });
  await page.goto(`file://${htmlFile}`, { waitUntil: 'load' });
  const marks = await page.$$eval('figure.chart', (figures) => Object.fromEntries(figures.map((f) => [
    f.getAttribute('data-chart') ?? '?',
    f.querySelectorAll('svg g[class*="role-mark"] > path, svg g[class*="role-mark"] > line, svg g[class*="role-mark"] > text, svg g[class*="role-mark"] > rect').length,
  ])));
  const text = `${await page.innerText('body')}\n${(await page.$$eval('svg text', (texts) => texts.map((t) => t.textContent ?? ''))).join('\n')}`;
  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { consoleErrors, requests, marks, text };
}

/**
 * Fails unless the page has exactly the `expected` charts and each drew marks: a chart whose data
 * came out empty draws its axes but no marks.
 */
export function expectChartsDrawn(visit: PageVisit, expected: readonly string[]): void {
  const found = Object.keys(visit.marks);
  const missing = expected.filter((id) => !found.includes(id));
  const unexpected = found.filter((id) => !expected.includes(id));
  if (missing.length || unexpected.length) {
    throw new Error(`charts differ: missing ${missing.join(', ') || 'none'}; unexpected ${unexpected.join(', ') || 'none'}`);
  }
  const empty = found.filter((id) => visit.marks[id] === 0);
  if (empty.length) throw new Error(`charts drew no marks: ${empty.join(', ')}`);
}
