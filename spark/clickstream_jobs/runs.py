"""The runs ledger `_kpi_runs`: one row per job and run, with what it read, which event days it
recomputed, and the job's high-water mark after it. An incremental run starts from the latest row
of its job, and the row is written last, so a run that fails or is interrupted is simply repeated."""
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Dict, List, Optional, Sequence

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from .bronze import BronzeState
from .contracts import INTERNAL_TABLE_COLUMNS
from .tables import column_names

RUNS_TABLE = "_kpi_runs"


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    job: str
    mode: str
    as_of: datetime
    window_from: Optional[date]
    window_to: Optional[date]
    state: BronzeState
    read: BronzeState
    recomputed_days: List[date]
    bronze_objects: int
    bronze_bytes: int
    rows_read: int
    rows_rejected: int
    rows_valid: int
    duplicates: int

    def as_row(self, finished_at: datetime) -> tuple:
        return (
            self.run_id,
            self.job,
            self.mode,
            self.as_of,
            finished_at,
            self.window_from,
            self.window_to,
            self.state.high_water_mark,
            sorted(self.state.open_objects),
            self.read.high_water_mark,
            sorted(self.read.open_objects),
            self.read.first_arrival,
            sorted(self.recomputed_days),
            self.bronze_objects,
            self.bronze_bytes,
            self.rows_read,
            self.rows_rejected,
            self.rows_valid,
            self.duplicates,
        )

    def summary(self) -> dict:
        """The record as the JSON line the jobs print (`[kpis] run {...}`), which the runners parse."""
        return {
            "runId": self.run_id,
            "job": self.job,
            "mode": self.mode,
            "asOf": self.as_of.isoformat().replace("+00:00", "Z"),
            "window": None if self.window_from is None else {"fromDate": str(self.window_from), "toDate": str(self.window_to)},
            "highWaterMark": None if self.state.high_water_mark is None else self.state.high_water_mark.isoformat().replace("+00:00", "Z"),
            "openObjects": len(self.state.open_objects),
            "readThrough": None if self.read.high_water_mark is None else self.read.high_water_mark.isoformat().replace("+00:00", "Z"),
            "firstArrival": None if self.read.first_arrival is None else self.read.first_arrival.isoformat().replace("+00:00", "Z"),
            "recomputedDays": [str(d) for d in sorted(self.recomputed_days)],
            "bronzeObjects": self.bronze_objects,
            "bronzeBytes": self.bronze_bytes,
            "rowsRead": self.rows_read,
            "rowsRejected": self.rows_rejected,
            "rowsValid": self.rows_valid,
            "duplicates": self.duplicates,
        }


def read_states(spark: SparkSession, table: str, jobs: Sequence[str]) -> Dict[str, BronzeState]:
    """Each job's state after its latest run; jobs that never ran are absent."""
    # The mark as epoch seconds: PySpark turns TIMESTAMP values into the Python process's local time.
    latest = (
        spark.table(table)
        .where(F.col("job").isin(list(jobs)))
        .groupBy("job")
        .agg(
            F.max(
                F.struct(
                    "finished_at",
                    F.col("high_water_mark").cast("long").alias("mark"),
                    "open_objects",
                    F.col("first_arrival").cast("long").alias("first"),
                )
            ).alias("latest")
        )
        .collect()
    )
    states = {}
    for row in latest:
        mark, first = row.latest.mark, row.latest.first
        states[row.job] = BronzeState(
            None if mark is None else datetime.fromtimestamp(mark, tz=timezone.utc),
            frozenset(row.latest.open_objects or []),
            None if first is None else datetime.fromtimestamp(first, tz=timezone.utc),
        )
    return states


def append_records(spark: SparkSession, table: str, records: Sequence[RunRecord]) -> None:
    columns = INTERNAL_TABLE_COLUMNS[RUNS_TABLE]
    finished = datetime.now(timezone.utc)
    frame = spark.createDataFrame([record.as_row(finished) for record in records], columns)
    frame.select(*column_names(columns)).writeTo(table).append()
