from datetime import date

from clickstream_jobs import kpis
from clickstream_jobs.cleaning import clean_events
from frames import DAY1, DAY2, event, raw_frame

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def cleaned(spark, rows):
    return clean_events(raw_frame(spark, rows), None)


def rows(frame, *order):
    return [tuple(r) for r in frame.orderBy(*order).collect()]


def test_sensor_health_counts_and_rounds_half_up(spark):
    events = cleaned(
        spark,
        [event(f"s1-{i}", sensor_id=1, status="faulty" if i == 0 else "ok") for i in range(8)]
        + [event(f"s2-{i}", sensor_id=2, status="faulty" if i < 2 else "ok", ts=DAY2) for i in range(3)]
        + [event(f"s3-{i}", sensor_id=3, status="faulty" if i == 0 else "ok") for i in range(3)],
    )
    health = kpis.sensor_health(kpis.sensor_day_stats(events))
    assert health.columns == ["sensor_id", "faulty_count", "total_count", "faulty_pct"]
    assert rows(health, "sensor_id") == [(1, 1, 8, 12.5), (2, 2, 3, 66.67), (3, 1, 3, 33.33)]


def test_sensor_day_stats_per_day_with_latest_status(spark):
    events = cleaned(
        spark,
        [
            event("a", ts=DAY1 + 10, status="ok"),
            event("b", ts=DAY1 + 20, status="faulty"),
            event("c", ts=DAY2 + 5, status="inactive"),
        ],
    )
    stats = kpis.sensor_day_stats(events)
    assert rows(stats, "day") == [
        (D1, 1, 1, 2, DAY1 + 20, "b", "faulty"),
        (D2, 1, 0, 1, DAY2 + 5, "c", "inactive"),
    ]


def test_status_health_counts_each_sensor_once_under_its_latest_status(spark):
    events = cleaned(
        spark,
        [
            event("a", sensor_id=1, ts=DAY1, status="faulty"),
            event("b", sensor_id=1, ts=DAY2, status="ok"),
            event("c", sensor_id=2, ts=DAY1, status="faulty"),
            # Same second: the greater uuid decides.
            event("d1", sensor_id=3, ts=DAY1, status="ok"),
            event("d2", sensor_id=3, ts=DAY1, status="faulty"),
        ],
    )
    health = kpis.status_health(kpis.sensor_day_stats(events), kpis.status_day_stats(events))
    assert health.columns == ["status", "sensor_count", "event_count"]
    assert rows(health, "status") == [("faulty", 2, 3), ("ok", 1, 2)]


def test_status_health_keeps_a_status_no_sensor_is_in_now(spark):
    events = cleaned(spark, [event("a", sensor_id=1, ts=DAY1, status="inactive"), event("b", sensor_id=1, ts=DAY2, status="active")])
    health = kpis.status_health(kpis.sensor_day_stats(events), kpis.status_day_stats(events))
    assert rows(health, "status") == [("active", 1, 1), ("inactive", 0, 1)]


def test_temp_humidity_per_day_and_location(spark):
    events = cleaned(
        spark,
        [
            event("a", temperature=10.0, humidity=40.0),
            event("b", temperature=20.0, humidity=60.0),
            event("c", temperature=5.0, humidity=30.0, lat=1.0),
            event("d", temperature=7.0, humidity=31.0, ts=DAY2),
        ],
    )
    assert rows(kpis.temp_humidity_kpis(events), "day", "latitude") == [
        (D1, 1.0, 20.0, 5.0, 5.0, 5.0, 30.0, 30.0, 30.0),
        (D1, 10.0, 20.0, 15.0, 10.0, 20.0, 50.0, 40.0, 60.0),
        (D2, 10.0, 20.0, 7.0, 7.0, 7.0, 31.0, 31.0, 31.0),
    ]


def test_event_counts_and_faulty_geo(spark):
    events = cleaned(
        spark,
        [
            event("a", event_type="reading", status="faulty"),
            event("b", event_type="reading", status="faulty", ts=DAY2),
            event("c", event_type="alert", status="ok", lat=1.0),
            event("d", event_type="reading", status="faulty", lat=2.0),
        ],
    )
    assert rows(kpis.event_counts(events), "day", "event_type") == [(D1, "alert", 1), (D1, "reading", 2), (D2, "reading", 1)]
    day_stats = kpis.faulty_geo_day_stats(events)
    assert rows(day_stats, "day", "latitude") == [(D1, 2.0, 20.0, 1), (D1, 10.0, 20.0, 1), (D2, 10.0, 20.0, 1)]
    # Location (1.0, 20.0) had no faulty event: not listed.
    assert rows(kpis.faulty_geo(day_stats), "latitude") == [(2.0, 20.0, 1), (10.0, 20.0, 2)]
