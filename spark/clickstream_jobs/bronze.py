"""Reading landed events from bronze.

Bronze objects are keyed by ARRIVAL time (`events/year=YYYY/month=MM/day=DD/hour=HH/*.parquet`),
so an event of day D lands in the folder of day D or a later one. A window run reads only the
arrival days that can hold the window's events, from-date up to to-date + lateness, and the
jobs then filter on the event timestamp.
"""
from datetime import date, timedelta
from typing import List, Optional

from pyspark.sql import DataFrame, SparkSession

from .arguments import DayWindow
from .contracts import EVENT_SCHEMA_DDL


def arrival_day_paths(bronze_path: str, window: DayWindow, lateness_days: int) -> List[str]:
    base = bronze_path.rstrip("/")
    last: date = window.to_date + timedelta(days=lateness_days)
    days = [window.from_date + timedelta(days=n) for n in range((last - window.from_date).days + 1)]
    return [f"{base}/year={d:%Y}/month={d:%m}/day={d:%d}/" for d in days]


def _existing(spark: SparkSession, paths: List[str]) -> List[str]:
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    found = []
    for path in paths:
        hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
        if hadoop_path.getFileSystem(conf).exists(hadoop_path):
            found.append(path)
    return found


def read_bronze(spark: SparkSession, bronze_path: str, window: Optional[DayWindow], lateness_days: int) -> DataFrame:
    """Events with the explicit schema; all of bronze without a window. Missing folders read as empty."""
    candidates = [bronze_path] if window is None else arrival_day_paths(bronze_path, window, lateness_days)
    paths = _existing(spark, candidates)
    if not paths:
        return spark.createDataFrame([], EVENT_SCHEMA_DDL)
    # The hour=HH folders are arrival metadata, not event columns: no partition discovery.
    return spark.read.schema(EVENT_SCHEMA_DDL).option("recursiveFileLookup", "true").parquet(*paths)
