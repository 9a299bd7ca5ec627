"""The jobs' argument parser (clickstream_jobs/arguments.py) on the shared argument corpus
(test/fixtures/argument-corpus.json, also judged by TypeScript, which makes the arguments): it
accepts exactly the values TypeScript does, and reads each as TypeScript does."""
import argparse
import json
from datetime import datetime
from pathlib import Path

import pytest

from clickstream_jobs.arguments import run_id, settle_minutes, utc_day, utc_time

CORPUS = json.loads((Path(__file__).resolve().parents[2] / "test" / "fixtures" / "argument-corpus.json").read_text(encoding="utf-8"))


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("day", CORPUS["days"]["valid"])
def test_a_valid_day_is_taken(day):
    assert utc_day(day).isoformat() == day


@pytest.mark.parametrize("day", CORPUS["days"]["invalid"], ids=repr)
def test_an_invalid_day_is_refused(day):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a UTC day as YYYY-MM-DD"):
        utc_day(day)


@pytest.mark.parametrize("value", CORPUS["runIds"]["valid"])
def test_a_valid_run_id_is_taken(value):
    assert run_id(value) == value


@pytest.mark.parametrize("value", CORPUS["runIds"]["invalid"], ids=repr)
def test_an_invalid_run_id_is_refused(value):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a run id"):
        run_id(value)


@pytest.mark.parametrize("value", CORPUS["settleMinutes"]["valid"])
def test_valid_settle_minutes_are_taken(value):
    assert settle_minutes(value) == int(value)


@pytest.mark.parametrize("value", CORPUS["settleMinutes"]["invalid"], ids=repr)
def test_invalid_settle_minutes_are_refused(value):
    with pytest.raises(argparse.ArgumentTypeError, match="whole number of minutes"):
        settle_minutes(value)


@pytest.mark.parametrize("case", CORPUS["asOf"]["valid"], ids=lambda c: c["value"])
def test_a_valid_as_of_is_read_as_typescript_reads_it(case):
    assert utc_time(case["value"]) == instant(case["instant"])
    assert utc_time(case["argument"]) == instant(case["instant"]).replace(microsecond=0)


@pytest.mark.parametrize("value", CORPUS["asOf"]["invalid"], ids=repr)
def test_an_invalid_as_of_is_refused(value):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a UTC time"):
        utc_time(value)
