"""Seed entry point of the temp_humidity KPI job.

Usage: kpi_temp_humidity.py <BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE> [--from-date D --to-date D]
"""
import sys

from clickstream_jobs.jobs import seed_entry_point

if __name__ == "__main__":
    sys.exit(seed_entry_point("temp_humidity", sys.argv[1:], "kpi_temp_humidity.py"))
