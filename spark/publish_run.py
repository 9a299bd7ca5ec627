"""Publishes a validated KPI run: fast-forwards every table's main to the run's audit branch.

Usage: publish_run.py <ICEBERG_DB> <RUN_ID>
Exits 3 (and prints `[kpis] refused {...}`) when the run did not pass validation or another run
published since it was cut.
"""
import sys

from clickstream_jobs.publish import entry_point

if __name__ == "__main__":
    sys.exit(entry_point(sys.argv[1:], "publish_run.py"))
