"""The Spark session of a KPI job.

The Iceberg catalog named `glue` (GlueCatalog + S3FileIO) is configured by spark-submit (locally
from src/kpis/spark-conf.ts; on EMR by the step's configuration): the job never names endpoints, so
the same script runs against the emulator and AWS.
"""
from typing import Optional

from pyspark.sql import SparkSession

from .sql_identifiers import qualified_name

CATALOG = "glue"

# A session handed to the job by a long-lived Spark (the local target's job server,
# src/local/spark_job_server.py): the job uses it and leaves the application running.
_provided: Optional[SparkSession] = None


def provide(session: Optional[SparkSession]) -> None:
    """Makes `create_session` return `session` (None: build the job's own application again)."""
    global _provided
    _provided = session


def create_session(app_name: str) -> SparkSession:
    spark = _provided if _provided is not None else SparkSession.builder.appName(app_name).getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # `day` is the UTC date of the event whatever the cluster's zone; set it here, not only in the conf.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    if spark.conf.get(f"spark.sql.catalog.{CATALOG}", None) is None:
        end_session(spark)
        raise SystemExit(
            f"The Spark catalog '{CATALOG}' is not configured: submit the job with "
            f"--conf spark.sql.catalog.{CATALOG}=org.apache.iceberg.spark.SparkCatalog and its GlueCatalog "
            "settings (see src/kpis/spark-conf.ts)."
        )
    return spark


def end_session(spark: SparkSession) -> None:
    """Stops the job's own application; a provided session's application keeps running for the next job."""
    if spark is not _provided:
        spark.stop()


def table_name(database: str, table: str) -> str:
    """The table's quoted name in the catalog, for SQL and for `spark.table`/`writeTo`, which parse it alike."""
    return qualified_name(CATALOG, database, table)
