"""Seed entry point of the sensor_health KPI job.

Usage: kpi_sensor_health.py <BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE> [--from-date D --to-date D]
"""
import sys

from clickstream_jobs.jobs import seed_entry_point

if __name__ == "__main__":
    sys.exit(seed_entry_point("sensor_health", sys.argv[1:], "kpi_sensor_health.py"))
