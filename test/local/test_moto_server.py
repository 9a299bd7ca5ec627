"""The launcher's Kinesis shard lookups answer exactly what moto's own do."""

import importlib.util
import pathlib
import sys
import threading

import pytest
from moto.kinesis.models import Shard

ORIGINAL = {
    "get_records": Shard.get_records,
    "get_max_sequence_number": Shard.get_max_sequence_number,
    "get_min_sequence_number": Shard.get_min_sequence_number,
    "put_record": Shard.put_record,
}
LAUNCHER = pathlib.Path(__file__).resolve().parents[2] / "src" / "local" / "moto_server.py"
spec = importlib.util.spec_from_file_location("moto_server_launcher", LAUNCHER)
launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launcher)


def shard_with(count: int) -> Shard:
    shard = Shard(0, 0, 2**128)
    for i in range(count):
        shard.put_record(f"key-{i % 7}", f"data-{i}", None)
    return shard


def test_the_launcher_replaced_the_lookups():
    assert Shard.get_records.__wrapped__ is launcher.get_records
    assert Shard.get_max_sequence_number.__wrapped__ is launcher.get_max_sequence_number
    assert Shard.put_record.__wrapped__ is ORIGINAL["put_record"]


@pytest.mark.parametrize("count", [0, 1, 2, 37])
def test_min_and_max_sequence_numbers_match(count):
    shard = shard_with(count)
    assert launcher.get_max_sequence_number(shard) == ORIGINAL["get_max_sequence_number"](shard)
    assert launcher.get_min_sequence_number(shard) == ORIGINAL["get_min_sequence_number"](shard)


def test_puts_number_records_one_after_another():
    shard = shard_with(5)
    assert list(shard.records) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("count", [0, 1, 25])
@pytest.mark.parametrize("limit", [None, 0, 1, 3, 10, 25, 10_000])
def test_get_records_matches_from_every_position(count, limit):
    shard = shard_with(count)
    for last in range(0, count + 3):
        ours = launcher.get_records(shard, str(last), limit)
        theirs = ORIGINAL["get_records"](shard, str(last), limit)
        assert [r.sequence_number for r in ours[0]] == [r.sequence_number for r in theirs[0]], (last, limit)
        assert ours[1:] == theirs[1:], (last, limit)


def test_get_records_falls_back_to_moto_when_numbers_have_gaps():
    shard = shard_with(10)
    del shard.records[4]
    ours = launcher.get_records(shard, "3", 3)
    theirs = ORIGINAL["get_records"](shard, "3", 3)
    assert [r.sequence_number for r in ours[0]] == [5, 6, 7]
    assert [r.sequence_number for r in ours[0]] == [r.sequence_number for r in theirs[0]]


def test_concurrent_puts_keep_every_record_once():
    """Threads put into one shard at once, as moto server's request threads do; switching threads
    as often as the interpreter allows makes moto's unlocked "newest + 1" lose records at once."""
    threads, puts = 8, 2_000
    shard = Shard(0, 0, 2**128)
    start = threading.Barrier(threads)

    def producer(n: int) -> None:
        start.wait()
        for i in range(puts):
            shard.put_record(f"key-{n}", f"data-{n}-{i}", None)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        workers = [threading.Thread(target=producer, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert list(shard.records) == list(range(1, threads * puts + 1))
    assert sorted(r.data for r in shard.records.values()) == sorted(f"data-{n}-{i}" for n in range(threads) for i in range(puts))
