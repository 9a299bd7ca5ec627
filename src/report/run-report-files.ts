import * as fs from 'node:fs';
import * as path from 'node:path';
import { HtmlReportOptions, renderRunReportHtml } from './html';
import { RunReport, renderRunReportMarkdown } from '../pipeline/run-report';
import { writeReportFiles } from '../validation/validation-report-files';

export interface RunReportFiles {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
  readonly validationJson?: string;
  readonly validationMarkdown?: string;
}

/**
 * Writes run-report.json, run-report.md and run-report.html (and the validation report) into `dir`.
 * @param html - what the HTML report charts besides the run report (per-day rows of a multi-day run)
 */
export async function writeRunReport(dir: string, report: RunReport, html: HtmlReportOptions = {}): Promise<RunReportFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const files: RunReportFiles = { json: path.join(dir, 'run-report.json'), markdown: path.join(dir, 'run-report.md'), html: path.join(dir, 'run-report.html') };
  fs.writeFileSync(files.json, `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  fs.writeFileSync(files.markdown, renderRunReportMarkdown(report));
  fs.writeFileSync(files.html, await renderRunReportHtml(report, html));
  if (!report.validation) return files;
  const validation = writeReportFiles(dir, report.validation);
  return { ...files, validationJson: validation.json, validationMarkdown: validation.markdown };
}
