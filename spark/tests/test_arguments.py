from datetime import date, datetime, timezone

import pytest

from clickstream_jobs.arguments import DEFAULT_SETTLE_MINUTES, DayWindow, parse_arguments
from clickstream_jobs.jobs import parse_job_list
from clickstream_jobs.sql_identifiers import check_identifier

SEED = ["s3://bronze/events/", "analytics", "sensor_health", "s3://warehouse/warehouse"]


def test_seed_positional_form_runs_incrementally():
    parsed = parse_arguments(SEED, "job.py")
    assert (parsed.bronze_path, parsed.database, parsed.table, parsed.warehouse) == tuple(SEED)
    assert (parsed.mode, parsed.window, parsed.settle_minutes) == ("incremental", None, DEFAULT_SETTLE_MINUTES)
    assert parsed.as_of.tzinfo is not None
    assert parsed.run_id.startswith("run_")


def test_window_all_as_of_and_run_id():
    parsed = parse_arguments(SEED + ["--from-date", "2026-03-01", "--to-date", "2026-03-02", "--as-of", "2026-03-05T03:30:00Z", "--run-id", "r-1"], "job.py")
    assert (parsed.mode, parsed.window) == ("window", DayWindow(date(2026, 3, 1), date(2026, 3, 2)))
    assert parsed.as_of == datetime(2026, 3, 5, 3, 30, tzinfo=timezone.utc)
    assert parsed.run_id == "r-1"
    assert parse_arguments(SEED + ["--all", "--settle-minutes", "0"], "job.py").mode == "all"


@pytest.mark.parametrize(
    "argv, message",
    [
        (SEED[1:], "the following arguments are required"),
        (SEED + ["--from-date", "2026-3-01", "--to-date", "2026-03-02"], "expected a UTC day as YYYY-MM-DD"),
        (SEED + ["--from-date", "2026-02-30", "--to-date", "2026-03-02"], "expected a UTC day as YYYY-MM-DD"),
        (SEED + ["--from-date", "2026-03-03", "--to-date", "2026-03-02"], "is after --to-date"),
        (SEED + ["--from-date", "2026-03-01"], "go together"),
        (SEED + ["--all", "--from-date", "2026-03-01", "--to-date", "2026-03-01"], "--all recomputes every day"),
        (["", *SEED[1:]], "BRONZE_PATH must not be empty"),
        (SEED + ["--settle-minutes", "-1"], "whole number of minutes"),
        (SEED + ["--as-of", "2026-03-05T03:30:00"], "expected a UTC time"),
        (SEED + ["--run-id", "no spaces"], "expected a run id"),
        ([SEED[0], "analytics-prod", *SEED[2:]], 'ICEBERG_DB: "analytics-prod" is not a valid table, column or database name'),
    ],
)
def test_usage_errors_exit_2_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        parse_arguments(argv, "job.py")
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage: job.py" in err
    assert message in err


def test_job_list():
    assert parse_job_list("all") == ["sensor_health", "temp_humidity", "event_geo"]
    assert parse_job_list("event_geo, sensor_health,event_geo") == ["event_geo", "sensor_health"]
    with pytest.raises(ValueError, match="unknown job"):
        parse_job_list("sensor_health,nope")


def test_the_seed_table_must_be_a_name_sql_can_hold(capsys):
    parse_arguments(SEED, "job.py", check_table=check_identifier)
    with pytest.raises(SystemExit):
        parse_arguments([*SEED[:2], "Sensor-Health", SEED[3]], "job.py", check_table=check_identifier)
    assert 'argument ICEBERG_TABLE: "Sensor-Health" is not a valid table, column or database name' in capsys.readouterr().err
