import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderReportMarkdown } from './markdown';
import { reportJson, ValidationReport } from './validation-report';

export interface ReportFiles {
  readonly json: string;
  readonly markdown: string;
}

/** Writes `validation-report.json` and `validation-report.md` into `dir` (created if needed). */
export function writeReportFiles(dir: string, report: ValidationReport, options: { readonly failOnWarn?: boolean } = {}): ReportFiles {
  fs.mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, 'validation-report.json'), markdown: path.join(dir, 'validation-report.md') };
  fs.writeFileSync(files.json, reportJson(report));
  fs.writeFileSync(files.markdown, renderReportMarkdown(report, options));
  return files;
}
