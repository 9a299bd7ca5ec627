from datetime import date, datetime, timedelta, timezone

import pytest

from clickstream_jobs.contracts import INTERNAL_TABLE_COLUMNS, KPI_TABLE_COLUMNS
from clickstream_jobs.maintenance_plan import (
    DEFAULT_COMPACT_DAYS,
    DEFAULT_ORPHAN_DAYS,
    DEFAULT_RETAIN_LAST,
    DEFAULT_RETENTION_DAYS,
    MAINTAINED_TABLES,
    ExpiryCutoff,
    PartitionField,
    abandoned_audit_branches,
    compaction_filter,
    compaction_since,
    describe_partitioning,
    error_summary,
    expiry_cutoff,
    orphan_cutoff,
    parse_maintenance_arguments,
    sql_timestamp,
)

UTC = timezone.utc
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

# What Spark 3.5 answers to DESCRIBE TABLE for the jobs' three kinds of table (seen on the local target).
DESCRIBE_BY_DAY = [
    ("day", "date"), ("event_type", "string"), ("event_count", "bigint"),
    ("# Partition Information", ""), ("# col_name", "data_type"), ("day", "date"),
]
DESCRIBE_BY_ARRIVAL = [
    ("rule", "string"), ("arrival_hour", "timestamp"), ("source_file", "string"),
    ("", ""), ("# Partitioning", ""), ("Part 0", "days(arrival_hour)"),
]
DESCRIBE_UNPARTITIONED = [("sensor_id", "int"), ("faulty_count", "bigint")]


def test_every_table_the_jobs_keep_is_maintained_once():
    assert MAINTAINED_TABLES == list(KPI_TABLE_COLUMNS) + list(INTERNAL_TABLE_COLUMNS)
    assert {"_kpi_runs", "rejected_events", "_valid_events", "_sensor_health_day_stats"} <= set(MAINTAINED_TABLES)
    assert len(set(MAINTAINED_TABLES)) == len(MAINTAINED_TABLES)


def test_defaults_and_options():
    parsed = parse_maintenance_arguments(["analytics"], "maintain_tables.py")
    assert (parsed.database, parsed.tables, parsed.as_of) == ("analytics", None, None)
    assert (parsed.retention_days, parsed.retain_last, parsed.compact_days, parsed.orphan_days) == (
        DEFAULT_RETENTION_DAYS, DEFAULT_RETAIN_LAST, DEFAULT_COMPACT_DAYS, DEFAULT_ORPHAN_DAYS) == (7, 5, 3, 3)
    parsed = parse_maintenance_arguments([
        "analytics", "--tables", "_kpi_runs, sensor_health,_kpi_runs", "--retention-days", "14", "--retain-last", "2",
        "--compact-days", "1", "--orphan-days", "5", "--as-of", "2026-01-12T03:30:00Z",
    ], "maintain_tables.py")
    assert parsed.tables == ["_kpi_runs", "sensor_health"]
    assert (parsed.retention_days, parsed.retain_last, parsed.compact_days, parsed.orphan_days) == (14, 2, 1, 5)
    assert parsed.as_of == datetime(2026, 1, 12, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required: ICEBERG_DB"),
        ([" "], "ICEBERG_DB must not be empty"),
        (["Analytics-Prod"], 'ICEBERG_DB: "Analytics-Prod" is not a valid table, column or database name; use lowercase letters'),
        (["analytics", "--tables", "sensor_health,events_raw"], "unknown table(s) events_raw; the jobs keep sensor_health"),
        (["analytics", "--retention-days", "0"], "whole number of days >= 1"),
        (["analytics", "--retain-last", "x"], "whole number of snapshots >= 1"),
        (["analytics", "--orphan-days", "0"], "whole number of days >= 1"),
        (["analytics", "--as-of", "2026-01-12T03:30:00"], "expected a UTC time"),
    ],
)
def test_usage_errors_say_what_to_change(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_maintenance_arguments(argv, "maintain_tables.py")
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_without_as_of_the_retention_is_measured_on_the_wall_clock():
    cutoff = expiry_cutoff(7, None, NOW, [(NOW, NOW)])
    assert cutoff.commit_time == NOW - timedelta(days=7)
    assert "now - 7 days" in cutoff.reason


def test_with_as_of_the_retention_is_measured_on_the_runs_clock_and_translated_by_the_ledger():
    # Nightly runs of simulated January, all committed within minutes of real November.
    runs = [(datetime(2026, 1, 5 + d, 3, 30, tzinfo=UTC), NOW + timedelta(minutes=d)) for d in range(10)]
    cutoff = expiry_cutoff(7, datetime(2026, 1, 14, 3, 30, tzinfo=UTC), NOW + timedelta(hours=1), runs)
    # Runs as of Jan 5, 6 and 7 (the last exactly 7 days old) are old: snapshots up to the third one's end.
    assert cutoff.commit_time == NOW + timedelta(minutes=2)
    assert "2026-01-07T03:30:00Z" in cutoff.reason


def test_with_as_of_and_no_run_that_old_nothing_expires():
    runs = [(datetime(2026, 1, 5, 3, 30, tzinfo=UTC), NOW)]
    cutoff = expiry_cutoff(7, datetime(2026, 1, 12, 3, 29, tzinfo=UTC), NOW, runs)
    assert cutoff.commit_time is None
    assert "no snapshot is 7 days old" in cutoff.reason
    assert expiry_cutoff(7, datetime(2026, 1, 12, 3, 29, tzinfo=UTC), NOW, []).commit_time is None


def test_audit_branches_of_runs_older_than_the_expiry_cut_off_are_dropped_and_younger_ones_kept():
    cutoff = ExpiryCutoff(NOW, "test")
    minute = timedelta(minutes=1)
    # Run r2 (held back) finished exactly at the cut-off; its ledger head is committed just after it.
    finished = {"r2": NOW, "r4": NOW + 5 * minute}
    heads = [
        ("audit_r2", NOW + timedelta(seconds=2)),  # the ledger's head: still dropped with its run
        ("audit_r4", NOW + 4 * minute),  # awaiting validation: kept
        ("audit_crashed", NOW - minute),  # never reached the ledger, head older than the cut-off
        ("audit_crashed_late", NOW + minute),  # never reached the ledger, head younger
        ("dev", NOW - timedelta(days=30)),  # not write-audit-publish's: never dropped
        ("audit_x.y", NOW - timedelta(days=30)),  # no run id names it: somebody's own, never dropped
    ]
    assert abandoned_audit_branches(heads, finished, cutoff) == ["audit_crashed", "audit_r2"]


def test_no_audit_branch_is_dropped_when_nothing_is_old_enough_to_expire():
    heads = [("audit_r1", NOW - timedelta(days=365))]
    assert abandoned_audit_branches(heads, {"r1": NOW - timedelta(days=365)}, ExpiryCutoff(None, "no run that old")) == []


def test_orphan_files_are_aged_by_the_wall_clock_and_never_less_than_a_day():
    assert orphan_cutoff(NOW, 3) == NOW - timedelta(days=3)
    with pytest.raises(ValueError, match="commit in progress"):
        orphan_cutoff(NOW, 0)


def test_describe_table_gives_the_partition_fields_and_column_types():
    assert describe_partitioning(DESCRIBE_BY_DAY) == ([PartitionField("identity", "day")], {"day": "date", "event_type": "string", "event_count": "bigint"})
    fields, columns = describe_partitioning(DESCRIBE_BY_ARRIVAL)
    assert fields == [PartitionField("days", "arrival_hour")]
    assert columns["arrival_hour"] == "timestamp"
    assert describe_partitioning(DESCRIBE_UNPARTITIONED)[0] == []


def test_compaction_reads_only_the_recent_partitions():
    since = compaction_since(datetime(2026, 1, 14, 3, 30, tzinfo=UTC), 3)
    assert since == date(2026, 1, 11)
    assert compaction_filter(*describe_partitioning(DESCRIBE_BY_DAY), since) == "day >= DATE '2026-01-11'"
    assert compaction_filter(*describe_partitioning(DESCRIBE_BY_ARRIVAL), since) == "arrival_hour >= TIMESTAMP '2026-01-11 00:00:00'"


def test_compaction_takes_the_whole_table_when_it_is_not_partitioned_by_time():
    since = date(2026, 1, 11)
    assert compaction_filter(*describe_partitioning(DESCRIBE_UNPARTITIONED), since) is None
    assert compaction_filter([PartitionField("bucket", "sensor_id")], {"sensor_id": "int"}, since) is None
    assert compaction_filter([PartitionField("identity", "status")], {"status": "string"}, since) is None


def test_timestamps_are_spark_sql_literals_in_utc():
    assert sql_timestamp(datetime(2026, 11, 20, 5, 6, 7, 890, tzinfo=UTC)) == "TIMESTAMP '2026-11-20 05:06:07.000890'"
    assert sql_timestamp(datetime(2026, 11, 20, 6, 0, tzinfo=timezone(timedelta(hours=1)))) == "TIMESTAMP '2026-11-20 05:00:00.000000'"


def test_error_summary_reports_the_java_exception_of_a_py4j_error():
    class JavaException:
        def __str__(self):
            return "org.apache.iceberg.exceptions.CommitFailedException: Cannot commit: stale metadata\n\tat org.apache..."

    class Py4JJavaError(Exception):
        java_exception = JavaException()

        def __str__(self):
            return "An error occurred while calling o123.sql.\n: org.apache.iceberg..."

    assert error_summary(Py4JJavaError()) == "org.apache.iceberg.exceptions.CommitFailedException: Cannot commit: stale metadata"
    assert error_summary(ValueError("bad where\nmore")) == "bad where"
    assert error_summary(RuntimeError("")) == "RuntimeError"
