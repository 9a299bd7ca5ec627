"""Maintains the Iceberg tables the KPI jobs keep (compaction, manifests, snapshot expiry, orphan files).

Usage: maintain_tables.py <ICEBERG_DB> [--tables T1,T2] [--retention-days 7] [--retain-last 5]
                          [--compact-days 3] [--orphan-days 3] [--as-of YYYY-MM-DDTHH:MM:SSZ]
"""
import sys

from clickstream_jobs.maintenance import entry_point

if __name__ == "__main__":
    sys.exit(entry_point(sys.argv[1:], "maintain_tables.py"))
