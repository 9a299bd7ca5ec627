"""Command-line arguments of the KPI jobs.

The seed's positional form `<BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE>` keeps
working and runs incrementally: the event days that received arrivals since the job's last run are
recomputed (the first run computes everything). `--from-date/--to-date` (UTC days, both
inclusive) recompute a window from bronze; `--all` recomputes everything from bronze. Usage errors
exit with status 2 and a usage message, before any Spark session starts.
"""
import argparse
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Optional, Sequence

from .sql_identifiers import check_identifier

# An arrival hour counts as complete (no object can still land under it) this long after it ends:
# Firehose's largest buffering interval (900 s) plus a margin for the delivery itself.
DEFAULT_SETTLE_MINUTES = 20

MODES = ("incremental", "window", "all")


@dataclass(frozen=True)
class DayWindow:
    """UTC event days, both ends inclusive."""

    from_date: date
    to_date: date


@dataclass(frozen=True)
class JobArguments:
    bronze_path: str
    database: str
    # The seed's ICEBERG_TABLE (or, for all_kpis.py, the comma-separated job list).
    table: str
    warehouse: str
    # incremental (no window), window (--from-date/--to-date) or all (--all).
    mode: str
    window: Optional[DayWindow]
    # The run's own time: arrivals after it are not read (UTC).
    as_of: datetime
    # Minutes after its end an arrival hour is complete.
    settle_minutes: int
    # Names the run in _kpi_runs and rejected_events.
    run_id: str


def _utc_day(value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a UTC day as YYYY-MM-DD, got {value!r}") from None


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of minutes >= 0, got {value!r}")
    return number


def utc_time(value: str) -> datetime:
    """An argparse type: a time with its zone (`...Z` or `+00:00`), as UTC; anything else is a usage error."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, got {value!r}")
    return parsed.astimezone(timezone.utc)


def _run_id(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
        raise argparse.ArgumentTypeError(f"expected a run id of letters, digits, _ and - (at most 64), got {value!r}")
    return value


def check_database(parser: argparse.ArgumentParser, database: str) -> None:
    """A usage error unless ICEBERG_DB is a name the jobs can put into SQL (sql_identifiers.py)."""
    try:
        check_identifier(database)
    except ValueError as error:
        parser.error(f"ICEBERG_DB: {error}")


def _parser(prog: str, table_label: str, description: str, check_table: Optional[Callable[[str], None]]) -> argparse.ArgumentParser:
    def table(value: str) -> str:
        try:
            if check_table is not None:
                check_table(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return value

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("bronze_path", metavar="BRONZE_PATH", help="landed Parquet, e.g. s3://bucket/events/")
    parser.add_argument("database", metavar="ICEBERG_DB", help="Glue database of the KPI tables")
    parser.add_argument("table", metavar=table_label, type=table)
    parser.add_argument("warehouse", metavar="ICEBERG_WAREHOUSE", help="Iceberg warehouse, e.g. s3://bucket/warehouse")
    parser.add_argument("--from-date", type=_utc_day, help="first UTC event day of the window (YYYY-MM-DD)")
    parser.add_argument("--to-date", type=_utc_day, help="last UTC event day of the window (YYYY-MM-DD)")
    parser.add_argument("--all", action="store_true", help="recompute every day from all of bronze")
    parser.add_argument("--as-of", type=utc_time, help="the run's time, UTC (default: now); later arrivals are not read")
    parser.add_argument(
        "--settle-minutes",
        type=_non_negative,
        default=DEFAULT_SETTLE_MINUTES,
        help=f"minutes after its end an arrival hour is complete (default {DEFAULT_SETTLE_MINUTES})",
    )
    parser.add_argument("--run-id", type=_run_id, help="names the run (default: a new one)")
    return parser


def parse_arguments(
    argv: Sequence[str],
    prog: str,
    table_label: str = "ICEBERG_TABLE",
    description: str = "",
    check_table: Optional[Callable[[str], None]] = None,
) -> JobArguments:
    """Parses the arguments; `check_table` raises ValueError to reject the ICEBERG_TABLE slot's value."""
    parser = _parser(prog, table_label, description, check_table)
    parsed = parser.parse_args(list(argv))
    for name, label in (("bronze_path", "BRONZE_PATH"), ("database", "ICEBERG_DB"), ("table", table_label), ("warehouse", "ICEBERG_WAREHOUSE")):
        if not getattr(parsed, name).strip():
            parser.error(f"{label} must not be empty")
    check_database(parser, parsed.database)
    if (parsed.from_date is None) != (parsed.to_date is None):
        parser.error("--from-date and --to-date go together: give both, or neither for an incremental run")
    window = None
    if parsed.from_date is not None:
        if parsed.all:
            parser.error("--all recomputes every day: leave out --from-date/--to-date, or --all")
        if parsed.from_date > parsed.to_date:
            parser.error(
                f"--from-date ({parsed.from_date}) is after --to-date ({parsed.to_date}); swap them or widen the window"
            )
        window = DayWindow(parsed.from_date, parsed.to_date)
    return JobArguments(
        bronze_path=parsed.bronze_path,
        database=parsed.database,
        table=parsed.table,
        warehouse=parsed.warehouse,
        mode="all" if parsed.all else "window" if window else "incremental",
        window=window,
        as_of=parsed.as_of or datetime.now(timezone.utc),
        settle_minutes=parsed.settle_minutes,
        run_id=parsed.run_id or f"run_{datetime.now(timezone.utc):%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}",
    )
