from datetime import date, datetime, timezone

from clickstream_jobs.arguments import DayWindow
from clickstream_jobs.bronze import (
    BronzeObject,
    BronzeState,
    arrival_hour,
    day_globs,
    first_listed_day,
    last_complete_hour,
    select_objects,
    state_after,
)


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


def obj(day, hour, name="a"):
    return BronzeObject(f"s3://b/events/year=2026/month=03/day={day:02d}/hour={hour:02d}/{name}", 10, at(day, hour))


def test_arrival_hour_comes_from_the_key():
    assert arrival_hour("s3://b/events/year=2026/month=03/day=01/hour=23/x-1-2026") == at(1, 23)
    assert arrival_hour("s3://b/events/other/x") is None


def test_an_hour_is_complete_once_it_ended_settle_minutes_ago():
    # 03:30 with 20 minutes to settle: hour 02 (02:00-03:00) ended 30 minutes ago; hour 03 is open.
    assert last_complete_hour(at(5, 3, 30), 20) == at(5, 2)
    assert last_complete_hour(at(5, 3, 10), 20) == at(5, 1)


def test_a_window_lists_from_the_day_before_it_across_a_month_end():
    assert first_listed_day("window", DayWindow(date(2026, 3, 1), date(2026, 3, 2)), []) == date(2026, 2, 28)
    assert day_globs("s3://b/events/", date(2026, 2, 28), date(2026, 3, 1)) == [
        "s3://b/events/year=2026/month=02/day=28/hour=*/*",
        "s3://b/events/year=2026/month=03/day=01/hour=*/*",
    ]
    assert day_globs("s3://b/events", None, date(2026, 3, 1)) == ["s3://b/events/year=*/month=*/day=*/hour=*/*"]


def test_an_incremental_run_lists_after_the_oldest_mark_and_everything_for_a_new_job():
    states = [BronzeState(at(4, 23)), BronzeState(at(5, 2))]
    assert first_listed_day("incremental", None, states) == date(2026, 3, 5)
    assert first_listed_day("incremental", None, [BronzeState(at(5, 2)), BronzeState()]) is None
    assert first_listed_day("all", None, states) is None


def test_a_backfill_window_reads_from_the_day_before_it_up_to_today():
    listed = [obj(1, 23), obj(2, 0), obj(27, 9), obj(27, 10)]
    selected = select_objects(listed, "window", DayWindow(date(2026, 3, 3), date(2026, 3, 4)), [], at(27, 10, 5))
    assert [o.path for o in selected] == [listed[1].path, listed[2].path, listed[3].path]


def test_nothing_after_the_run_s_own_hour_is_read():
    listed = [obj(5, 3), obj(5, 4)]
    assert select_objects(listed, "all", None, [], at(5, 3, 30)) == [listed[0]]


def test_an_incremental_run_reads_only_what_it_has_not_processed():
    before = BronzeState(at(5, 2), frozenset({obj(5, 3, "old").path}))
    listed = [obj(5, 2, "late-but-closed"), obj(5, 3, "old"), obj(5, 3, "new"), obj(5, 4, "next")]
    selected = select_objects(listed, "incremental", None, [before], at(5, 4, 30))
    assert [o.path for o in selected] == [obj(5, 3, "new").path, obj(5, 4, "next").path]


def test_the_state_after_a_run_closes_hours_and_remembers_open_objects():
    listed = [obj(5, 2), obj(5, 3, "x"), obj(5, 3, "y"), obj(5, 5)]
    after = state_after(listed, at(5, 3, 30), 20, BronzeState(at(5, 1)))
    assert after.high_water_mark == at(5, 2)
    # Hour 05 is after the run's own time: not read, so not remembered.
    assert after.open_objects == frozenset({obj(5, 3, "x").path, obj(5, 3, "y").path})
    assert after.processed(obj(5, 2, "anything")) and after.processed(obj(5, 3, "x"))
    assert not after.processed(obj(5, 3, "z"))


def test_a_mark_never_moves_back():
    assert state_after([], at(5, 1, 30), 20, BronzeState(at(5, 6))).high_water_mark == at(5, 6)
