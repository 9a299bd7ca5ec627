"""The KPI transformations, DataFrame -> DataFrame, over cleaned events (see cleaning.clean_events).

Semantics (also in spark/README.md):
- faulty means status = 'faulty';
- faulty_pct = round(100 * faulty_count / total_count, 2), half up;
- day is the UTC date of the event timestamp;
- averages, minima and maxima are over de-duplicated valid events; averages are not rounded;
- a sensor's latest status is the status of its event with the greatest (timestamp, uuid);
  status_health has a row per status with events: sensor_count counts each sensor once, under its
  latest status of all time (0 when no sensor is in that status now), event_count counts the
  status's events (the figure the seed's own job calls sensor_count);
- event_geo_kpis_faulty_geo lists only locations with at least one faulty event.

The all-time tables are derived from per-day partial aggregates (sensor_day_stats,
status_day_stats, faulty_geo_day_stats), so a run recomputes only the days it changes.
"""
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .contracts import FAULTY_STATUS


def _faulty_flag() -> Column:
    return F.when(F.col("status") == FAULTY_STATUS, 1).otherwise(0)


def sensor_day_stats(events: DataFrame) -> DataFrame:
    """Per sensor and day: event counts and the day's latest status (with what ranks it)."""
    stats = events.groupBy("day", "sensor_id").agg(
        F.sum(_faulty_flag()).cast("bigint").alias("faulty_count"),
        F.count(F.lit(1)).alias("total_count"),
        F.max(F.struct("timestamp", "uuid", "status")).alias("latest"),
    )
    return stats.select(
        "day",
        "sensor_id",
        "faulty_count",
        "total_count",
        F.col("latest.timestamp").alias("latest_timestamp"),
        F.col("latest.uuid").alias("latest_uuid"),
        F.col("latest.status").alias("latest_status"),
    )


def sensor_health(day_stats: DataFrame) -> DataFrame:
    totals = day_stats.groupBy("sensor_id").agg(
        F.sum("faulty_count").alias("faulty_count"),
        F.sum("total_count").alias("total_count"),
    )
    return totals.select(
        "sensor_id",
        "faulty_count",
        "total_count",
        F.round(F.lit(100.0) * F.col("faulty_count") / F.col("total_count"), 2).alias("faulty_pct"),
    )


def status_day_stats(events: DataFrame) -> DataFrame:
    return events.groupBy("day", "status").agg(F.count(F.lit(1)).alias("event_count"))


def status_health(sensor_stats: DataFrame, status_stats: DataFrame) -> DataFrame:
    latest = sensor_stats.groupBy("sensor_id").agg(
        F.max(F.struct("latest_timestamp", "latest_uuid", "latest_status")).alias("latest")
    )
    sensors = latest.groupBy(F.col("latest.latest_status").alias("status")).agg(F.count(F.lit(1)).alias("sensor_count"))
    events = status_stats.groupBy("status").agg(F.sum("event_count").alias("event_count"))
    return events.join(sensors, "status", "left").select(
        "status", F.coalesce("sensor_count", F.lit(0)).cast("bigint").alias("sensor_count"), "event_count"
    )


def temp_humidity_kpis(events: DataFrame) -> DataFrame:
    return events.groupBy("day", "latitude", "longitude").agg(
        F.avg("temperature").alias("avg_temp"),
        F.min("temperature").alias("min_temp"),
        F.max("temperature").alias("max_temp"),
        F.avg("humidity").alias("avg_humidity"),
        F.min("humidity").alias("min_humidity"),
        F.max("humidity").alias("max_humidity"),
    )


def event_counts(events: DataFrame) -> DataFrame:
    return events.groupBy("day", "event_type").agg(F.count(F.lit(1)).alias("event_count"))


def faulty_geo_day_stats(events: DataFrame) -> DataFrame:
    faulty = events.where(F.col("status") == FAULTY_STATUS)
    return faulty.groupBy("day", "latitude", "longitude").agg(F.count(F.lit(1)).alias("faulty_count"))


def faulty_geo(day_stats: DataFrame) -> DataFrame:
    return day_stats.groupBy("latitude", "longitude").agg(F.sum("faulty_count").alias("faulty_count"))
