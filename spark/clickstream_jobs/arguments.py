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
from datetime import date, datetime, timedelta, timezone
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


# The rules below are TypeScript's (TypeScript makes the arguments; it is the definition), held
# to it by the shared corpus test/fixtures/argument-corpus.json: src/kpis/day-window.ts isDay,
# src/kpis/run-ledger.ts parseRunId, src/kpis/job-arguments.ts settleMinutesArgument and
# src/timing/as-of.ts parseAsOf. ASCII digits only: a regex's \d and int() would take others.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AS_OF = re.compile(
    r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})T(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9])"
    r"(?::(?P<second>[0-5][0-9])(?:\.(?P<fraction>[0-9]{1,3}))?)?"
    r"(?:Z|(?P<sign>[+-])(?P<zone_hours>[01][0-9]|2[0-3]):(?P<zone_minutes>[0-5][0-9]))"
)
_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MINUTES = re.compile(r"0|[1-9][0-9]*")
# The largest whole number TypeScript holds exactly (Number.MAX_SAFE_INTEGER): it renders no larger.
_MAX_MINUTES = 2**53 - 1


def _day(value: str) -> Optional[date]:
    try:
        return date.fromisoformat(value) if _DAY.fullmatch(value) else None
    except ValueError:
        return None


def utc_day(value: str) -> date:
    """An argparse type: a real calendar day as YYYY-MM-DD, years 0001 to 9999."""
    day = _day(value)
    if day is None:
        raise argparse.ArgumentTypeError(f"expected a UTC day as YYYY-MM-DD, got {value!r}")
    return day


def settle_minutes(value: str) -> int:
    """An argparse type: a whole number of minutes >= 0, in digits."""
    if not _MINUTES.fullmatch(value) or int(value) > _MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"expected a whole number of minutes >= 0, got {value!r}")
    return int(value)


def utc_time(value: str) -> datetime:
    """An argparse type: a time with its zone (`...Z` or `+HH:MM`), as UTC; anything else is a usage error."""
    match = _AS_OF.fullmatch(value)
    day = _day(match["day"]) if match else None
    parsed = None
    if match and day:
        sign = -1 if match["sign"] == "-" else 1
        offset = timedelta(minutes=sign * (int(match["zone_hours"] or 0) * 60 + int(match["zone_minutes"] or 0)))
        at = datetime(
            day.year, day.month, day.day, int(match["hour"]), int(match["minute"]), int(match["second"] or 0),
            int((match["fraction"] or "").ljust(3, "0")) * 1000, tzinfo=timezone(offset),
        )
        try:
            parsed = at.astimezone(timezone.utc)
        except OverflowError:
            # Before year 1 or after 9999 in UTC.
            parsed = None
    if parsed is None:
        raise argparse.ArgumentTypeError(f"expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, got {value!r}")
    return parsed


def run_id(value: str) -> str:
    """An argparse type: 1 to 64 letters, digits, _ or -."""
    if not _RUN_ID.fullmatch(value):
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
    parser.add_argument("--from-date", type=utc_day, help="first UTC event day of the window (YYYY-MM-DD)")
    parser.add_argument("--to-date", type=utc_day, help="last UTC event day of the window (YYYY-MM-DD)")
    parser.add_argument("--all", action="store_true", help="recompute every day from all of bronze")
    parser.add_argument("--as-of", type=utc_time, help="the run's time, UTC (default: now); later arrivals are not read")
    parser.add_argument(
        "--settle-minutes",
        type=settle_minutes,
        default=DEFAULT_SETTLE_MINUTES,
        help=f"minutes after its end an arrival hour is complete (default {DEFAULT_SETTLE_MINUTES})",
    )
    parser.add_argument("--run-id", type=run_id, help="names the run (default: a new one)")
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
