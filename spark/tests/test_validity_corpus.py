"""The shared validity corpus (test/fixtures/validity-corpus.json) classified by the Spark jobs'
cleaning: the same rule blamed as the TypeScript reference and the validation SQL."""
import json
import math
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from clickstream_jobs.cleaning import broken_rule, is_valid
from clickstream_jobs.contracts import EVENT_SCHEMA_DDL

CORPUS = json.loads((Path(__file__).resolve().parents[2] / "test" / "fixtures" / "validity-corpus.json").read_text())
SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def decode(value):
    if isinstance(value, str) and value in SPECIAL:
        return SPECIAL[value]
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


def as_row(event):
    location = event["location"]
    as_double = lambda v: None if v is None else float(v)
    return (
        event["sensor_id"],
        as_double(event["temperature"]),
        as_double(event["humidity"]),
        None if location is None else (as_double(location["latitude"]), as_double(location["longitude"])),
        event["status"],
        event["event_type"],
        event["timestamp"],
        event["uuid"],
    )


CASES = [(c["name"], decode({**CORPUS["base"], **c["change"]}), c["rule"]) for c in CORPUS["cases"]]


@pytest.fixture(scope="module")
def blamed(spark):
    rows = [as_row(event) for _, event, _ in CASES]
    frame = spark.createDataFrame(rows, EVENT_SCHEMA_DDL).withColumn("case", F.monotonically_increasing_id())
    # The rule rejected_rows records, and the validity the valid events are kept by.
    judged = frame.select("case", broken_rule().alias("rule"), is_valid().alias("valid")).orderBy("case").collect()
    assert all(r.valid == (r.rule is None) for r in judged)
    return [r.rule for r in judged]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[name for name, _, _ in CASES])
def test_the_spark_cleaning_blames_the_corpus_rule(blamed, index):
    assert blamed[index] == CASES[index][2]
