"""Write-audit-publish: a run writes every table it changes to a branch named for it, never to
`main`; validation reads the branch heads, and only a run that passed is fast-forwarded to `main`
(publish.py; the branch's name in branches.py). Readers of `main` never see unvalidated rows.

Iceberg docs ("Branching and Tagging", audit branch; "Spark Writes", spark.wap.branch): with
`spark.wap.branch` set, writes to a table whose `write.wap.enabled` is true commit to that branch,
creating it from the table's current `main` snapshot on the first write, and reads in the session
read the branch once it exists. A table without the property would be written on `main`, so every
table is checked for it first.
"""
from typing import Sequence, Tuple

from pyspark.sql import SparkSession

from .sql_identifiers import quote_string
from .tables import WAP_PROPERTY, TableSpec, ensure_table


def write_to_audit_branch(spark: SparkSession, tables: Sequence[Tuple[str, TableSpec]], branch: str) -> None:
    """Creates the tables that do not exist, lets every one take writes on an audit branch, and
    sends the session's writes and reads to `branch`. `tables` are (quoted name, spec), session.table_name."""
    for name, spec in tables:
        ensure_table(spark, name, spec.columns, spec.partitioned_by)
        properties = {row.key: row.value for row in spark.sql(f"SHOW TBLPROPERTIES {name}").collect()}
        if properties.get(WAP_PROPERTY) != "true":
            spark.sql(f"ALTER TABLE {name} SET TBLPROPERTIES ({quote_string(WAP_PROPERTY)} = 'true')")
    spark.conf.set("spark.wap.branch", branch)
