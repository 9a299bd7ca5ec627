"""What table maintenance does to each table the jobs keep, decided without Spark.

Maintenance runs Iceberg's own Spark procedures (Iceberg docs, "Spark Procedures"):
`rewrite_data_files` (bin-pack the small files of recently written partitions), `rewrite_manifests`,
dropping abandoned write-audit-publish branches (ALTER TABLE ... DROP BRANCH), `expire_snapshots` (snapshots older than a retention, keeping the last few and every snapshot a live
branch or tag still needs) and `remove_orphan_files` (files no snapshot references, older than a
few days). This module parses the job's arguments and computes each call's arguments; the calls
themselves are in maintenance.py.

Two clocks are involved. Iceberg compares `older_than` with each snapshot's commit timestamp, which
is the wall-clock time of the commit; a run's `--as-of` is the time the pipeline believes it is,
which a simulation or a replay of history sets to days that passed in minutes. With `--as-of`, the
retention is therefore measured on the pipeline's clock and translated to commit times through the
runs ledger `_kpi_runs`, whose rows record both a run's `as_of` and the wall-clock `finished_at`
after its last table commit: a snapshot is old enough when a run whose `as_of` is older than the
retention finished after it. Orphan files are aged by the object store's own timestamps, which no
simulated clock reaches, so their cut-off is always the wall clock's (and Iceberg refuses one
less than 24 hours ago).
"""
import argparse
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .arguments import check_database, utc_time
from .branches import run_id_of_branch
from .contracts import INTERNAL_TABLE_COLUMNS, KPI_TABLE_COLUMNS
from .sql_identifiers import check_identifier

LOG_PREFIX = "[maintain]"

# Every table the jobs keep in a database, in a stable order: the KPI tables, then the internal ones.
MAINTAINED_TABLES = list(KPI_TABLE_COLUMNS) + list(INTERNAL_TABLE_COLUMNS)

DEFAULT_RETENTION_DAYS = 7
DEFAULT_RETAIN_LAST = 5
DEFAULT_COMPACT_DAYS = 3
DEFAULT_ORPHAN_DAYS = 3
# Iceberg's remove_orphan_files refuses a cut-off less than 24 hours old: a file written by a commit
# still in progress must not be taken for an orphan.
MIN_ORPHAN_DAYS = 1
# A day partition here receives a handful of files (one per write that touched it), never the
# rewrite_data_files default of 5: with 2, any partition written more than once is compacted.
MIN_INPUT_FILES = 2


@dataclass(frozen=True)
class MaintenanceArguments:
    database: str
    # The tables to maintain; every table the jobs keep when None.
    tables: Optional[List[str]]
    # Snapshots older than this many days are expired ...
    retention_days: int
    # ... except the last `retain_last` of each branch.
    retain_last: int
    # Compaction rewrites the partitions of the last `compact_days` days (whole unpartitioned tables).
    compact_days: int
    # Orphan files older than this many days (wall clock) are deleted.
    orphan_days: int
    # The pipeline's notion of now (UTC); None means the wall clock.
    as_of: Optional[datetime]


def _whole(minimum: int, unit: str):
    def parse(value: str) -> int:
        if not re.fullmatch(r"\d+", value.strip()) or int(value) < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number of {unit} >= {minimum}, got {value!r}")
        return int(value)

    return parse


def _tables(value: str) -> List[str]:
    names = list(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in MAINTAINED_TABLES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown table(s) {', '.join(unknown) or '(none given)'}; the jobs keep {', '.join(MAINTAINED_TABLES)}"
        )
    return names


def parse_maintenance_arguments(argv: Sequence[str], prog: str) -> MaintenanceArguments:
    """Parses `<ICEBERG_DB> [options]`; usage errors exit with status 2 before Spark starts."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Maintains the Iceberg tables the KPI jobs keep: compacts recent partitions, rewrites manifests, "
        "expires old snapshots (keeping the last few and every live branch) and removes orphan files.",
    )
    parser.add_argument("database", metavar="ICEBERG_DB", help="Glue database of the KPI tables")
    parser.add_argument("--tables", type=_tables, help="comma-separated tables (default: every table the jobs keep)")
    parser.add_argument("--retention-days", type=_whole(1, "days"), default=DEFAULT_RETENTION_DAYS,
                        help=f"expire snapshots older than this (default {DEFAULT_RETENTION_DAYS})")
    parser.add_argument("--retain-last", type=_whole(1, "snapshots"), default=DEFAULT_RETAIN_LAST,
                        help=f"keep at least this many snapshots of each branch (default {DEFAULT_RETAIN_LAST})")
    parser.add_argument("--compact-days", type=_whole(1, "days"), default=DEFAULT_COMPACT_DAYS,
                        help=f"compact the partitions of the last N days (default {DEFAULT_COMPACT_DAYS})")
    parser.add_argument("--orphan-days", type=_whole(MIN_ORPHAN_DAYS, "days"), default=DEFAULT_ORPHAN_DAYS,
                        help=f"remove unreferenced files older than this, by the wall clock (default {DEFAULT_ORPHAN_DAYS})")
    parser.add_argument("--as-of", type=utc_time,
                        help="the pipeline's time, UTC (default: now); the retention is measured on the runs' clock")
    parsed = parser.parse_args(list(argv))
    if not parsed.database.strip():
        parser.error("ICEBERG_DB must not be empty")
    check_database(parser, parsed.database)
    return MaintenanceArguments(
        database=parsed.database,
        tables=parsed.tables,
        retention_days=parsed.retention_days,
        retain_last=parsed.retain_last,
        compact_days=parsed.compact_days,
        orphan_days=parsed.orphan_days,
        as_of=parsed.as_of,
    )


@dataclass(frozen=True)
class ExpiryCutoff:
    """Snapshots committed before `commit_time` (wall clock) may be expired; None: none may."""

    commit_time: Optional[datetime]
    # How the cut-off was found, for the job's log.
    reason: str


def expiry_cutoff(
    retention_days: int,
    as_of: Optional[datetime],
    now: datetime,
    runs: Iterable[Tuple[datetime, datetime]],
) -> ExpiryCutoff:
    """The commit time before which snapshots are older than the retention.

    Without `as_of` it is `now - retention`, the wall clock's. With it, `runs` are the ledger's
    `(as_of, finished_at)` pairs: the cut-off is the latest `finished_at` of a run whose `as_of` is
    at or before `as_of - retention`, so exactly the snapshots written up to that run are old; with
    no run that old, nothing is.
    """
    retention = timedelta(days=retention_days)
    if as_of is None:
        cutoff = now - retention
        return ExpiryCutoff(cutoff, f"committed before {iso(cutoff)} (now - {retention_days} days)")
    old_as_of = as_of - retention
    finished = [done for run_as_of, done in runs if run_as_of <= old_as_of]
    if not finished:
        return ExpiryCutoff(None, f"no KPI run as of {iso(old_as_of)} or earlier in the runs ledger: no snapshot is {retention_days} days old")
    cutoff = max(finished)
    return ExpiryCutoff(cutoff, f"committed before {iso(cutoff)}, when the last run as of {iso(old_as_of)} or earlier finished")


def abandoned_audit_branches(
    heads: Iterable[Tuple[str, datetime]],
    finished: Dict[str, datetime],
    cutoff: ExpiryCutoff,
) -> List[str]:
    """The audit branches to drop before expiry: those of runs older than the expiry cut-off.

    Write-audit-publish creates `audit_<run id>` without RETAIN, and a branch without a maximum
    reference age never expires by itself: it keeps its snapshots and their files forever
    (Iceberg docs, "Branching and Tagging", https://iceberg.apache.org/docs/latest/branching/:
    branch and tag retention defaults to forever; expire_snapshots keeps what a branch needs).
    Publishing drops a passed run's branch; a run held back (failed or never validated) keeps its
    own, and the next incremental run recomputes its days, so once the run is older than the
    retention its branch is abandoned. `heads` are `(branch, head commit time)` of a table's
    branches; `finished` maps run ids to the ledger's `finished_at` (read from every branch).

    A run in the ledger is old when it finished at or before the cut-off, so all of its tables'
    branches go together: the ledger's own head is committed just after `finished_at`, and a
    commit-time test alone would keep that one table's branch. A branch whose run never reached the
    ledger (it stopped mid-way) is old when its head was committed before the cut-off. Branches not
    named `audit_<run id>` (branches.py) are somebody's own and are never dropped.
    """
    if cutoff.commit_time is None:
        return []
    dropped = []
    for name, committed in heads:
        run_id = run_id_of_branch(name)
        if run_id is None:
            continue
        run_finished = finished.get(run_id)
        if (run_finished <= cutoff.commit_time) if run_finished is not None else (committed < cutoff.commit_time):
            dropped.append(name)
    return sorted(dropped)


def orphan_cutoff(now: datetime, orphan_days: int) -> datetime:
    """Orphan files are aged by the wall clock, never by a simulated one."""
    if orphan_days < MIN_ORPHAN_DAYS:
        raise ValueError(f"orphan files younger than {MIN_ORPHAN_DAYS} day may belong to a commit in progress; got {orphan_days} days")
    return now - timedelta(days=orphan_days)


@dataclass(frozen=True)
class PartitionField:
    """One field of a table's partition spec, as DESCRIBE TABLE shows it (`day`, `days(arrival_hour)`)."""

    transform: str
    source: str


_TRANSFORM = re.compile(r"^(\w+)\((\w+)\)$")
_TIME_TRANSFORMS = {"identity", "years", "months", "days", "hours"}


def describe_partitioning(rows: Iterable[Tuple[str, str]]) -> Tuple[List[PartitionField], dict]:
    """The partition fields and the column types from Spark 3.5's `DESCRIBE TABLE` rows `(col_name,
    data_type)`: the columns, then identity partition columns under `# Partition Information`, or
    transforms (`Part 0`, `days(arrival_hour)`) under `# Partitioning`."""
    columns, fields, section = {}, [], "columns"
    for name, data_type in rows:
        name, data_type = (name or "").strip(), (data_type or "").strip()
        if name == "# col_name":
            continue
        if name.startswith("#"):
            section = {"# Partition Information": "identity", "# Partitioning": "transforms"}.get(name, "other")
            continue
        if not name:
            section = "other"
            continue
        if section == "columns":
            columns[name] = data_type.lower()
        elif section == "identity":
            fields.append(PartitionField("identity", name))
        elif section == "transforms" and name.startswith("Part "):
            match = _TRANSFORM.match(data_type)
            fields.append(PartitionField(match.group(1), match.group(2)) if match else PartitionField("identity", data_type))
    return list(dict.fromkeys(fields)), columns


def compaction_filter(fields: Sequence[PartitionField], column_types: dict, since: date) -> Optional[str]:
    """A rewrite_data_files `where` on the partition source column selecting partitions from `since` on,
    or None to compact the whole table: unpartitioned tables (each is small and rewritten or appended
    whole by the jobs), or partitioning not by time."""
    for field in fields:
        kind = column_types.get(field.source, "")
        if field.transform not in _TIME_TRANSFORMS or kind not in ("date", "timestamp"):
            continue
        literal = f"DATE '{since.isoformat()}'" if kind == "date" else f"TIMESTAMP '{since.isoformat()} 00:00:00'"
        # Checked but left bare: the job's report prints the filter as written, and a checked name escapes nothing.
        return f"{check_identifier(field.source)} >= {literal}"
    return None


def compaction_since(as_of: datetime, compact_days: int) -> date:
    """The first day compacted: `compact_days` before the pipeline's now (its date)."""
    return (as_of - timedelta(days=compact_days)).date()


def sql_timestamp(moment: datetime) -> str:
    """A Spark SQL TIMESTAMP literal of a UTC instant (the session time zone is UTC)."""
    return f"TIMESTAMP '{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S.%f}'"


def iso(moment: Optional[datetime]) -> Optional[str]:
    """`YYYY-MM-DDTHH:MM:SSZ`, as the KPI jobs print times."""
    return None if moment is None else moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def error_summary(error: BaseException) -> str:
    """The first line of what went wrong, in the engine's words. PySpark turns only some Java exceptions
    into Python ones; the rest (Iceberg's CommitFailedException, ValidationException, S3 errors) stay a
    Py4JJavaError whose own first line is just "An error occurred while calling o123.sql.", so the Java
    exception's own message is the one to report."""
    java = getattr(error, "java_exception", None)
    text = str(java) if java is not None else str(error)
    return (text.strip().split("\n") or [""])[0] or type(error).__name__
