from datetime import date

from clickstream_jobs.arguments import DayWindow
from clickstream_jobs.cleaning import clean_events, read_counts, window_bounds
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
    assert read_counts(raw, WINDOW) == {"read": 17, "invalid": 12, "valid_in_window": 4}
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
