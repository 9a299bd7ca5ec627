"""The contracts the jobs share with the TypeScript side, kept importable without Spark.

Copies of src/events/schema.ts (read schema, valid ranges, faulty status) and src/kpis/catalog.ts
(table columns, job table arguments); test/kpis/contracts.test.ts fails when they drift.
"""

# Spark DDL of the bronze event, exactly as sparkSchemaDdl() renders it.
EVENT_SCHEMA_DDL = (
    "sensor_id INT, temperature DOUBLE, humidity DOUBLE, "
    "location STRUCT<latitude: DOUBLE, longitude: DOUBLE>, status STRING, event_type STRING, "
    "timestamp BIGINT, uuid STRING"
)

# Inclusive bounds of a valid event (VALID_RANGES).
VALID_RANGES = {
    "sensorId": {"min": 1, "max": 2_147_483_647},
    "temperature": {"min": -60, "max": 85},
    "humidity": {"min": 0, "max": 100},
    "latitude": {"min": -90, "max": 90},
    "longitude": {"min": -180, "max": 180},
}

FAULTY_STATUS = "faulty"

# The KPI tables' columns in the seed's order (KPI_TABLES), with their partition column if any.
KPI_TABLE_COLUMNS = {
    "sensor_health": "sensor_id INT, faulty_count BIGINT, total_count BIGINT, faulty_pct DOUBLE",
    "status_health": "status STRING, sensor_count BIGINT",
    "temp_humidity_kpis": (
        "day DATE, latitude DOUBLE, longitude DOUBLE, avg_temp DOUBLE, min_temp DOUBLE, max_temp DOUBLE, "
        "avg_humidity DOUBLE, min_humidity DOUBLE, max_humidity DOUBLE"
    ),
    "event_geo_kpis_events": "day DATE, event_type STRING, event_count BIGINT",
    "event_geo_kpis_faulty_geo": "latitude DOUBLE, longitude DOUBLE, faulty_count BIGINT",
}

# Internal per-day partial aggregates the all-time tables are derived from.
SENSOR_DAY_STATS_COLUMNS = (
    "day DATE, sensor_id INT, faulty_count BIGINT, total_count BIGINT, "
    "latest_timestamp BIGINT, latest_uuid STRING, latest_status STRING"
)
FAULTY_GEO_DAY_STATS_COLUMNS = "day DATE, latitude DOUBLE, longitude DOUBLE, faulty_count BIGINT"

# Each job's seed ICEBERG_TABLE argument (KPI_JOBS[...].tableArgument).
JOB_TABLE_ARGUMENTS = {
    "sensor_health": "sensor_health",
    "temp_humidity": "temp_humidity_kpis",
    "event_geo": "event_geo_kpis",
}
