"""Publishing a run: every table's `main` is fast-forwarded to the run's audit branch, and the
branch is removed, once validation has passed (Iceberg's `fast_forward` procedure, Spark
procedures docs: it moves a branch to the head of another whose history contains it).

- Refused when the run has no passing verdict in `_kpi_validations`, naming the failed checks.
- Refused, before any table moves, when some table's `main` moved since the branch was cut
  (another run published, or maintenance compacted main): `main` must be an ancestor of the branch head.
- Idempotent: a table whose branch is gone was published already; the runs ledger goes last, so
  the high-water mark advances only once every table is published, and a publish that stopped
  between tables is finished by running it again.
"""
import json
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from pyspark.sql import SparkSession

from .audit import audit_branch
from .session import CATALOG, table_name

LEDGER = "_kpi_runs"
VALIDATIONS = "_kpi_validations"


class PublishRefused(Exception):
    """Publishing would show readers something unvalidated or lose another run's work."""


@dataclass(frozen=True)
class TableRefs:
    table: str
    main: Optional[int]
    head: Optional[int]


def publish_order(tables: Sequence[str]) -> List[str]:
    """The tables in the order they are published: the runs ledger last."""
    return sorted(tables, key=lambda t: (t == LEDGER, t))


def check_verdict(rows: Sequence[dict], run_id: str) -> None:
    """The latest verdict for the run must be a pass."""
    if not rows:
        raise PublishRefused(f"run {run_id} has not been validated: run `clickstream validate --run {run_id}` first")
    latest = max(rows, key=lambda r: r["validated_at"])
    if not latest["passed"]:
        failed = latest["failed_checks"] or ""
        raise PublishRefused(
            f"run {run_id} failed validation ({latest['failed']} of {latest['checks']} checks on {latest['engine']}): {failed}. "
            f"Its branch {audit_branch(run_id)} is kept for inspection; fix the cause and run the KPIs again"
        )


def check_ancestry(refs: Sequence[TableRefs], ancestors: Dict[str, Sequence[int]], run_id: str) -> None:
    """Every table's main must be in its branch head's history: otherwise another run published, or maintenance committed, since."""
    moved = [r.table for r in refs if r.main is not None and r.main not in ancestors[r.table]]
    if moved:
        raise PublishRefused(
            f"main moved since run {run_id} was cut (another run published, or table maintenance committed to it) in {', '.join(moved)}: "
            "publishing would drop what main gained since. Run the KPIs again (the next incremental run includes both)"
        )


def _refs(spark: SparkSession, database: str, table: str, branch: str) -> TableRefs:
    rows = {r.name: r.snapshot_id for r in spark.sql(f"SELECT name, snapshot_id FROM {table_name(database, table)}.refs").collect()}
    return TableRefs(table, rows.get("main"), rows.get(branch))


def publish(spark: SparkSession, database: str, run_id: str) -> dict:
    branch = audit_branch(run_id)
    verdicts = spark.table(table_name(database, VALIDATIONS)).where(f"run_id = '{run_id}'").collect()
    check_verdict([r.asDict() for r in verdicts], run_id)
    tables = [r.tableName for r in spark.sql(f"SHOW TABLES IN {CATALOG}.{database}").collect()]
    pending = [refs for refs in (_refs(spark, database, t, branch) for t in tables) if refs.head is not None]
    if not pending:
        return {"runId": run_id, "branch": branch, "published": [], "note": "nothing to publish: already published, or the branch expired"}
    ancestors = {
        r.table: [a.snapshot_id for a in spark.sql(f"CALL {CATALOG}.system.ancestors_of('{database}.{r.table}', {r.head})").collect()]
        for r in pending
    }
    check_ancestry(pending, ancestors, run_id)
    published = []
    by_table = {r.table: r for r in pending}
    for table in publish_order(list(by_table)):
        spark.sql(f"CALL {CATALOG}.system.fast_forward('{database}.{table}', 'main', '{branch}')")
        spark.sql(f"ALTER TABLE {table_name(database, table)} DROP BRANCH `{branch}`")
        published.append({"table": table, "snapshot": str(by_table[table].head)})
        print(f"[kpis] published {table} at snapshot {by_table[table].head}", flush=True)
    return {"runId": run_id, "branch": branch, "published": published}


def entry_point(argv: Sequence[str], prog: str) -> int:
    """`publish_run.py <ICEBERG_DB> <RUN_ID>`: exit 3 with `[kpis] refused ...` when publishing is refused."""
    if len(argv) != 2:
        print(f"usage: {prog} <ICEBERG_DB> <RUN_ID>", file=sys.stderr)
        return 2
    database, run_id = argv
    try:
        audit_branch(run_id)
    except ValueError as error:
        print(f"usage: {prog} <ICEBERG_DB> <RUN_ID>\n{prog}: error: {error}", file=sys.stderr)
        return 2
    from .session import create_session, end_session

    spark = create_session(f"clickstream-publish-{run_id}")
    try:
        result = publish(spark, database, run_id)
    except PublishRefused as refused:
        print(f"[kpis] refused {json.dumps({'runId': run_id, 'reason': str(refused)})}", flush=True)
        return 3
    finally:
        end_session(spark)
    print(f"[kpis] publish {json.dumps(result)}", flush=True)
    return 0
