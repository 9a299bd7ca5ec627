"""Test helper: prints Iceberg tables at given snapshots as one JSON line `TABLE_ROWS {...}`.

Usage: read_tables.py <ICEBERG_DB> <JSON: {"<key>": {"table": name, "snapshot": id}}>
One Spark application reads every snapshot the test recorded, instead of one submit per check.
"""
import json
import sys

from pyspark.sql import SparkSession


def main(argv):
    database, spec = argv[0], json.loads(argv[1])
    spark = SparkSession.builder.appName("clickstream-test-read-tables").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    result = {}
    for key, entry in spec.items():
        frame = spark.sql(f"SELECT * FROM glue.{database}.{entry['table']} VERSION AS OF {int(entry['snapshot'])}")
        result[key] = [row.asDict() for row in frame.collect()]
    print("TABLE_ROWS " + json.dumps(result, default=str), flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
