import { z } from 'zod';
import { formatBytes, formatCount } from '../format/numbers';
import { formatTable } from '../format/tables';

/**
 * What the maintenance job prints (spark/clickstream_jobs/maintenance.py): `[maintain] plan {...}`,
 * one `[maintain] table {...}` per table, `[maintain] done {...}`. Runners parse these lines, so a
 * report needs no query of the warehouse.
 */
export const MAINTENANCE_LOG_PREFIX = '[maintain] ';

const beforeAfter = z.object({ before: z.number(), after: z.number() });

export const maintenancePlanSchema = z.object({
  database: z.string(),
  /** The pipeline's now the run used. */
  asOf: z.string(),
  /** The wall clock when the job started. */
  now: z.string(),
  retentionDays: z.number().int(),
  retainLast: z.number().int(),
  /** Snapshots committed before this (wall clock) were expired; null: none was old enough. */
  expireBefore: z.string().nullable(),
  /** How that cut-off was found. */
  expiry: z.string(),
  /** First partition day compacted. */
  compactSince: z.string(),
  orphansBefore: z.string(),
  tables: z.array(z.string()),
});

export const maintainedTableSchema = z.object({
  table: z.string(),
  status: z.enum(['maintained', 'missing', 'failed']),
  error: z.string().optional(),
  snapshots: beforeAfter.optional(),
  /** Data files of the current snapshot (what a reader of `main` reads). */
  dataFiles: beforeAfter.optional(),
  dataBytes: beforeAfter.optional(),
  /** Data files any snapshot still references: what storage holds for the table's history. */
  referencedFiles: beforeAfter.optional(),
  referencedBytes: beforeAfter.optional(),
  compaction: z.object({ where: z.string().nullable(), rewrittenFiles: z.number(), addedFiles: z.number(), rewrittenBytes: z.number() }).optional(),
  manifests: z.object({ rewritten: z.number(), added: z.number() }).optional(),
  expiry: z.object({ deletedDataFiles: z.number(), deletedManifestFiles: z.number(), deletedManifestLists: z.number() }).optional(),
  orphanFiles: z.number().optional(),
  /** Audit branches of runs older than the expiry cut-off (held back, never published), dropped before expiry. */
  droppedBranches: z.array(z.string()).optional(),
  /** Branches and tags other than main after the run (audit branches of runs younger than the cut-off). */
  branches: z.array(z.object({ name: z.string(), type: z.string(), snapshotId: z.string(), maxRefAgeMs: z.number().nullable() })).optional(),
  seconds: z.number().optional(),
});

export type MaintenancePlan = z.infer<typeof maintenancePlanSchema>;
export type MaintainedTable = z.infer<typeof maintainedTableSchema>;

/** What one maintenance run did, table by table. */
export interface MaintenanceResult {
  readonly plan?: MaintenancePlan;
  readonly tables: readonly MaintainedTable[];
  /** Tables whose maintenance failed (the others ran). */
  readonly failed: readonly string[];
}

export type MaintenanceLine =
  | { readonly kind: 'plan'; readonly plan: MaintenancePlan }
  | { readonly kind: 'table'; readonly table: MaintainedTable }
  | { readonly kind: 'done'; readonly failed: readonly string[] };

/** The record in one of the job's stdout lines, or undefined for any other line. */
export function parseMaintenanceLine(line: string): MaintenanceLine | undefined {
  const match = /^\[maintain\] (plan|table|done) (\{.*\})\s*$/.exec(line);
  if (!match) return undefined;
  const payload = JSON.parse(match[2]) as unknown;
  if (match[1] === 'plan') return { kind: 'plan', plan: maintenancePlanSchema.parse(payload) };
  if (match[1] === 'table') return { kind: 'table', table: maintainedTableSchema.parse(payload) };
  return { kind: 'done', failed: z.object({ failed: z.array(z.string()) }).parse(payload).failed };
}

/** Collects the job's lines into a result. */
export function maintenanceResult(lines: readonly string[]): MaintenanceResult {
  let plan: MaintenancePlan | undefined;
  const tables: MaintainedTable[] = [];
  for (const line of lines) {
    const parsed = parseMaintenanceLine(line);
    if (parsed?.kind === 'plan') plan = parsed.plan;
    if (parsed?.kind === 'table') tables.push(parsed.table);
  }
  return { plan, tables, failed: tables.filter((t) => t.status === 'failed').map((t) => t.table) };
}

const change = (value: { before: number; after: number } | undefined, format: (n: number) => string = formatCount) =>
  (value ? `${format(value.before)} -> ${format(value.after)}` : '');

/** One line of progress per table, as it is maintained. */
export function describeMaintainedTable(t: MaintainedTable): string {
  if (t.status !== 'maintained') return `${t.table}: ${t.status}${t.error ? ` (${t.error})` : ''}`;
  const branches = (t.branches ?? []).map((b) => b.name);
  const dropped = t.droppedBranches ?? [];
  return `${t.table}: snapshots ${change(t.snapshots)}, data files ${change(t.dataFiles)}, referenced ${change(t.referencedFiles)}` +
    `${dropped.length > 0 ? `; dropped ${dropped.join(', ')}` : ''}${branches.length > 0 ? `; kept ${branches.join(', ')}` : ''} (${t.seconds ?? 0} s)`;
}

/** Rows of the readable summary: per table, before -> after. */
export function maintenanceRows(result: MaintenanceResult): string[][] {
  return result.tables.map((t) => [
    t.table,
    t.status === 'maintained' ? change(t.snapshots) : t.status,
    change(t.dataFiles),
    change(t.referencedFiles),
    change(t.referencedBytes, formatBytes),
    t.compaction ? `${formatCount(t.compaction.rewrittenFiles)} -> ${formatCount(t.compaction.addedFiles)}` : '',
    t.expiry ? formatCount(t.expiry.deletedDataFiles) : '',
    t.orphanFiles !== undefined ? formatCount(t.orphanFiles) : '',
    (t.droppedBranches ?? []).join(', '),
    t.status === 'maintained' ? (t.branches ?? []).map((b) => b.name).join(', ') : (t.error ?? ''),
  ]);
}

export const MAINTENANCE_COLUMNS = ['table', 'snapshots', 'data files', 'referenced files', 'referenced bytes', 'compacted', 'expired files', 'orphans', 'branches dropped', 'branches kept'];

/** What the plan decided, in a sentence. */
export function describePlan(plan: MaintenancePlan): string {
  return `as of ${plan.asOf}: expired snapshots ${plan.expireBefore ? plan.expiry : `none (${plan.expiry})`}, keeping the last ${plan.retainLast} of each branch and every remaining branch` +
    `${plan.expireBefore ? ' (the audit branches of held-back runs that old dropped first)' : ''}; ` +
    `compacted partitions from ${plan.compactSince}; removed unreferenced files older than ${plan.orphansBefore}`;
}

/** The readable summary: what was decided, then per table before -> after. */
export function describeMaintenance(result: MaintenanceResult): string {
  const lines = [
    ...(result.plan ? [describePlan(result.plan), ''] : []),
    formatTable(MAINTENANCE_COLUMNS, maintenanceRows(result)),
  ];
  if (result.failed.length > 0) lines.push('', `Maintenance FAILED for ${result.failed.join(', ')}; the other tables were maintained. Run it again, or see the Spark log.`);
  return lines.join('\n');
}
