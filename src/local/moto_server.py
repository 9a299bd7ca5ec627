"""Starts moto server (the local AWS emulator) with constant-time Kinesis shard lookups, Kinesis
shards that hold under concurrent calls, and Glue's column-statistics reads.

moto's Kinesis shard keeps its records in an ordered dict keyed by sequence number, and finds
the newest one with ``list(self.records.keys())[-1]``: every put copies every key the shard
already holds, so a million-event replay slows to a crawl (quadratic time). GetRecords likewise
walks the shard from its first record on every call. This launcher replaces those lookups with
constant-time ones that return exactly what moto's own code returns.

moto server answers each request on a thread of its own, but its Kinesis shard numbers a new
record "newest + 1" and stores it without a lock (its own comment: "not safe for concurrency"):
two PutRecords calls in flight can take the same sequence number, and one record silently replaces
the other although both were acknowledged; reading the newest key while another thread inserts
can also fail the call ("OrderedDict mutated during iteration"), which the producer then retries
in full. One lock serializes every Kinesis call that numbers, reads or moves a shard's records.
It costs no parallelism: the interpreter lock already runs one thread at a time, and the HTTP
parsing and serialization around these calls still overlap.

moto also lacks Glue's GetColumnStatisticsForTable/-Partition: it answers HTTP 500, and Trino's
Glue client retries each call with backoff, which cost the first query on the raw table about 35 s
of planning. Here they answer as Glue does for columns nobody computed statistics for (nothing in
this pipeline does): an empty list, after checking that the table (or partition) exists.

Everything else (the HTTP API, validation, responses) is moto's, unchanged.

Usage: python moto_server.py [moto_server arguments], e.g. ``-H 127.0.0.1 -p 5000``.
"""

import functools
import sys
import threading
from typing import Any, Callable, TypeVar

from moto.core.responses import ActionResult
from moto.glue.responses import GlueResponse
from moto.kinesis.models import Shard, Stream

_original_get_records = Shard.get_records

# Re-entrant: a put through the stream, and resharding, call the shard's own locked methods.
KINESIS_LOCK = threading.RLock()

F = TypeVar("F", bound=Callable[..., Any])


def serialized(method: F) -> F:
    """``method`` run while holding :data:`KINESIS_LOCK`."""

    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with KINESIS_LOCK:
            return method(*args, **kwargs)

    return locked  # type: ignore[return-value]


def get_max_sequence_number(self: Shard) -> int:
    """The newest record's sequence number (0 when empty), without listing the keys."""
    return next(reversed(self.records)) if self.records else 0


def get_min_sequence_number(self: Shard) -> int:
    """The oldest record's sequence number (0 when empty), without listing the keys."""
    return next(iter(self.records)) if self.records else 0


def get_records(self: Shard, last_sequence_id: str, limit: Any) -> Any:
    """Records after ``last_sequence_id``, reading from there instead of the shard's start.

    Sequence numbers of a shard are 1, 2, 3, ... (each put adds one to the newest), so the next
    record after N is N + 1. If that ever does not hold (N + 1 absent but newer records exist),
    moto's own scan answers.
    """
    if limit is not None and limit < 1:
        return _original_get_records(self, last_sequence_id, limit)
    last = int(last_sequence_id)
    newest = get_max_sequence_number(self)
    if last >= newest:
        return [], last, 0
    if last + 1 not in self.records:
        return _original_get_records(self, last_sequence_id, limit)
    newest_created_at = self.records[newest].created_at
    results = []
    sequence = last + 1
    while sequence <= newest and (limit is None or len(results) < limit):
        record = self.records.get(sequence)
        if record is None:
            break
        results.append(record)
        sequence += 1
    millis_behind_latest = int((newest_created_at - results[-1].created_at) * 1000)
    return results, results[-1].sequence_number, millis_behind_latest


def get_column_statistics_for_table(self: GlueResponse) -> ActionResult:
    """No statistics: the table must exist (EntityNotFoundException otherwise, as Glue says)."""
    self.glue_backend.get_table(self.parameters.get("DatabaseName"), self.parameters.get("TableName"))
    return ActionResult({"ColumnStatisticsList": [], "Errors": []})


def get_column_statistics_for_partition(self: GlueResponse) -> ActionResult:
    """No statistics: the partition must exist (EntityNotFoundException otherwise, as Glue says)."""
    params = self.parameters
    self.glue_backend.get_partition(params.get("DatabaseName"), params.get("TableName"), params.get("PartitionValues"))
    return ActionResult({"ColumnStatisticsList": [], "Errors": []})


Shard.get_max_sequence_number = serialized(get_max_sequence_number)
Shard.get_min_sequence_number = serialized(get_min_sequence_number)
Shard.get_records = serialized(get_records)
Shard.get_sequence_number_at = serialized(Shard.get_sequence_number_at)
Shard.put_record = serialized(Shard.put_record)
# The stream picks the shard from its shard map, which resharding rewrites and refills.
for _name in ("put_record", "split_shard", "merge_shards", "update_shard_count"):
    setattr(Stream, _name, serialized(getattr(Stream, _name)))
GlueResponse.get_column_statistics_for_table = get_column_statistics_for_table
GlueResponse.get_column_statistics_for_partition = get_column_statistics_for_partition

if __name__ == "__main__":
    from moto.server import main

    sys.argv[0] = "moto_server"
    sys.exit(main())
