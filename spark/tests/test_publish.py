from datetime import datetime

import pytest

from clickstream_jobs.publish import PublishRefused, TableRefs, check_ancestry, check_verdict, publish_order


def verdict(passed, at, failed_checks="", failed=0):
    return {"run_id": "r1", "validated_at": datetime(2026, 3, 1, at), "engine": "trino", "passed": passed, "checks": 80, "failed": failed, "failed_checks": failed_checks}


def test_the_runs_ledger_is_published_last():
    assert publish_order(["_kpi_runs", "sensor_health", "_valid_events", "rejected_events"]) == [
        "_valid_events", "rejected_events", "sensor_health", "_kpi_runs"
    ]


def test_a_run_needs_a_passing_verdict_and_the_latest_counts():
    with pytest.raises(PublishRefused, match="has not been validated"):
        check_verdict([], "r1")
    with pytest.raises(PublishRefused, match=r"failed validation \(2 of 80 checks on trino\): sensor_health unique-grain"):
        check_verdict([verdict(True, 1), verdict(False, 2, "sensor_health unique-grain; event_geo_kpis_events fresh", 2)], "r1")
    check_verdict([verdict(False, 1, "x", 1), verdict(True, 2)], "r1")


def test_publishing_refuses_when_main_moved_since_the_branch_was_cut():
    refs = [TableRefs("sensor_health", 10, 12), TableRefs("temp_humidity_kpis", 20, 22), TableRefs("new_table", None, 5)]
    check_ancestry(refs, {"sensor_health": [12, 11, 10], "temp_humidity_kpis": [22, 20], "new_table": [5]}, "r1")
    with pytest.raises(PublishRefused, match="main moved since run r1 was cut .* in temp_humidity_kpis"):
        check_ancestry(refs, {"sensor_health": [12, 11, 10], "temp_humidity_kpis": [22, 19], "new_table": [5]}, "r1")
