"""Toolchain smoke job: writes a small Iceberg table through the `glue` catalog and reads it back.

Usage: toolchain_smoke.py <ICEBERG_DB> <TABLE> <ICEBERG_WAREHOUSE>

Proves that Spark, Iceberg's GlueCatalog and S3FileIO work against the configured endpoints (the
emulator locally, AWS on EMR). Prints the rows it read back as one JSON line prefixed `SMOKE_ROWS `.
"""
import json
import sys

from pyspark.sql import SparkSession

ROWS = [(1, "alpha", 1.5), (2, "beta", -2.25), (3, "gamma", 1e6)]


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    database, table, _warehouse = argv
    spark = SparkSession.builder.appName("clickstream-toolchain-smoke").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    name = f"glue.{database}.{table}"
    spark.sql(f"CREATE TABLE IF NOT EXISTS {name} (id INT, name STRING, value DOUBLE) USING iceberg")
    frame = spark.createDataFrame(ROWS, "id INT, name STRING, value DOUBLE")
    frame.writeTo(name).overwritePartitions()
    rows = [row.asDict() for row in spark.table(name).orderBy("id").collect()]
    print("SMOKE_ROWS " + json.dumps(rows), flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
