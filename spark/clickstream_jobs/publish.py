"""Publishing a run: every table's `main` is fast-forwarded to the run's audit branch, and the
branch is removed, once validation has passed. A metadata commit per table, so it needs no Spark
and no cluster: PyIceberg against the Glue catalog, run by `clickstream publish` and the
publish-kpi-run action (on AWS) or against the emulator (locally).

- Refused when the run has no passing verdict in `_kpi_validations`, naming the failed checks.
- Refused, before any table moves, when some table's `main` moved since the branch was cut
  (another run published, or maintenance compacted main): `main` must be an ancestor of the branch
  head, the condition of Iceberg's fast-forward (Java API `ManageSnapshots.fastForwardBranch`:
  "if from is an ancestor of to"). PyIceberg 0.12 has no fast-forward of its own (apache/iceberg-python
  pull requests #3649 and #3900 propose one), so the check is ours and the move is its
  `ManageSnapshots.set_current_snapshot` (PyIceberg docs, API, "Snapshot management"), which
  commits with the requirement that `main` is still where it was read: a concurrent commit fails it.
- Idempotent: a table whose branch is gone was published already; the runs ledger goes last, so
  the high-water mark advances only once every table is published, and a publish that stopped
  between tables is finished by running it again. Each table's move and branch removal is one commit.
"""
import argparse
import json
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from .branches import audit_branch

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


def catalog_properties(region: str, glue_endpoint: Optional[str], s3_endpoint: Optional[str]) -> Dict[str, str]:
    """The Glue catalog's PyIceberg properties (PyIceberg docs, "Configuration": Glue Catalog `glue.region`,
    `glue.endpoint`; FileIO `s3.region`, `s3.endpoint`). On AWS the endpoints are left to boto3 and the
    AWS SDK, and credentials come from their default chains on both targets."""
    properties = {"type": "glue", "glue.region": region, "s3.region": region}
    if glue_endpoint:
        properties["glue.endpoint"] = glue_endpoint
    if s3_endpoint:
        properties["s3.endpoint"] = s3_endpoint
    return properties


def _refs(table, name: str, branch: str) -> TableRefs:
    refs = table.metadata.refs
    return TableRefs(name, refs["main"].snapshot_id if "main" in refs else None, refs[branch].snapshot_id if branch in refs else None)


def publish(catalog, database: str, run_id: str, log=print) -> dict:
    from pyiceberg.exceptions import CommitFailedException
    from pyiceberg.expressions import EqualTo
    from pyiceberg.table.snapshots import ancestors_of

    branch = audit_branch(run_id)
    verdicts = catalog.load_table((database, VALIDATIONS)).scan(
        row_filter=EqualTo("run_id", run_id), selected_fields=("validated_at", "engine", "passed", "checks", "failed", "failed_checks")
    ).to_arrow().to_pylist()
    check_verdict(verdicts, run_id)
    tables = {name: catalog.load_table((database, name)) for _, name in catalog.list_tables(database)}
    pending = [refs for refs in (_refs(t, name, branch) for name, t in tables.items()) if refs.head is not None]
    if not pending:
        return {"runId": run_id, "branch": branch, "published": [], "note": "nothing to publish: already published, or the branch expired"}
    ancestors = {
        r.table: [s.snapshot_id for s in ancestors_of(tables[r.table].metadata.snapshot_by_id(r.head), tables[r.table].metadata)]
        for r in pending
    }
    check_ancestry(pending, ancestors, run_id)
    published = []
    by_table = {r.table: r for r in pending}
    for name in publish_order(list(by_table)):
        head = by_table[name].head
        try:
            with tables[name].manage_snapshots() as snapshots:
                snapshots.set_current_snapshot(snapshot_id=head).remove_branch(branch)
        except CommitFailedException as error:
            raise PublishRefused(
                f"{name} changed while run {run_id} was being published ({error}): run the publish again; "
                "it re-checks that main is still in the branch's history"
            ) from error
        published.append({"table": name, "snapshot": str(head)})
        log(f"[kpis] published {name} at snapshot {head}")
    return {"runId": run_id, "branch": branch, "published": published}


def entry_point(argv: Sequence[str], prog: str) -> int:
    """`<ICEBERG_DB> <RUN_ID> --region R [--glue-endpoint URL --s3-endpoint URL]`: exit 3 with `[kpis] refused ...` when publishing is refused."""
    parser = argparse.ArgumentParser(prog=prog, description="Publishes a validated KPI run: fast-forwards every table's main to its audit branch.")
    parser.add_argument("database")
    parser.add_argument("run_id")
    parser.add_argument("--region", required=True)
    parser.add_argument("--glue-endpoint")
    parser.add_argument("--s3-endpoint")
    args = parser.parse_args(argv)
    try:
        audit_branch(args.run_id)
    except ValueError as error:
        parser.error(str(error))
    from pyiceberg.catalog import load_catalog

    started = time.monotonic()
    catalog = load_catalog("glue", **catalog_properties(args.region, args.glue_endpoint, args.s3_endpoint))
    say = lambda line: print(line, flush=True)  # noqa: E731
    try:
        result = publish(catalog, args.database, args.run_id, say)
    except PublishRefused as refused:
        say(f"[kpis] refused {json.dumps({'runId': args.run_id, 'reason': str(refused)})}")
        return 3
    say(f"[kpis] publish took {time.monotonic() - started:.1f} s")
    say(f"[kpis] publish {json.dumps(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(entry_point(sys.argv[1:], "python -m clickstream_jobs.publish"))
