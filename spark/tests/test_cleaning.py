from datetime import date

from pyspark.sql import functions as F

from clickstream_jobs.arguments import DayWindow
from clickstream_jobs.cleaning import clean_events, is_valid, rejected_rows, window_bounds
from frames import DAY1, DAY2, event, raw_frame

WINDOW = DayWindow(date(2026, 3, 1), date(2026, 3, 1))


def test_window_bounds_are_the_utc_days():
    assert window_bounds(WINDOW) == (DAY1, DAY2 - 1)


def test_excludes_invalid_rows_and_keeps_one_row_per_uuid(spark):
    rows = [
        event("a"),
        event("a"),
        event("b", ts=DAY2 - 1),
        event("c", ts=DAY2),  # next day: outside the window
        event("n1", sensor_id=None),
        event("n2", status=None),
        event("n3", lat=None, lon=None),
        event("n4", lat=None, lon=1.0),
        event(None),
        event("", status="ok"),
        event("r1", temperature=85.01),
        event("r2", humidity=-0.1),
        event("r3", lat=90.5),
        event("r4", lon=-180.5),
        event("r5", sensor_id=0),
        event("r6", temperature=float("nan")),
        event("edge", temperature=-60.0, humidity=100.0, lat=-90.0, lon=180.0),
    ]
    raw = raw_frame(spark, rows)
    assert raw.where(~is_valid()).count() == 12
    cleaned = clean_events(raw, WINDOW)
    assert sorted(r.uuid for r in cleaned.collect()) == ["a", "b", "edge"]
    assert cleaned.columns == [
        "day", "sensor_id", "temperature", "humidity", "latitude", "longitude", "status", "event_type", "timestamp", "uuid"
    ]
    assert {r.day for r in cleaned.collect()} == {date(2026, 3, 1)}


def test_differing_copies_resolve_to_the_smallest_whatever_the_order(spark):
    rows = [event("x", status="ok", ts=DAY1 + 5), event("x", status="faulty", ts=DAY1 + 5), event("x", ts=DAY1 + 9)]
    for ordering in (rows, list(reversed(rows))):
        (only,) = clean_events(raw_frame(spark, ordering), None).collect()
        assert (only.timestamp, only.status) == (DAY1 + 5, "faulty")


def test_without_window_keeps_all_days(spark):
    cleaned = clean_events(raw_frame(spark, [event("a"), event("b", ts=DAY2 + 3600)]), None)
    assert sorted(str(r.day) for r in cleaned.collect()) == ["2026-03-01", "2026-03-02"]


def test_copies_dated_on_different_days_are_two_events(spark):
    cleaned = clean_events(raw_frame(spark, [event("x", ts=DAY1 + 5), event("x", ts=DAY2 + 5)]), None)
    assert sorted(str(r.day) for r in cleaned.collect()) == ["2026-03-01", "2026-03-02"]


def test_rejected_rows_name_the_first_rule_they_break(spark):
    rows = [
        event("ok"),
        event("n1", sensor_id=None, temperature=200.0),
        event("r1", temperature=85.01),
        event("r2", temperature=float("nan")),
        event("h1", humidity=-0.1),
        event("l0", lat=None, lon=None),
        event("l1", lat=None, lon=1.0),
        event("l2", lon=180.5),
        event("s0", status=""),
        event("s1", status=None),
        event("e0", event_type=""),
        event("t0", ts=-1),
        event("t1", ts=253_402_300_800),
        event(""),
        event(None),
    ]
    raw = raw_frame(spark, rows).withColumn("arrival_hour", F.lit(None).cast("timestamp")).withColumn("source_file", F.lit("f"))
    rejected = {r.uuid: r.rule for r in rejected_rows(raw, "run_1").collect()}
    assert rejected == {
        "n1": "sensor_id-missing",
        "r1": "temperature-out-of-range",
        "r2": "temperature-out-of-range",
        "h1": "humidity-out-of-range",
        "l0": "location-missing",
        "l1": "latitude-missing",
        "l2": "longitude-out-of-range",
        "s0": "status-empty",
        "s1": "status-missing",
        "e0": "event_type-empty",
        "t0": "timestamp-out-of-range",
        "t1": "timestamp-out-of-range",
        "": "uuid-empty",
        None: "uuid-missing",
    }
    assert {r.run_id for r in rejected_rows(raw, "run_1").collect()} == {"run_1"}
