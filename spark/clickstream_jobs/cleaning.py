"""From raw bronze rows to the events the KPIs count: valid, in the window, one row per uuid."""
from datetime import datetime, time, timezone
from typing import Optional

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .arguments import DayWindow
from .contracts import VALID_RANGES

_RANGE_COLUMNS = {
    "sensorId": "sensor_id",
    "temperature": "temperature",
    "humidity": "humidity",
    "latitude": "location.latitude",
    "longitude": "location.longitude",
}


def is_valid() -> Column:
    """Every field present, strings non-empty, timestamp >= 0, numbers inside VALID_RANGES (NaN is outside)."""
    condition = F.col("location").isNotNull() & (F.col("timestamp") >= 0)
    for name in ("status", "event_type", "uuid"):
        condition = condition & (F.length(F.col(name)) > 0)
    for key, column in _RANGE_COLUMNS.items():
        bounds = VALID_RANGES[key]
        # between() is null for null input; coalesce makes a null field invalid, not unknown.
        condition = condition & F.col(column).between(bounds["min"], bounds["max"])
    return F.coalesce(condition, F.lit(False))


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


def deduplicate(events: DataFrame) -> DataFrame:
    """One row per uuid. Re-deliveries are identical; should copies differ, the smallest one wins,
    so the result never depends on file order."""
    fields = ["timestamp", "sensor_id", "temperature", "humidity", "location", "status", "event_type"]
    first = events.groupBy("uuid").agg(F.min(F.struct(*fields)).alias("e"))
    return first.select(*[F.col(f"e.{f}").alias(f) for f in fields], "uuid")


def clean_events(raw: DataFrame, window: Optional[DayWindow]) -> DataFrame:
    """Valid, in-window, de-duplicated events, flattened, with their UTC `day`."""
    kept = raw.where(is_valid() & in_window(window))
    return deduplicate(kept).select(
        F.expr("date_from_unix_date(CAST(floor(timestamp / 86400) AS INT))").alias("day"),
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


def read_counts(raw: DataFrame, window: Optional[DayWindow]) -> dict:
    """Rows read, rows excluded as invalid, and valid rows in the window (before de-duplication)."""
    valid = is_valid()
    row = raw.agg(
        F.count(F.lit(1)).alias("read"),
        F.sum(F.when(~valid, 1).otherwise(0)).alias("invalid"),
        F.sum(F.when(valid & in_window(window), 1).otherwise(0)).alias("valid_in_window"),
    ).first()
    return {key: int(row[key] or 0) for key in ("read", "invalid", "valid_in_window")}
