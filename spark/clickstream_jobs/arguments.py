"""Command-line arguments of the KPI jobs.

The seed's positional form `<BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE>` keeps
working; `--from-date/--to-date` (UTC days, both inclusive) restrict the run to a window. Usage
errors exit with status 2 and a usage message, before any Spark session starts.
"""
import argparse
from dataclasses import dataclass
from datetime import date
from typing import Callable, Optional, Sequence

DEFAULT_LATENESS_DAYS = 2


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
    # None: recompute everything from all of bronze (the seed's behaviour).
    window: Optional[DayWindow]
    # How many days after an event's day it may still arrive in bronze.
    lateness_days: int


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
        raise argparse.ArgumentTypeError(f"expected a whole number of days >= 0, got {value!r}")
    return number


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
    parser.add_argument(
        "--lateness-days",
        type=_non_negative,
        default=DEFAULT_LATENESS_DAYS,
        help=f"days after its event day an event may still arrive in bronze (default {DEFAULT_LATENESS_DAYS})",
    )
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
    if (parsed.from_date is None) != (parsed.to_date is None):
        parser.error("--from-date and --to-date go together: give both, or neither to recompute everything")
    window = None
    if parsed.from_date is not None:
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
        window=window,
        lateness_days=parsed.lateness_days,
    )
