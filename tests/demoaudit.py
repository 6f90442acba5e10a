"""One `govaudit demo` run through the real CLI, and its outputs as a record."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DemoAudit:
    """The outputs of one `govaudit demo` run. Read-only for the tests that share it: a test that adds
    runs to `db` writes its outputs elsewhere, and never changes `out`."""

    base: Path
    db: Path
    out: Path
    proc: subprocess.CompletedProcess[str]
    results: dict[str, Any]
    truth: dict[str, Any]


def run_demo(db: Path | str, out: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], dict[str, Any]]:
    """`govaudit demo` through the real CLI into `db` (a path or a store URL): (process, results.json,
    demo-ground-truth.json)."""
    proc = subprocess.run([sys.executable, "-m", "govaudit", "demo", "--db", str(db), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (proc, json.loads((out / "results.json").read_text(encoding="utf-8")),
            json.loads((out / "demo-ground-truth.json").read_text(encoding="utf-8")))
