"""The three KPI jobs and the entry point that runs one or several of them in one Spark application.

Each job reads the shared cleaned events and writes its tables; the all-time tables are rebuilt
from per-day partial aggregates, so their cost grows with sensors x days, not with events.
"""
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from . import kpis
from .arguments import JobArguments, parse_arguments
from .bronze import read_bronze
from .cleaning import clean_events, read_counts
from .contracts import (
    FAULTY_GEO_DAY_STATS_COLUMNS,
    JOB_TABLE_ARGUMENTS,
    KPI_TABLE_COLUMNS,
    SENSOR_DAY_STATS_COLUMNS,
)
from .session import create_session, table_name
from .tables import ensure_table, replace_all, replace_window

LOG_PREFIX = "[kpis]"


def log(message: str) -> None:
    print(f"{LOG_PREFIX} {message}", flush=True)


@dataclass(frozen=True)
class JobContext:
    spark: SparkSession
    arguments: JobArguments
    # Cleaned events of the run (cached; shared by the jobs of one application).
    events: DataFrame

    def table(self, name: str) -> str:
        return table_name(self.arguments.database, name)


def run_sensor_health(context: JobContext, table_argument: str) -> List[str]:
    spark, window = context.spark, context.arguments.window
    stats_table = context.table(f"_{table_argument}_day_stats")
    health_table = context.table(table_argument)
    status_table = context.table("status_health")
    ensure_table(spark, stats_table, SENSOR_DAY_STATS_COLUMNS, by_day=True)
    ensure_table(spark, health_table, KPI_TABLE_COLUMNS["sensor_health"], by_day=False)
    ensure_table(spark, status_table, KPI_TABLE_COLUMNS["status_health"], by_day=False)
    replace_window(kpis.sensor_day_stats(context.events), stats_table, SENSOR_DAY_STATS_COLUMNS, window)
    # Read once for both all-time tables; it holds sensors x days rows, not events.
    all_days = spark.table(stats_table).cache()
    replace_all(kpis.sensor_health(all_days), health_table, KPI_TABLE_COLUMNS["sensor_health"])
    replace_all(kpis.status_health(all_days), status_table, KPI_TABLE_COLUMNS["status_health"])
    all_days.unpersist()
    return [health_table, status_table]


def run_temp_humidity(context: JobContext, table_argument: str) -> List[str]:
    name = context.table(table_argument)
    columns = KPI_TABLE_COLUMNS["temp_humidity_kpis"]
    ensure_table(context.spark, name, columns, by_day=True)
    replace_window(kpis.temp_humidity_kpis(context.events), name, columns, context.arguments.window)
    return [name]


def run_event_geo(context: JobContext, table_argument: str) -> List[str]:
    spark, window = context.spark, context.arguments.window
    events_table = context.table(f"{table_argument}_events")
    geo_table = context.table(f"{table_argument}_faulty_geo")
    stats_table = context.table(f"_{table_argument}_faulty_geo_day_stats")
    ensure_table(spark, events_table, KPI_TABLE_COLUMNS["event_geo_kpis_events"], by_day=True)
    ensure_table(spark, stats_table, FAULTY_GEO_DAY_STATS_COLUMNS, by_day=True)
    ensure_table(spark, geo_table, KPI_TABLE_COLUMNS["event_geo_kpis_faulty_geo"], by_day=False)
    replace_window(kpis.event_counts(context.events), events_table, KPI_TABLE_COLUMNS["event_geo_kpis_events"], window)
    replace_window(kpis.faulty_geo_day_stats(context.events), stats_table, FAULTY_GEO_DAY_STATS_COLUMNS, window)
    replace_all(kpis.faulty_geo(spark.table(stats_table)), geo_table, KPI_TABLE_COLUMNS["event_geo_kpis_faulty_geo"])
    return [events_table, geo_table]


JOBS: Dict[str, Callable[[JobContext, str], List[str]]] = {
    "sensor_health": run_sensor_health,
    "temp_humidity": run_temp_humidity,
    "event_geo": run_event_geo,
}


def describe_window(arguments: JobArguments) -> str:
    window = arguments.window
    if window is None:
        return "all of bronze (no --from-date/--to-date)"
    return f"{window.from_date}..{window.to_date} (arrivals read up to {arguments.lateness_days} day(s) later)"


def prepare_events(spark: SparkSession, arguments: JobArguments) -> DataFrame:
    started = time.monotonic()
    # Persisted so that counting and cleaning scan bronze once.
    raw = read_bronze(spark, arguments.bronze_path, arguments.window, arguments.lateness_days).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    counts = read_counts(raw, arguments.window)
    events = clean_events(raw, arguments.window).cache()
    kept = events.count()
    raw.unpersist()
    log(
        f"read {counts['read']} bronze rows; excluded {counts['invalid']} invalid rows (null fields or "
        f"values out of range); dropped {counts['valid_in_window'] - kept} duplicate rows by uuid; "
        f"{kept} events in the window ({time.monotonic() - started:.1f} s)"
    )
    if kept == 0:
        log(f"empty window: no valid events for {describe_window(arguments)}; its days are replaced with no rows")
    return events


def run(job_names: Sequence[str], arguments: JobArguments, table_arguments: Optional[Dict[str, str]] = None) -> None:
    started = time.monotonic()
    spark = create_session(f"clickstream-kpis-{'-'.join(job_names)}")
    log(f"jobs {', '.join(job_names)}; window {describe_window(arguments)}")
    context = JobContext(spark, arguments, prepare_events(spark, arguments))
    for job in job_names:
        job_started = time.monotonic()
        written = JOBS[job](context, (table_arguments or {}).get(job, arguments.table))
        log(f"job {job} wrote {', '.join(written)} in {time.monotonic() - job_started:.1f} s")
    log(f"done in {time.monotonic() - started:.1f} s")
    spark.stop()


def seed_entry_point(job: str, argv: Sequence[str], prog: str) -> int:
    """One job, the seed's arguments: `<BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE>`."""
    arguments = parse_arguments(argv, prog, description=f"Computes the {job} KPI tables.")
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
