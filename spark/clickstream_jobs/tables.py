"""Iceberg writes: tables created with explicit schemas, row sets replaced by a condition, never appended to."""
from dataclasses import dataclass
from typing import List, Optional

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from .sql_identifiers import quote_string


def column_names(columns_ddl: str) -> List[str]:
    """Top-level column names of a DDL column list (nested types keep their commas)."""
    names, depth, start = [], 0, 0
    for i, char in enumerate(columns_ddl + ","):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif char == "," and depth == 0:
            names.append(columns_ddl[start:i].split()[0])
            start = i + 1
    return names


@dataclass(frozen=True)
class TableSpec:
    """A table a job writes: its name in the database, columns (DDL) and partitioning, if any."""

    name: str
    columns: str
    partitioned_by: Optional[str] = None


# Writes go to the session's audit branch (spark.wap.branch) only when the table allows it.
WAP_PROPERTY = "write.wap.enabled"


def ensure_table(spark: SparkSession, name: str, columns_ddl: str, partitioned_by: Optional[str] = None) -> None:
    """`name` is quoted (session.table_name); the columns and partitioning are the contracts' own DDL."""
    partitioning = f" PARTITIONED BY ({partitioned_by})" if partitioned_by else ""
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {name} ({columns_ddl}) USING iceberg{partitioning} "
        f"TBLPROPERTIES ('format-version' = '2', {quote_string(WAP_PROPERTY)} = 'true')"
    )


def replace_rows(frame: DataFrame, name: str, columns_ddl: str, condition: Column) -> None:
    """Replaces exactly the rows matching `condition` (on the partition column), even row sets that are
    now empty, which a dynamic partition overwrite would leave behind."""
    frame.select(*column_names(columns_ddl)).writeTo(name).overwrite(condition)


def replace_all(frame: DataFrame, name: str, columns_ddl: str) -> None:
    replace_rows(frame, name, columns_ddl, F.lit(True))
