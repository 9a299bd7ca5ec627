"""The contracts the jobs share with the TypeScript side, kept importable without Spark.

Copies of src/events/schema.ts (read schema, validity rules, faulty status) and src/kpis/catalog.ts
(table columns, job table arguments); test/kpis/contracts.test.ts fails when they drift.
"""

# Spark DDL of the bronze event, exactly as sparkSchemaDdl() renders it.
EVENT_SCHEMA_DDL = (
    "sensor_id INT, temperature DOUBLE, humidity DOUBLE, "
    "location STRUCT<latitude: DOUBLE, longitude: DOUBLE>, status STRING, event_type STRING, "
    "timestamp BIGINT, uuid STRING"
)

# The rules a valid event satisfies, in the order a rejected row is blamed (VALIDITY_RULES): each
# names a column of the bronze row and requires it present, plus non-empty (strings) or within
# inclusive bounds (numbers; NaN is outside). A rejected row's `rule` is `<name>-<missing|empty|out-of-range>`.
VALIDITY_RULES = [
    {"name": "sensor_id", "column": "sensor_id", "kind": "range", "min": 1, "max": 2_147_483_647},
    {"name": "temperature", "column": "temperature", "kind": "range", "min": -60, "max": 85},
    {"name": "humidity", "column": "humidity", "kind": "range", "min": 0, "max": 100},
    {"name": "location", "column": "location", "kind": "present"},
    {"name": "latitude", "column": "location.latitude", "kind": "range", "min": -90, "max": 90},
    {"name": "longitude", "column": "location.longitude", "kind": "range", "min": -180, "max": 180},
    {"name": "status", "column": "status", "kind": "non-empty"},
    {"name": "event_type", "column": "event_type", "kind": "non-empty"},
    {"name": "timestamp", "column": "timestamp", "kind": "range", "min": 0, "max": 253_402_300_799},
    {"name": "uuid", "column": "uuid", "kind": "non-empty"},
]

FAULTY_STATUS = "faulty"

# The KPI tables' columns in the seed's order (KPI_TABLES), with their partition column if any.
KPI_TABLE_COLUMNS = {
    "sensor_health": "sensor_id INT, faulty_count BIGINT, total_count BIGINT, faulty_pct DOUBLE",
    "status_health": "status STRING, sensor_count BIGINT, event_count BIGINT",
    "temp_humidity_kpis": (
        "day DATE, latitude DOUBLE, longitude DOUBLE, avg_temp DOUBLE, min_temp DOUBLE, max_temp DOUBLE, "
        "avg_humidity DOUBLE, min_humidity DOUBLE, max_humidity DOUBLE"
    ),
    "event_geo_kpis_events": "day DATE, event_type STRING, event_count BIGINT",
    "event_geo_kpis_faulty_geo": "latitude DOUBLE, longitude DOUBLE, faulty_count BIGINT",
}

# The tables the jobs keep besides the five KPI tables (INTERNAL_TABLES), with their columns.
INTERNAL_TABLE_COLUMNS = {
    # Valid events, one row per (day, uuid), partitioned by day: what every day table is computed from.
    "_valid_events": (
        "day DATE, sensor_id INT, temperature DOUBLE, humidity DOUBLE, latitude DOUBLE, longitude DOUBLE, "
        "status STRING, event_type STRING, timestamp BIGINT, uuid STRING"
    ),
    # Per-day partial aggregates the all-time tables are derived from.
    "_sensor_health_day_stats": (
        "day DATE, sensor_id INT, faulty_count BIGINT, total_count BIGINT, "
        "latest_timestamp BIGINT, latest_uuid STRING, latest_status STRING"
    ),
    "_status_health_day_stats": "day DATE, status STRING, event_count BIGINT",
    "_event_geo_kpis_faulty_geo_day_stats": "day DATE, latitude DOUBLE, longitude DOUBLE, faulty_count BIGINT",
    # Bronze rows that broke a validity rule, as landed, with the rule and where they came from.
    "rejected_events": (
        "sensor_id INT, temperature DOUBLE, humidity DOUBLE, location STRUCT<latitude: DOUBLE, longitude: DOUBLE>, "
        "status STRING, event_type STRING, timestamp BIGINT, uuid STRING, rule STRING, arrival_hour TIMESTAMP, "
        "source_file STRING, run_id STRING"
    ),
    # One row per job and run: what it read and recomputed, and the high-water mark after it
    # (high_water_mark, open_objects). read_through/read_open describe the bronze the recomputed
    # days reflect: every object under hours up to read_through, plus read_open; first_arrival is the
    # earliest arrival hour ever read.
    "_kpi_runs": (
        "run_id STRING, job STRING, mode STRING, as_of TIMESTAMP, finished_at TIMESTAMP, window_from DATE, "
        "window_to DATE, high_water_mark TIMESTAMP, open_objects ARRAY<STRING>, read_through TIMESTAMP, "
        "read_open ARRAY<STRING>, first_arrival TIMESTAMP, recomputed_days ARRAY<DATE>, "
        "bronze_objects BIGINT, bronze_bytes BIGINT, rows_read BIGINT, rows_rejected BIGINT, rows_valid BIGINT, "
        "duplicates BIGINT"
    ),
    # The verdict of each validation of a run's audit branch (written by the check suite through
    # Trino or Athena, on main; validated_at as ISO 8601 UTC text): what publishing a run requires.
    "_kpi_validations": (
        "run_id STRING, validated_at STRING, engine STRING, passed BOOLEAN, checks BIGINT, failed BIGINT, "
        "failed_checks STRING"
    ),
}

# Each job's seed ICEBERG_TABLE argument (KPI_JOBS[...].tableArgument).
JOB_TABLE_ARGUMENTS = {
    "sensor_health": "sensor_health",
    "temp_humidity": "temp_humidity_kpis",
    "event_geo": "event_geo_kpis",
}
