"""The audit branch a run writes to (write-audit-publish), importable without Spark: the KPI jobs
write it (audit.py), maintenance drops abandoned ones, and publishing (publish.py, PyIceberg)
fast-forwards `main` to it. src/kpis/run-ledger.ts holds the same rule for the TypeScript side."""
import re

BRANCH_PREFIX = "audit_"


def audit_branch(run_id: str) -> str:
    """`audit_<run id>`; run ids are letters, digits, `_` and `-` (arguments.py)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", run_id):
        raise ValueError(f"not a run id: {run_id!r}")
    return f"{BRANCH_PREFIX}{run_id}"
