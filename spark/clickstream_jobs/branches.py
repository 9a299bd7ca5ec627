"""The audit branch a run writes to (write-audit-publish), importable without Spark: the KPI jobs
write it (audit.py), maintenance drops abandoned ones, and publishing (publish.py, PyIceberg)
fast-forwards `main` to it. src/kpis/run-ledger.ts holds the same rule for the TypeScript side."""
import re
from typing import Optional

BRANCH_PREFIX = "audit_"
_RUN_ID = r"[A-Za-z0-9_-]{1,64}"


def audit_branch(run_id: str) -> str:
    """`audit_<run id>`; run ids are letters, digits, `_` and `-` (arguments.py)."""
    if not re.fullmatch(_RUN_ID, run_id):
        raise ValueError(f"not a run id: {run_id!r}")
    return f"{BRANCH_PREFIX}{run_id}"


def run_id_of_branch(branch: str) -> Optional[str]:
    """The run id of an audit branch, or None for another branch (run-ledger.ts runIdOfBranch)."""
    match = re.fullmatch(f"{BRANCH_PREFIX}({_RUN_ID})", branch)
    return match.group(1) if match else None
