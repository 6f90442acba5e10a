"""The demo audit's results.json, normalised (tests/normalise.py), against tests/golden/demo-results.json:
any change in what an audit finds or how it is written shows here as a diff. The demo site is built for,
and the audit judges as of, tests.demoaudit.AS_OF (`govaudit demo --as-of`): the file holds on any day.
GOVAUDIT_UPDATE_GOLDEN=1 rewrites the golden file from this run (review the diff before committing it)."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from tests.demoaudit import DemoAudit
from tests.normalise import dumps

GOLDEN = Path(__file__).resolve().parent / "golden" / "demo-results.json"


def test_demo_results_match_the_golden_file(demo_audit: DemoAudit) -> None:
    got = dumps(demo_audit.results)
    if os.environ.get("GOVAUDIT_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(got, encoding="utf-8")
    want = GOLDEN.read_text(encoding="utf-8")
    if got != want:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "golden/demo-results.json",
                                    "this run", lineterm="", n=2)
        lines = list(diff)
        shown = "\n".join(lines[:200]) + (f"\n… {len(lines) - 200} more diff lines" if len(lines) > 200 else "")
        raise AssertionError(f"results.json differs from the golden file (GOVAUDIT_UPDATE_GOLDEN=1 rewrites "
                             f"it):\n{shown}")
