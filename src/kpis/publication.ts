import { z } from 'zod';

/**
 * Publishing a run (write-audit-publish): what the publish job reports on stdout
 * (spark/clickstream_jobs/publish.py), on both targets.
 */
const publishedSchema = z.object({
  runId: z.string(),
  branch: z.string(),
  published: z.array(z.object({ table: z.string(), snapshot: z.string() })),
  note: z.string().optional(),
});

export type PublishedRun = z.infer<typeof publishedSchema>;

/** Publishing was refused: the run did not pass validation, or main moved since it was cut (another run published, or maintenance). */
export class PublishRefusedError extends Error {
  constructor(readonly runId: string, readonly reason: string) {
    super(`Run ${runId} was not published: ${reason}.`);
    this.name = 'PublishRefusedError';
  }
}

/** What a line of the publish job says, after the jobs' `[kpis] ` prefix. */
export type PublishLine =
  | { readonly kind: 'published'; readonly run: PublishedRun }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'progress'; readonly text: string };

export function parsePublishLine(line: string): PublishLine {
  if (line.startsWith('publish {')) return { kind: 'published', run: publishedSchema.parse(JSON.parse(line.slice('publish '.length))) };
  if (line.startsWith('refused {')) return { kind: 'refused', reason: z.object({ reason: z.string() }).parse(JSON.parse(line.slice('refused '.length))).reason };
  return { kind: 'progress', text: line };
}
