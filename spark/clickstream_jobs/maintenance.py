"""Table maintenance with Iceberg's own Spark procedures, table by table (the plan is maintenance_plan.py).

For each table the jobs keep, in this order: `rewrite_data_files` (bin-pack) on the recent
partitions, `rewrite_manifests`, dropping the audit branches of runs older than the expiry cut-off
(held back, never published: maintenance_plan.abandoned_audit_branches), `expire_snapshots`,
`remove_orphan_files`. Compaction goes first so the snapshots it replaces age out with the rest;
expiry honours every remaining branch and tag (Iceberg spec, "Snapshot Retention Policy"; Iceberg
docs, "Branching and Tagging"), so a younger `audit_<run id>` branch, a run awaiting validation or
publication, keeps its snapshots and files. Each table prints one line `[maintain] table {...}`
(snapshots and data files before and after, files and bytes rewritten, branches dropped, files
deleted); a table that fails is reported and the others still run; the job then exits 1.
"""
import json
import time
import traceback
from datetime import datetime, timezone
from typing import Dict, List, Optional, Sequence

from pyspark.sql import SparkSession

from .maintenance_plan import (
    LOG_PREFIX,
    MAINTAINED_TABLES,
    MIN_INPUT_FILES,
    ExpiryCutoff,
    MaintenanceArguments,
    abandoned_audit_branches,
    compaction_filter,
    compaction_since,
    describe_partitioning,
    error_summary,
    expiry_cutoff,
    iso,
    orphan_cutoff,
    parse_maintenance_arguments,
    sql_timestamp,
)
from .runs import RUNS_TABLE
from .session import CATALOG, create_session, end_session, table_name
from .sql_identifiers import check_identifier, procedure_table, qualified_name, quote_identifier, quote_ref, quote_string


def log(kind: str, payload: dict) -> None:
    print(f"{LOG_PREFIX} {kind} {json.dumps(payload)}", flush=True)


def _utc_micros(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, tz=timezone.utc)


def ledger_runs(spark: SparkSession, database: str) -> Dict[str, tuple]:
    """`run id -> (as_of, finished_at)` of every run the ledger records, on `main` and on every audit
    branch (a run held back recorded itself only there; it still happened on the runs' clock), as
    UTC datetimes (micros, not the local zone)."""
    name = table_name(database, RUNS_TABLE)
    refs = [r.name for r in spark.sql(f"SELECT name FROM {name}.refs WHERE type = 'BRANCH' ORDER BY name").collect()]
    runs: Dict[str, tuple] = {}
    for ref in refs:
        rows = spark.sql(
            f"SELECT run_id, unix_micros(as_of) AS as_of, unix_micros(finished_at) AS finished FROM {name} VERSION AS OF {quote_string(ref)}"
        ).collect()
        for r in rows:
            if r.as_of is not None and r.finished is not None:
                runs[r.run_id] = (_utc_micros(r.as_of), _utc_micros(r.finished))
    return runs


def table_state(spark: SparkSession, name: str) -> dict:
    """Snapshots, the data files of the current snapshot and the data files any snapshot still references."""
    snapshots = spark.sql(f"SELECT count(*) AS n FROM {name}.snapshots").first().n
    live = spark.sql(f"SELECT count(*) AS n, coalesce(sum(file_size_in_bytes), 0) AS b FROM {name}.data_files").first()
    referenced = spark.sql(
        f"SELECT count(*) AS n, coalesce(sum(file_size_in_bytes), 0) AS b "
        f"FROM (SELECT DISTINCT file_path, file_size_in_bytes FROM {name}.all_data_files)"
    ).first()
    return {"snapshots": snapshots, "dataFiles": live.n, "dataBytes": live.b, "referencedFiles": referenced.n, "referencedBytes": referenced.b}


def branch_heads(spark: SparkSession, name: str) -> List[tuple]:
    """`(branch, commit time of its head)` of every branch but main."""
    rows = spark.sql(
        f"SELECT r.name, unix_micros(s.committed_at) AS committed FROM {name}.refs r JOIN {name}.snapshots s "
        f"ON r.snapshot_id = s.snapshot_id WHERE r.type = 'BRANCH' AND r.name <> 'main'"
    ).collect()
    return [(r.name, _utc_micros(r.committed)) for r in rows]


def branches(spark: SparkSession, name: str) -> List[dict]:
    rows = spark.sql(f"SELECT name, type, snapshot_id, max_reference_age_in_ms FROM {name}.refs WHERE name <> 'main' ORDER BY name").collect()
    return [{"name": r.name, "type": r.type, "snapshotId": str(r.snapshot_id), "maxRefAgeMs": r.max_reference_age_in_ms} for r in rows]


def _call(spark: SparkSession, procedure: str, arguments: Sequence[str]):
    # `system.<procedure>` stays bare (checked): Iceberg's SQL extensions take a statement for theirs
    # by finding that text in it (IcebergSparkSqlExtensionsParser.isIcebergProcedure).
    return spark.sql(f"CALL {quote_identifier(CATALOG)}.system.{check_identifier(procedure)}({', '.join(arguments)})").collect()


def maintain_table(spark: SparkSession, arguments: MaintenanceArguments, table: str, as_of: datetime,
                   expire_before: ExpiryCutoff, orphans_before: datetime, finished: Dict[str, datetime]) -> dict:
    started = time.monotonic()
    name = table_name(arguments.database, table)
    identifier = f"table => {procedure_table(arguments.database, table)}"
    before = table_state(spark, name)

    fields, column_types = describe_partitioning((r.col_name, r.data_type) for r in spark.sql(f"DESCRIBE TABLE {name}").collect())
    where = compaction_filter(fields, column_types, compaction_since(as_of, arguments.compact_days))
    compaction = [identifier, "strategy => 'binpack'", f"options => map('min-input-files', '{MIN_INPUT_FILES}')"]
    if where:
        compaction.append(f"where => {quote_string(where)}")
    rewritten = _call(spark, "rewrite_data_files", compaction)[0].asDict()
    manifests = _call(spark, "rewrite_manifests", [identifier])[0].asDict()
    dropped = abandoned_audit_branches(branch_heads(spark, name), finished, expire_before)
    for branch in dropped:
        spark.sql(f"ALTER TABLE {name} DROP BRANCH {quote_ref(branch)}")
    expired: Dict[str, int] = {}
    if expire_before.commit_time is not None:
        expired = _call(spark, "expire_snapshots", [
            identifier,
            f"older_than => {sql_timestamp(expire_before.commit_time)}",
            f"retain_last => {arguments.retain_last}",
            "stream_results => true",
        ])[0].asDict()
    orphans = _call(spark, "remove_orphan_files", [identifier, f"older_than => {sql_timestamp(orphans_before)}"])

    after = table_state(spark, name)
    return {
        "table": table,
        "status": "maintained",
        **{key: {"before": before[key], "after": after[key]} for key in before},
        "compaction": {
            "where": where,
            "rewrittenFiles": rewritten.get("rewritten_data_files_count", 0),
            "addedFiles": rewritten.get("added_data_files_count", 0),
            "rewrittenBytes": rewritten.get("rewritten_bytes_count", 0),
        },
        "manifests": {"rewritten": manifests.get("rewritten_manifests_count", 0), "added": manifests.get("added_manifests_count", 0)},
        "expiry": {
            "deletedDataFiles": expired.get("deleted_data_files_count", 0),
            "deletedManifestFiles": expired.get("deleted_manifest_files_count", 0),
            "deletedManifestLists": expired.get("deleted_manifest_lists_count", 0),
        },
        "orphanFiles": len(orphans),
        "droppedBranches": dropped,
        "branches": branches(spark, name),
        "seconds": round(time.monotonic() - started, 1),
    }


def run(arguments: MaintenanceArguments, now: Optional[datetime] = None) -> int:
    started = time.monotonic()
    spark = create_session("clickstream-maintain-tables")
    now = now or datetime.now(timezone.utc)
    as_of = arguments.as_of or now
    existing = {row.tableName for row in spark.sql(f"SHOW TABLES IN {qualified_name(CATALOG, arguments.database)}").collect()}
    wanted = arguments.tables or MAINTAINED_TABLES
    runs = ledger_runs(spark, arguments.database) if RUNS_TABLE in existing else {}
    expire_before = expiry_cutoff(arguments.retention_days, arguments.as_of, now, runs.values())
    finished = {run_id: done for run_id, (_, done) in runs.items()}
    orphans_before = orphan_cutoff(now, arguments.orphan_days)
    log("plan", {
        "database": arguments.database,
        "asOf": iso(as_of),
        "now": iso(now),
        "retentionDays": arguments.retention_days,
        "retainLast": arguments.retain_last,
        "expireBefore": iso(expire_before.commit_time),
        "expiry": expire_before.reason,
        "compactSince": str(compaction_since(as_of, arguments.compact_days)),
        "orphansBefore": iso(orphans_before),
        "tables": wanted,
    })
    failed = []
    for table in wanted:
        if table not in existing:
            log("table", {"table": table, "status": "missing", "error": "the table does not exist (yet): no KPI run has written it"})
            continue
        try:
            log("table", maintain_table(spark, arguments, table, as_of, expire_before, orphans_before, finished))
        except Exception as error:  # one table's failure must not stop the others' maintenance
            failed.append(table)
            traceback.print_exc()  # the whole error, Java stack included, in the step's stderr
            log("table", {"table": table, "status": "failed", "error": error_summary(error)})
    log("done", {"tables": len(wanted), "failed": failed, "seconds": round(time.monotonic() - started, 1)})
    end_session(spark)
    return 1 if failed else 0


def entry_point(argv: Sequence[str], prog: str) -> int:
    return run(parse_maintenance_arguments(argv, prog))
