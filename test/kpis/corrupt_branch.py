"""Test helper: duplicates one row of a table on a run's audit branch, as a broken job could write it.

Usage: corrupt_branch.py <ICEBERG_DB> <TABLE> <BRANCH>
"""
import sys

from clickstream_jobs.session import create_session, end_session


def main(argv):
    database, table, branch = argv
    spark = create_session("clickstream-test-corrupt-branch")
    name = f"glue.{database}.{table}.branch_{branch}"
    spark.sql(f"INSERT INTO {name} SELECT * FROM {name} LIMIT 1")
    print(f"CORRUPTED {name}", flush=True)
    end_session(spark)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
