"""A pytest plugin (``-p pytest_outcomes``) that writes every test's outcome as one JSON line to the
file named by PYTEST_OUTCOMES_FILE, so that test/support/pytest.ts reports each pytest test as a
vitest case of its own, with its own failure text."""

import json
import os

_outcomes = {}


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(report.nodeid, {"nodeid": report.nodeid, "outcome": "passed", "details": ""})
    if report.failed:
        # A failing fixture (setup or teardown) is an error; a failing test body, a failure.
        entry["outcome"] = "failed" if report.when == "call" else "error"
        entry["details"] += f"[{report.when}]\n{report.longreprtext}\n"
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
        entry["details"] = report.longreprtext


def pytest_sessionfinish(session):
    path = os.environ.get("PYTEST_OUTCOMES_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            for entry in _outcomes.values():
                out.write(json.dumps(entry) + "\n")
