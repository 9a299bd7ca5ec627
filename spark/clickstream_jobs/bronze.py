"""Which bronze objects a run reads, and reading them.

Bronze objects are keyed by ARRIVAL time (`events/year=YYYY/month=MM/day=DD/hour=HH/<object>`):
Firehose names an object after the arrival time of the oldest record in it (Firehose docs, "Custom
Prefixes for Amazon S3 Objects"), so an event of day D lands under day D or later, and under day
D - 1 when its clock runs behind or a buffer opened before midnight. Hence:

- a window run reads every object that arrived from the day before its first day up to the run's
  time (`as_of`), then keeps the events of its days: backfills and late events are never missed;
- an incremental run reads the objects it has not processed yet: those under hours after its
  high-water mark (the last *complete* arrival hour it processed) that are not among the objects it
  already read under later, still open hours;
- `--all` reads every object up to the run's time.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import FrozenSet, List, Optional, Sequence, Tuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .arguments import DayWindow
from .contracts import EVENT_SCHEMA_DDL

_HOUR_PATH = re.compile(r"/year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/[^/]+$")


@dataclass(frozen=True)
class BronzeObject:
    path: str
    size: int
    arrival_hour: datetime


@dataclass(frozen=True)
class BronzeState:
    """What a job has processed: every object under hours up to `high_water_mark`, plus `open_objects`
    under later hours (which may still receive objects); `first_arrival` is the earliest hour it ever read."""

    high_water_mark: Optional[datetime] = None
    open_objects: FrozenSet[str] = field(default_factory=frozenset)
    first_arrival: Optional[datetime] = None

    def processed(self, item: BronzeObject) -> bool:
        if self.high_water_mark is not None and item.arrival_hour <= self.high_water_mark:
            return True
        return item.path in self.open_objects


def arrival_hour(path: str) -> Optional[datetime]:
    """The arrival hour an object's key names, or None for a key outside the layout."""
    match = _HOUR_PATH.search(path)
    if not match:
        return None
    year, month, day, hour = (int(g) for g in match.groups())
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def last_complete_hour(as_of: datetime, settle_minutes: int) -> datetime:
    """The latest arrival hour no object can still land under at `as_of`: it ended `settle_minutes` ago."""
    return floor_hour(as_of - timedelta(minutes=settle_minutes)) - timedelta(hours=1)


def day_globs(bronze_path: str, first_day: Optional[date], last_day: date) -> List[str]:
    """Glob patterns of the objects under the arrival days first_day..last_day (all days without a first)."""
    base = bronze_path.rstrip("/")
    if first_day is None:
        return [f"{base}/year=*/month=*/day=*/hour=*/*"]
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    return [f"{base}/year={d:%Y}/month={d:%m}/day={d:%d}/hour=*/*" for d in days]


def first_listed_day(mode: str, window: Optional[DayWindow], states: Sequence[BronzeState]) -> Optional[date]:
    """The first arrival day a run must list: the day before a window; after the oldest state's mark."""
    if mode == "window":
        return window.from_date - timedelta(days=1)
    if mode == "all" or not states or any(s.high_water_mark is None for s in states):
        return None
    return (min(s.high_water_mark for s in states) + timedelta(hours=1)).date()


def select_objects(
    listed: Sequence[BronzeObject],
    mode: str,
    window: Optional[DayWindow],
    states: Sequence[BronzeState],
    as_of: datetime,
) -> List[BronzeObject]:
    """The objects to read: nothing after the run's hour; for a window, from the day before it; for an
    incremental run, what one of the jobs has not processed (the jobs of one application read together)."""
    until = floor_hour(as_of)
    candidates = [o for o in listed if o.arrival_hour <= until]
    if mode == "window":
        start = datetime.combine(window.from_date - timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
        return [o for o in candidates if o.arrival_hour >= start]
    if mode == "all" or not states:
        return candidates
    return [o for o in candidates if not all(s.processed(o) for s in states)]


def state_after(listed: Sequence[BronzeObject], as_of: datetime, settle_minutes: int, before: Optional[BronzeState]) -> BronzeState:
    """What has been processed once a run read `listed` up to `as_of`: complete hours up to the mark,
    and the objects read under the hours after it."""
    mark = last_complete_hour(as_of, settle_minutes)
    if before is not None and before.high_water_mark is not None and before.high_water_mark > mark:
        mark = before.high_water_mark
    until = floor_hour(as_of)
    firsts = [o.arrival_hour for o in listed[:1] if o.arrival_hour <= until]
    if before is not None and before.first_arrival is not None:
        firsts.append(before.first_arrival)
    return BronzeState(
        mark,
        frozenset(o.path for o in listed if mark < o.arrival_hour <= until),
        min(firsts) if firsts else None,
    )


def list_objects(spark: SparkSession, patterns: Sequence[str]) -> List[BronzeObject]:
    """The objects matching the globs, with sizes, in key order; hidden files (`_`, `.`) are skipped."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    found = {}
    for pattern in patterns:
        hadoop_path = jvm.org.apache.hadoop.fs.Path(pattern)
        statuses = hadoop_path.getFileSystem(conf).globStatus(hadoop_path) or []
        for status in statuses:
            if not status.isFile():
                continue
            path = status.getPath().toString()
            name = path.rsplit("/", 1)[-1]
            hour = arrival_hour(path)
            if hour is None or name.startswith(("_", ".")):
                continue
            found[path] = BronzeObject(path, int(status.getLen()), hour)
    return [found[p] for p in sorted(found)]


def read_objects(spark: SparkSession, objects: Sequence[BronzeObject]) -> DataFrame:
    """The rows of the objects with the event schema, plus `arrival_hour` and `source_file`."""
    if not objects:
        empty = spark.createDataFrame([], EVENT_SCHEMA_DDL)
        return empty.withColumn("arrival_hour", F.lit(None).cast("timestamp")).withColumn("source_file", F.lit(None).cast("string"))
    frame = spark.read.schema(EVENT_SCHEMA_DDL).parquet(*[o.path for o in objects])
    parts = [F.regexp_extract("source_file", _HOUR_PATH.pattern, n) for n in range(1, 5)]
    hour = F.to_timestamp(F.concat(parts[0], F.lit("-"), parts[1], F.lit("-"), parts[2], F.lit(" "), parts[3], F.lit(":00:00")))
    return frame.withColumn("source_file", F.input_file_name()).withColumn("arrival_hour", hour)


def describe_objects(objects: Sequence[BronzeObject]) -> Tuple[int, int]:
    """(objects, bytes)."""
    return len(objects), sum(o.size for o in objects)
