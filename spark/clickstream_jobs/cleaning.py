"""From raw bronze rows to the events the KPIs count: valid, one row per (day, uuid), and the rest
kept aside with the rule they broke."""
from datetime import datetime, time, timezone
from typing import Optional

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .arguments import DayWindow
from .contracts import VALIDITY_RULES

EVENT_COLUMNS = ["sensor_id", "temperature", "humidity", "location", "status", "event_type", "timestamp", "uuid"]
CLEAN_COLUMNS = ["day", "sensor_id", "temperature", "humidity", "latitude", "longitude", "status", "event_type", "timestamp", "uuid"]


def _broken(rule: dict) -> Column:
    """The name of the way `rule` is broken (missing, empty, out-of-range), or NULL when it holds."""
    value = F.col(rule["column"])
    name = rule["name"]
    if rule["kind"] == "present":
        return F.when(value.isNull(), F.lit(f"{name}-missing"))
    if rule["kind"] == "non-empty":
        return F.when(value.isNull(), F.lit(f"{name}-missing")).when(F.length(value) == 0, F.lit(f"{name}-empty"))
    # between() is false for NaN (Spark orders NaN above every number), so NaN is out of range.
    return F.when(value.isNull(), F.lit(f"{name}-missing")).when(
        ~value.between(rule["min"], rule["max"]), F.lit(f"{name}-out-of-range")
    )


def broken_rule() -> Column:
    """The first VALIDITY_RULES rule a row breaks, in their order, or NULL for a valid row."""
    return F.coalesce(*[_broken(rule) for rule in VALIDITY_RULES])


def is_valid() -> Column:
    return broken_rule().isNull()


def utc_day(timestamp: Column) -> Column:
    """The UTC date of an epoch second, independent of any time zone setting."""
    return F.date_from_unix_date(F.floor(timestamp / 86400).cast("int"))


def window_bounds(window: DayWindow) -> tuple:
    """First and last epoch second of the window's UTC days."""
    start = datetime.combine(window.from_date, time.min, tzinfo=timezone.utc)
    end = datetime.combine(window.to_date, time.max, tzinfo=timezone.utc)
    return int(start.timestamp()), int(end.timestamp())


def in_window(window: Optional[DayWindow]) -> Column:
    if window is None:
        return F.lit(True)
    first, last = window_bounds(window)
    return F.col("timestamp").between(first, last)


def flatten(valid: DataFrame) -> DataFrame:
    """Valid bronze rows in the shape of `_valid_events`, with their UTC `day`."""
    return valid.select(
        utc_day(F.col("timestamp")).alias("day"),
        "sensor_id",
        "temperature",
        "humidity",
        F.col("location.latitude").alias("latitude"),
        F.col("location.longitude").alias("longitude"),
        "status",
        "event_type",
        "timestamp",
        "uuid",
    )


def deduplicate(events: DataFrame) -> DataFrame:
    """One row per (day, uuid). Re-deliveries are identical copies; should copies differ, the
    smallest wins, so the result never depends on file or run order."""
    fields = ["timestamp", "sensor_id", "temperature", "humidity", "latitude", "longitude", "status", "event_type"]
    first = events.groupBy("day", "uuid").agg(F.min(F.struct(*fields)).alias("e"))
    return first.select(*[F.col(f"e.{f}").alias(f) if f in fields else F.col(f) for f in CLEAN_COLUMNS])


def valid_events(raw: DataFrame, window: Optional[DayWindow]) -> DataFrame:
    """Valid, in-window bronze rows, flattened (not yet de-duplicated)."""
    return flatten(raw.where(is_valid() & in_window(window)))


def clean_events(raw: DataFrame, window: Optional[DayWindow]) -> DataFrame:
    """Valid, in-window, de-duplicated events, flattened, with their UTC `day`."""
    return deduplicate(valid_events(raw, window))


def rejected_rows(raw: DataFrame, run_id: str) -> DataFrame:
    """Bronze rows that break a rule, as landed, with the rule, their arrival hour, file and run."""
    return raw.select(*EVENT_COLUMNS, broken_rule().alias("rule"), "arrival_hour", "source_file").where(
        F.col("rule").isNotNull()
    ).withColumn("run_id", F.lit(run_id))
