"""Iceberg writes: tables created with explicit schemas, windows replaced, never appended to."""
from typing import Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .arguments import DayWindow


def column_names(columns_ddl: str) -> list:
    return [column.split()[0] for column in columns_ddl.split(",")]


def ensure_table(spark: SparkSession, name: str, columns_ddl: str, by_day: bool) -> None:
    partitioning = " PARTITIONED BY (day)" if by_day else ""
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {name} ({columns_ddl}) USING iceberg{partitioning} "
        "TBLPROPERTIES ('format-version' = '2')"
    )


def replace_window(frame: DataFrame, name: str, columns_ddl: str, window: Optional[DayWindow]) -> None:
    """Replaces exactly the window's days (all days without a window), even days that are now empty,
    which a dynamic partition overwrite would leave behind."""
    condition = F.lit(True) if window is None else F.col("day").between(F.lit(window.from_date), F.lit(window.to_date))
    frame.select(*column_names(columns_ddl)).writeTo(name).overwrite(condition)


def replace_all(frame: DataFrame, name: str, columns_ddl: str) -> None:
    frame.select(*column_names(columns_ddl)).writeTo(name).overwrite(F.lit(True))
