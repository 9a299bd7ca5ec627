"""Runs several KPI jobs in one Spark application, reading and cleaning bronze once.

Usage: all_kpis.py <BRONZE_PATH> <ICEBERG_DB> <JOBS> <ICEBERG_WAREHOUSE> [--from-date D --to-date D]
JOBS is `all` or a comma-separated list of sensor_health, temp_humidity, event_geo.
"""
import sys

from clickstream_jobs.jobs import all_jobs_entry_point

if __name__ == "__main__":
    sys.exit(all_jobs_entry_point(sys.argv[1:], "all_kpis.py"))
