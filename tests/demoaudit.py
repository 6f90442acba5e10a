"""One `govaudit demo` run through the real CLI, and its outputs as a record."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The day the demo site is built for and the audit judges as of (`govaudit demo --as-of`): the demo's outputs,
# and so tests/golden/demo-results.json, are the same whatever day the tests run.
AS_OF = "2026-12-07"


@dataclass(frozen=True)
class DemoAudit:
    """The outputs of one `govaudit demo` run. Read-only for the tests that share it: a test that adds
    runs to `db` writes its outputs elsewhere, and never changes `out`."""

    base: Path
    db: Path | str  # a SQLite file or a PostgreSQL URL (GOVAUDIT_TEST_STORE)
    out: Path
    proc: subprocess.CompletedProcess[str]
    results: dict[str, Any]
    truth: dict[str, Any]


def free_port() -> int:
    """A port free on 127.0.0.1 now: the demo's fixed default (8470) would collide between test processes."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_demo(db: Path | str, out: Path, port: int | None = None, as_of: str = AS_OF) -> tuple[
        subprocess.CompletedProcess[str], dict[str, Any], dict[str, Any]]:
    """`govaudit demo --as-of AS_OF` through the real CLI into `db` (a path or a store URL): (process,
    results.json, demo-ground-truth.json)."""
    proc = subprocess.run([sys.executable, "-m", "govaudit", "demo", "--db", str(db), "--out", str(out),
                           "--port", str(port or free_port()), "--as-of", as_of], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (proc, json.loads((out / "results.json").read_text(encoding="utf-8")),
            json.loads((out / "demo-ground-truth.json").read_text(encoding="utf-8")))
