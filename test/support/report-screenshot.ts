import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchChromium, visitReport } from './browser';
import { REPO_ROOT, runCli } from './cli';

/**
 * Regenerates the README's picture of the HTML run report: a default local run
 * (`clickstream run`, 20,000 events) into reports/, then its report in headless Chromium, cut to
 * the top of the page. `npx projen report:screenshot`; `npx projen report:screenshot -- --no-run`
 * pictures the report already in reports/.
 */
const REPORT_DIR = path.join(REPO_ROOT, 'reports');
const PICTURE = path.join(REPO_ROOT, 'docs', 'run-report.png');
/** Header, stages, reconciliation and the first KPI charts. */
const HEIGHT = 2060;

async function main(): Promise<void> {
  if (!process.argv.includes('--no-run')) {
    process.stderr.write('report:screenshot: npx clickstream run --report-dir reports (about a minute and a half)\n');
    const run = await runCli(['run', '--report-dir', REPORT_DIR], {}, 900_000);
    if (run.code !== 0) throw new Error(`clickstream run failed (exit ${run.code}):\n${run.stderr.slice(-3000)}`);
  }
  const html = path.join(REPORT_DIR, 'run-report.html');
  const { browser, close } = await launchChromium();
  try {
    const visit = await visitReport(browser, html, path.join(REPORT_DIR, 'run-report.png'));
    if (visit.consoleErrors.length || visit.requests.length) {
      throw new Error(`the report is not clean: console errors ${JSON.stringify(visit.consoleErrors)}, requests ${JSON.stringify(visit.requests)}`);
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: HEIGHT } });
    await page.goto(`file://${html}`, { waitUntil: 'load' });
    fs.mkdirSync(path.dirname(PICTURE), { recursive: true });
    await page.screenshot({ path: PICTURE, clip: { x: 0, y: 0, width: 1280, height: HEIGHT } });
    process.stderr.write(`report:screenshot: wrote ${path.relative(REPO_ROOT, PICTURE)} from ${path.relative(REPO_ROOT, html)}\n`);
  } finally {
    await close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
