from datetime import date

import pytest

from clickstream_jobs.arguments import DEFAULT_LATENESS_DAYS, DayWindow, parse_arguments
from clickstream_jobs.jobs import parse_job_list

SEED = ["s3://bronze/events/", "analytics", "sensor_health", "s3://warehouse/warehouse"]


def test_seed_positional_form_means_everything():
    parsed = parse_arguments(SEED, "job.py")
    assert (parsed.bronze_path, parsed.database, parsed.table, parsed.warehouse) == tuple(SEED)
    assert parsed.window is None
    assert parsed.lateness_days == DEFAULT_LATENESS_DAYS


def test_window_and_lateness():
    parsed = parse_arguments(SEED + ["--from-date", "2026-03-01", "--to-date", "2026-03-02", "--lateness-days", "0"], "job.py")
    assert parsed.window == DayWindow(date(2026, 3, 1), date(2026, 3, 2))
    assert parsed.lateness_days == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (SEED[1:], "the following arguments are required"),
        (SEED + ["--from-date", "2026-3-01", "--to-date", "2026-03-02"], "expected a UTC day as YYYY-MM-DD"),
        (SEED + ["--from-date", "2026-02-30", "--to-date", "2026-03-02"], "expected a UTC day as YYYY-MM-DD"),
        (SEED + ["--from-date", "2026-03-03", "--to-date", "2026-03-02"], "is after --to-date"),
        (SEED + ["--from-date", "2026-03-01"], "go together"),
        (["", *SEED[1:]], "BRONZE_PATH must not be empty"),
        (SEED + ["--lateness-days", "-1"], "whole number of days"),
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
