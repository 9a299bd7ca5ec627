"""Test helper: prints Iceberg tables as KPI runs left them, as one JSON line `TABLE_ROWS {...}`.

Usage: read_tables.py <ICEBERG_DB> <JSON: {"<key>": {"table": name, "branch": audit branch}}>
Each table is read at the head of the run's audit branch (where the run wrote, write-audit-publish);
a table the run did not write has no such branch and is read at main, or has no rows without one.
One job on the stack's warm Spark reads every run's tables, instead of one per check.
"""
import json
import sys

from clickstream_jobs.session import create_session, end_session


def main(argv):
    database, spec = argv[0], json.loads(argv[1])
    spark = create_session("clickstream-test-read-tables")
    result = {}
    for key, entry in spec.items():
        table = f"glue.{database}.{entry['table']}"
        refs = {row.name for row in spark.sql(f"SELECT name FROM {table}.refs").collect()}
        if entry["branch"] in refs:
            # Iceberg docs, "Spark Queries" (time travel in SQL): VERSION AS OF takes a snapshot id
            # or a branch or tag name, and reads the head of that branch.
            rows = spark.sql(f"SELECT * FROM {table} VERSION AS OF '{entry['branch']}'").collect()
        elif "main" in refs:
            rows = spark.table(table).collect()
        else:
            rows = []
        result[key] = [row.asDict() for row in rows]
    print("TABLE_ROWS " + json.dumps(result, default=str), flush=True)
    end_session(spark)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
