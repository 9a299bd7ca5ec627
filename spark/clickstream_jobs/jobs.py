"""The three KPI jobs and the entry point that runs one or several of them in one Spark application.

A run first ingests bronze (bronze.py picks the objects): rows that break a validity rule go to
`rejected_events`, valid rows are merged into `_valid_events` (one row per day and uuid), and the
event days that received rows are the days to recompute. Each job then replaces exactly those days
of its day tables and per-day partial aggregates and rebuilds its all-time tables from the partials;
last, the run appends its jobs' rows to the runs ledger `_kpi_runs`.
"""
import json
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Callable, Dict, List, Optional, Sequence

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from . import kpis
from .arguments import JobArguments, parse_arguments
from .bronze import (
    BronzeObject,
    BronzeState,
    day_globs,
    describe_objects,
    first_listed_day,
    list_objects,
    read_objects,
    select_objects,
    state_after,
)
from .cleaning import deduplicate, rejected_rows, valid_events
from .contracts import INTERNAL_TABLE_COLUMNS, JOB_TABLE_ARGUMENTS, KPI_TABLE_COLUMNS
from .audit import write_to_audit_branch
from .branches import audit_branch
from .runs import RUNS_TABLE, RunRecord, append_records, read_states
from .session import create_session, end_session, table_name
from .sql_identifiers import check_identifier
from .tables import TableSpec, column_names, replace_all, replace_rows

LOG_PREFIX = "[kpis]"
VALID_EVENTS = "_valid_events"
REJECTED_EVENTS = "rejected_events"
VALIDATIONS_TABLE = "_kpi_validations"

# How each internal table is partitioned (unpartitioned when absent).
_INTERNAL_PARTITIONING = {
    VALID_EVENTS: "day",
    "_sensor_health_day_stats": "day",
    "_status_health_day_stats": "day",
    "_event_geo_kpis_faulty_geo_day_stats": "day",
    REJECTED_EVENTS: "days(arrival_hour)",
}


def log(message: str) -> None:
    print(f"{LOG_PREFIX} {message}", flush=True)


@dataclass(frozen=True)
class Ingested:
    """What the ingest step produced for the jobs of the application."""

    # _valid_events rows of the recomputed days (cached): what the jobs compute from.
    events: DataFrame
    # The recomputed days, and the condition that selects their rows in a day table.
    days: List[date]
    replaced: Column
    # Every object listed (the new high-water mark is computed from them) and the run's record, for one job.
    listed: List[BronzeObject]
    record: RunRecord

    def record_for(self, job: str, arguments: JobArguments, previous: Optional[BronzeState]) -> RunRecord:
        """The job's ledger row. A window run recomputes its days only: the job's incremental state stays."""
        if arguments.mode == "window":
            state = previous or BronzeState()
        else:
            state = state_after(self.listed, arguments.as_of, arguments.settle_minutes, previous)
        return replace(self.record, job=job, state=state)


@dataclass(frozen=True)
class JobContext:
    spark: SparkSession
    arguments: JobArguments
    ingested: Ingested

    def table(self, name: str) -> str:
        return table_name(self.arguments.database, name)

    def replace_days(self, frame: DataFrame, table: TableSpec) -> None:
        replace_rows(frame, self.table(table.name), table.columns, self.ingested.replaced)


def _internal(name: str) -> TableSpec:
    return TableSpec(name, INTERNAL_TABLE_COLUMNS[name], _INTERNAL_PARTITIONING.get(name))


def sensor_health_tables(table_argument: str) -> List[TableSpec]:
    return [
        _internal(f"_{table_argument}_day_stats"),
        _internal("_status_health_day_stats"),
        TableSpec(table_argument, KPI_TABLE_COLUMNS["sensor_health"]),
        TableSpec("status_health", KPI_TABLE_COLUMNS["status_health"]),
    ]


def temp_humidity_tables(table_argument: str) -> List[TableSpec]:
    return [TableSpec(table_argument, KPI_TABLE_COLUMNS["temp_humidity_kpis"], "day")]


def event_geo_tables(table_argument: str) -> List[TableSpec]:
    return [
        TableSpec(f"{table_argument}_events", KPI_TABLE_COLUMNS["event_geo_kpis_events"], "day"),
        _internal(f"_{table_argument}_faulty_geo_day_stats"),
        TableSpec(f"{table_argument}_faulty_geo", KPI_TABLE_COLUMNS["event_geo_kpis_faulty_geo"]),
    ]


def run_sensor_health(context: JobContext, table_argument: str) -> List[str]:
    spark, events = context.spark, context.ingested.events
    sensor_stats, status_stats, health, status = sensor_health_tables(table_argument)
    context.replace_days(kpis.sensor_day_stats(events), sensor_stats)
    context.replace_days(kpis.status_day_stats(events), status_stats)
    # Read once for both all-time tables; it holds sensors x days rows, not events.
    all_days = spark.table(context.table(sensor_stats.name)).cache()
    replace_all(kpis.sensor_health(all_days), context.table(health.name), health.columns)
    replace_all(kpis.status_health(all_days, spark.table(context.table(status_stats.name))), context.table(status.name), status.columns)
    all_days.unpersist()
    return [context.table(health.name), context.table(status.name)]


def run_temp_humidity(context: JobContext, table_argument: str) -> List[str]:
    (table,) = temp_humidity_tables(table_argument)
    context.replace_days(kpis.temp_humidity_kpis(context.ingested.events), table)
    return [context.table(table.name)]


def run_event_geo(context: JobContext, table_argument: str) -> List[str]:
    spark, events = context.spark, context.ingested.events
    counts, stats, geo = event_geo_tables(table_argument)
    context.replace_days(kpis.event_counts(events), counts)
    context.replace_days(kpis.faulty_geo_day_stats(events), stats)
    replace_all(kpis.faulty_geo(spark.table(context.table(stats.name))), context.table(geo.name), geo.columns)
    return [context.table(counts.name), context.table(geo.name)]


# What each job writes, from its table argument (the seed's ICEBERG_TABLE).
JOB_TABLES: Dict[str, Callable[[str], List[TableSpec]]] = {
    "sensor_health": sensor_health_tables,
    "temp_humidity": temp_humidity_tables,
    "event_geo": event_geo_tables,
}

# What every run writes, whatever its jobs.
RUN_TABLES = [_internal(RUNS_TABLE), _internal(REJECTED_EVENTS), _internal(VALID_EVENTS), _internal(VALIDATIONS_TABLE)]


JOBS: Dict[str, Callable[[JobContext, str], List[str]]] = {
    "sensor_health": run_sensor_health,
    "temp_humidity": run_temp_humidity,
    "event_geo": run_event_geo,
}


def describe_run(arguments: JobArguments) -> str:
    if arguments.mode == "window":
        window = arguments.window
        return f"window {window.from_date}..{window.to_date} (arrivals from {window.from_date - timedelta(days=1)} up to {arguments.as_of:%Y-%m-%d %H:%M}Z)"
    if arguments.mode == "all":
        return f"every day (all of bronze up to {arguments.as_of:%Y-%m-%d %H:%M}Z)"
    return f"incremental (arrivals not yet processed, up to {arguments.as_of:%Y-%m-%d %H:%M}Z)"


def _replace_rejected(spark: SparkSession, table: str, rejected: DataFrame, rows: int, files: Sequence[str]) -> None:
    """Rejected rows of the files read replace any earlier ones of the same files, so re-reading a
    file (a window run, a repeated run) never counts its rows twice. Each write is skipped when it
    would change nothing: an Iceberg commit costs seconds."""
    if files:
        spark.createDataFrame([(f,) for f in files], "source_file STRING").createOrReplaceTempView("clickstream_files_read")
        earlier = spark.sql(f"SELECT 1 FROM {table} t LEFT SEMI JOIN clickstream_files_read s ON t.source_file = s.source_file LIMIT 1")
        if earlier.count() > 0:
            spark.sql(
                f"MERGE INTO {table} t USING clickstream_files_read s ON t.source_file = s.source_file WHEN MATCHED THEN DELETE"
            )
    if rows > 0:
        rejected.select(*column_names(INTERNAL_TABLE_COLUMNS[REJECTED_EVENTS])).writeTo(table).append()


def _days_of(frame: DataFrame) -> List[date]:
    return sorted(row.day for row in frame.select("day").distinct().collect())


def ingest(spark: SparkSession, arguments: JobArguments, states: Sequence[BronzeState]) -> Ingested:
    """Reads the bronze objects the run needs (`states`: what each job processed before), keeps
    rejected rows aside, merges valid rows into `_valid_events` and returns the recomputed days' events."""
    started = time.monotonic()
    database = arguments.database
    rejected_table = table_name(database, REJECTED_EVENTS)
    store = table_name(database, VALID_EVENTS)
    store_columns = INTERNAL_TABLE_COLUMNS[VALID_EVENTS]

    listed = list_objects(spark, day_globs(arguments.bronze_path, first_listed_day(arguments.mode, arguments.window, states), arguments.as_of.date()))
    selected = select_objects(listed, arguments.mode, arguments.window, states, arguments.as_of)
    objects, size = describe_objects(selected)
    log(f"bronze: {len(listed)} objects listed, {objects} to read ({size} bytes)")

    raw = read_objects(spark, selected).persist(StorageLevel.MEMORY_AND_DISK)
    rows_read = raw.count()
    rejected = rejected_rows(raw, arguments.run_id).persist(StorageLevel.MEMORY_AND_DISK)
    rows_rejected = rejected.count()
    _replace_rejected(spark, rejected_table, rejected, rows_rejected, [o.path for o in selected])
    valid = valid_events(raw, arguments.window).persist(StorageLevel.MEMORY_AND_DISK)
    rows_valid = valid.count()

    if arguments.mode == "incremental":
        days = _days_of(valid)
        replaced = F.col("day").isin(days) if days else F.lit(False)
        existing = spark.table(store).where(replaced)
        before = existing.count()
        merged = deduplicate(existing.unionByName(valid)).persist(StorageLevel.MEMORY_AND_DISK)
        kept = merged.count()
        added = kept - before
    else:
        if arguments.mode == "window":
            window = arguments.window
            replaced = F.col("day").between(F.lit(window.from_date), F.lit(window.to_date))
            days = [window.from_date + timedelta(days=n) for n in range((window.to_date - window.from_date).days + 1)]
        else:
            replaced = F.lit(True)
            days = sorted(set(_days_of(spark.table(store))) | set(_days_of(valid)))
        merged = deduplicate(valid).persist(StorageLevel.MEMORY_AND_DISK)
        kept = added = merged.count()
    if days:
        replace_rows(merged, store, store_columns, replaced)
    raw.unpersist()
    rejected.unpersist()
    valid.unpersist()

    firsts = [s.first_arrival for s in states if s.first_arrival is not None]
    read_state = state_after(listed, arguments.as_of, arguments.settle_minutes, BronzeState(first_arrival=min(firsts) if firsts else None))
    record = RunRecord(
        run_id=arguments.run_id,
        job="",
        mode=arguments.mode,
        as_of=arguments.as_of,
        window_from=arguments.window.from_date if arguments.window else None,
        window_to=arguments.window.to_date if arguments.window else None,
        state=read_state,
        read=read_state,
        recomputed_days=days,
        bronze_objects=objects,
        bronze_bytes=size,
        rows_read=rows_read,
        rows_rejected=rows_rejected,
        rows_valid=rows_valid,
        duplicates=rows_valid - added,
    )
    log(
        f"read {rows_read} bronze rows from {objects} objects; {rows_rejected} rejected (see {REJECTED_EVENTS}); "
        f"{rows_valid - added} duplicates; {added} new events; recomputing {len(days)} day(s) "
        f"({time.monotonic() - started:.1f} s)"
    )
    if arguments.mode == "window" and kept == 0:
        first, last = (listed[0].arrival_hour, listed[-1].arrival_hour) if listed else (None, None)
        arrivals = f"bronze holds arrivals {first:%Y-%m-%d %H}h..{last:%Y-%m-%d %H}h" if listed else "bronze holds no arrivals at all"
        log(
            f"empty window: no valid events for {arguments.window.from_date}..{arguments.window.to_date} in the "
            f"{objects} objects that arrived from the day before it up to now ({arrivals}); nothing landed yet for "
            "these days, or the dates are wrong. Their rows are cleared."
        )
    return Ingested(events=merged, days=days, replaced=replaced, listed=listed, record=record)


def run(job_names: Sequence[str], arguments: JobArguments, table_arguments: Optional[Dict[str, str]] = None) -> None:
    started = time.monotonic()
    spark = create_session(f"clickstream-kpis-{'-'.join(job_names)}")
    branch = audit_branch(arguments.run_id)
    log(f"run {arguments.run_id}: jobs {', '.join(job_names)}; {describe_run(arguments)}; writing to branch {branch}")
    runs_table = table_name(arguments.database, RUNS_TABLE)
    specs = RUN_TABLES + [spec for job in job_names for spec in JOB_TABLES[job]((table_arguments or {}).get(job, arguments.table))]
    write_to_audit_branch(spark, [(table_name(arguments.database, spec.name), spec) for spec in specs], branch)
    previous = read_states(spark, runs_table, job_names)
    ingested = ingest(spark, arguments, [previous.get(job, BronzeState()) for job in job_names])
    context = JobContext(spark, arguments, ingested)
    for job in job_names:
        job_started = time.monotonic()
        if ingested.days:
            written = JOBS[job](context, (table_arguments or {}).get(job, arguments.table))
            log(f"job {job} wrote {', '.join(written)} in {time.monotonic() - job_started:.1f} s")
        else:
            log(f"job {job}: no event day to recompute")
    # One commit for the jobs' rows, last: a run that stops before it is simply repeated.
    records = [ingested.record_for(job, arguments, previous.get(job)) for job in job_names]
    append_records(spark, runs_table, records)
    for record in records:
        log(f"run {json.dumps(record.summary())}")
    ingested.events.unpersist()
    log(f"done in {time.monotonic() - started:.1f} s")
    end_session(spark)


def seed_entry_point(job: str, argv: Sequence[str], prog: str) -> int:
    """One job, the seed's arguments: `<BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE>`."""
    arguments = parse_arguments(argv, prog, description=f"Computes the {job} KPI tables.", check_table=check_identifier)
    run([job], arguments)
    return 0


def parse_job_list(value: str) -> List[str]:
    if value.strip() in ("", "all"):
        return list(JOBS)
    names = list(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        raise ValueError(f"unknown job(s) {', '.join(unknown)}; valid jobs: {', '.join(JOBS)} (or 'all')")
    return names


def all_jobs_entry_point(argv: Sequence[str], prog: str) -> int:
    """Several jobs in one application, reading bronze once: `<BRONZE_PATH> <ICEBERG_DB> <JOBS> <ICEBERG_WAREHOUSE>`."""
    arguments = parse_arguments(
        argv,
        prog,
        table_label="JOBS",
        description="Computes the KPI tables of several jobs in one Spark application.",
        check_table=parse_job_list,
    )
    run(parse_job_list(arguments.table), arguments, JOB_TABLE_ARGUMENTS)
    return 0
