"""Test helper: duplicates one row of a table on a run's audit branch, as a broken job could write it.

Usage: corrupt_branch.py <ICEBERG_DB> <TABLE> <BRANCH>
"""
import sys

from pyspark.sql import SparkSession


def main(argv):
    database, table, branch = argv
    spark = SparkSession.builder.appName("clickstream-test-corrupt-branch").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    name = f"glue.{database}.{table}.branch_{branch}"
    spark.sql(f"INSERT INTO {name} SELECT * FROM {name} LIMIT 1")
    print(f"CORRUPTED {name}", flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
