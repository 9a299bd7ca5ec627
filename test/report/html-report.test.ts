import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import type { TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrinoEngine } from '../../src/engines/trino';
import { LocalRunReport } from '../../src/pipeline/run-report';
import { renderSvg } from '../../src/report/svg';
import { arrivalFilter } from '../../src/validation/bronze';
import { PageVisit, expectChartsDrawn, launchChromium, visitReport } from '../support/browser';
import { REPO_ROOT, parseJsonOutput, runCli } from '../support/cli';
import { TestEnvironment, endTestEnvironment, testEnvironment } from '../support/test-stack';

// An environment of its own on the suite's stack; its scratch folder holds the reports.
let stack: TestEnvironment | undefined;
let stateDir: string;
let reportDir: string;
let env: Readonly<Record<string, string>>;
/** The screenshot a person can look at after the suite. */
const SCREENSHOT = path.join(REPO_ROOT, 'reports', 'run-report-test.png');

/** Every chart a successful local run's report has. */
const LOCAL_RUN_CHARTS = ['stages', 'funnel', 'events-per-day', 'temperature', 'faulty-sensors', 'statuses', 'query-scan'];

let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: Browser;

beforeAll(async () => {
  stack = await testEnvironment('html-report');
  ({ work: stateDir, cliEnv: env } = stack);
  reportDir = path.join(stateDir, 'reports');
  chromium = await launchChromium();
  browser = chromium.browser;
}, 300_000);

afterAll(async () => {
  await chromium?.close();
  endTestEnvironment(stack);
}, 120_000);

describe('the HTML run report of a real local run', () => {
  // One run and one visit of its report (a run takes minutes); the cases look at them.
  let result: Awaited<ReturnType<typeof runCli>>;
  let report: LocalRunReport;
  let visit: PageVisit;
  /** When the run started and ended: its records arrive (and land under arrival hours) between the two. */
  let started: Date;
  let ended: Date;
  beforeAll(async () => {
    started = new Date();
    result = await runCli(['run', '--records', '5000', '--days', '3', '--seed', '11', '--report-dir', reportDir, '--keep', '--json'], env);
    ended = new Date();
    report = parseJsonOutput<LocalRunReport>(result);
    if (fs.existsSync(path.join(reportDir, 'run-report.html'))) visit = await visitReport(browser, path.join(reportDir, 'run-report.html'), SCREENSHOT);
  }, 1_000_000);

  it('is written beside the JSON and Markdown reports by clickstream run', () => {
    expect(result.code, result.stderr.slice(-5000)).toBe(0);
    expect(report.outcome).toBe('succeeded');
    for (const file of ['run-report.html', 'run-report.json', 'run-report.md']) expect(fs.existsSync(path.join(reportDir, file)), file).toBe(true);
  });

  it('opens in headless Chromium with no console error and no network request, and every chart draws marks', () => {
    expect(visit, 'the run wrote no run-report.html').toBeDefined();
    expect(visit.consoleErrors).toEqual([]);
    expect(visit.requests).toEqual([]);
    expectChartsDrawn(visit, LOCAL_RUN_CHARTS);
    // The funnel of a local run: sent, read, landed, + to errors/, distinct valid events, + in
    // rejected_events, + duplicates, counted by the KPI tables; a bar and a label per step. The
    // timeline: a bar and a label per stage.
    expect(report.reconciliation?.rejected, 'the run reported no rejected_events count').toBeDefined();
    expect(report.reconciliation?.kpiEvents, 'the run reported no KPI event count').toBeDefined();
    expect(visit.marks.funnel).toBe(2 * 8);
    expect(visit.marks.stages).toBe(2 * report.stages.length);
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(50_000);
  });

  it('reports what Spark read from bronze and what each Trino query scanned, from their own statistics', async () => {
    const cost = report.cost!;
    expect(cost.kind).toBe('local-scan');
    // A fresh state folder: bronze holds exactly this run's Parquet files, which the jobs read whole.
    // They arrived during the run: only those arrival hours are listed (unbounded, partition
    // projection would list every hour of the keys' range, 2020-2100, in the emulator's S3).
    const trino = new TrinoEngine({ endpoint: report.stack.endpoints!.trino });
    const arrivals = arrivalFilter({ fromDay: started.toISOString().slice(0, 10), throughHour: `${ended.toISOString().slice(0, 13)}:00:00Z`, openFiles: [] });
    const files = await trino.query(
      `SELECT count(DISTINCT "$path") AS files, sum(size) AS bytes FROM (SELECT DISTINCT "$path", "$file_size" AS size FROM ${stack!.names.glueDatabase}.${stack!.names.rawTable} WHERE ${arrivals.text})`,
      arrivals.params,
    );
    expect(cost.sparkBronze).toMatchObject({ files: Number(files.rows[0].files), bytes: Number(files.rows[0].bytes) });
    expect(cost.sparkBronze!.bytes).toBeGreaterThan(0);
    // Every query the run sent is accounted for: the checks, the previews and the chart data.
    const validationIds = report.validation!.queries.map((q) => q.queryId);
    expect(cost.queries.map((q) => q.queryId)).toEqual(expect.arrayContaining(validationIds));
    expect(cost.queries.length).toBeGreaterThan(validationIds.length);
    for (const query of report.validation!.queries.filter((q) => q.subject !== 'information_schema')) {
      // The table checks read bronze through the raw table: at least the Parquet columns they use.
      expect(query.bytesScanned, query.subject).toBeGreaterThan(0);
    }
    const markdown = fs.readFileSync(path.join(reportDir, 'run-report.md'), 'utf8');
    expect(markdown).toContain('### What this would scan on Athena');
    // Numbers for people: no long decimals anywhere a reader looks, charts included (dollar amounts under a cent have four).
    const readable = visit.text.replace(/\$[\d,.]+/g, '').replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '');
    expect(readable).toContain('What this would scan on Athena');
    expect(readable.match(/\d\.\d{3,}/g) ?? []).toEqual([]);
  }, 120_000);
});

describe('the chart check', () => {
  it('fails for a chart whose data came out empty', async () => {
    const empty: TopLevelSpec = { data: { values: [] }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } } };
    const full: TopLevelSpec = { ...empty, data: { values: [{ a: 'x', b: 1 }] } };
    const file = path.join(stateDir, 'empty-chart.html');
    const figures = await Promise.all([full, empty].map(renderSvg));
    fs.writeFileSync(file, '<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>' +
      `<figure class="chart" data-chart="full">${figures[0]}</figure><figure class="chart" data-chart="empty">${figures[1]}</figure></body></html>`);
    const page = await visitReport(browser, file, path.join(stateDir, 'empty-chart.png'));
    expect(page.marks).toEqual({ full: 1, empty: 0 });
    expect(() => expectChartsDrawn(page, ['full', 'empty'])).toThrow('charts drew no marks: empty');
    expect(() => expectChartsDrawn(page, ['full'])).toThrow('unexpected empty');
  }, 60_000);
});
