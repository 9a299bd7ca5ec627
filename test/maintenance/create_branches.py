"""Test helper: creates Iceberg branches the way a write-audit-publish run does (`RETAIN <n> <unit>`).

Usage: create_branches.py <ICEBERG_DB> <JSON: [{"table": name, "branch": name, "snapshot": id, "retain": "7 DAYS"}]>
One Spark application creates every branch the test needs.
"""
import json
import sys

from pyspark.sql import SparkSession


def main(argv):
    database, branches = argv[0], json.loads(argv[1])
    spark = SparkSession.builder.appName("clickstream-test-create-branches").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    for b in branches:
        spark.sql(
            f"ALTER TABLE glue.{database}.{b['table']} CREATE BRANCH {b['branch']} "
            f"AS OF VERSION {int(b['snapshot'])} RETAIN {b['retain']}"
        )
        print(f"BRANCH {b['table']} {b['branch']} {b['snapshot']}", flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
