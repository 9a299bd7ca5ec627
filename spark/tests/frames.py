"""Small event frames for the transformation tests."""
from clickstream_jobs.contracts import EVENT_SCHEMA_DDL

DAY1 = 1_772_323_200  # 2026-03-01T00:00:00Z
DAY2 = DAY1 + 86_400


def event(uuid, sensor_id=1, ts=DAY1, status="ok", temperature=20.0, humidity=50.0, lat=10.0, lon=20.0, event_type="reading"):
    location = None if lat is None and lon is None else (lat, lon)
    return (sensor_id, temperature, humidity, location, status, event_type, ts, uuid)


def raw_frame(spark, rows):
    return spark.createDataFrame(rows, EVENT_SCHEMA_DDL)
