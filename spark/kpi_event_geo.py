"""Seed entry point of the event_geo KPI job.

Usage: kpi_event_geo.py <BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE> [--from-date D --to-date D]
"""
import sys

from clickstream_jobs.jobs import seed_entry_point

if __name__ == "__main__":
    sys.exit(seed_entry_point("event_geo", sys.argv[1:], "kpi_event_geo.py"))
