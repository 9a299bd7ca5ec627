from datetime import date

from clickstream_jobs.arguments import DayWindow
from clickstream_jobs.bronze import arrival_day_paths


def test_reads_the_window_plus_lateness_arrival_days_across_a_month_end():
    paths = arrival_day_paths("s3://b/events/", DayWindow(date(2026, 2, 27), date(2026, 2, 28)), 2)
    assert paths == [
        "s3://b/events/year=2026/month=02/day=27/",
        "s3://b/events/year=2026/month=02/day=28/",
        "s3://b/events/year=2026/month=03/day=01/",
        "s3://b/events/year=2026/month=03/day=02/",
    ]


def test_no_lateness_reads_only_the_window():
    assert arrival_day_paths("s3://b/events", DayWindow(date(2026, 3, 1), date(2026, 3, 1)), 0) == [
        "s3://b/events/year=2026/month=03/day=01/"
    ]
