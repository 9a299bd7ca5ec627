"""The Spark session of a KPI job.

The Iceberg catalog named `glue` (GlueCatalog + S3FileIO) is configured by spark-submit (locally
from src/kpis/spark-conf.ts; on EMR by the step's configuration): the job never names endpoints, so
the same script runs against the emulator and AWS.
"""
from pyspark.sql import SparkSession

CATALOG = "glue"


def create_session(app_name: str) -> SparkSession:
    spark = SparkSession.builder.appName(app_name).getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # `day` is the UTC date of the event whatever the cluster's zone; set it here, not only in the conf.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    if spark.conf.get(f"spark.sql.catalog.{CATALOG}", None) is None:
        spark.stop()
        raise SystemExit(
            f"The Spark catalog '{CATALOG}' is not configured: submit the job with "
            f"--conf spark.sql.catalog.{CATALOG}=org.apache.iceberg.spark.SparkCatalog and its GlueCatalog "
            "settings (see src/kpis/spark-conf.ts)."
        )
    return spark


def table_name(database: str, table: str) -> str:
    return f"{CATALOG}.{database}.{table}"
