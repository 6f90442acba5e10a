"""Run the checks of one run in two processes, so that both cores work after the crawl.

The checks are split into groups of about equal cost (checks that share a read, such as the click
graph of `CheckContext.navigation`, stay together); this process runs the first group and forked
children run the others, each with its own read-only connection to the store (a check never writes
the store). Children write their CheckResults pickled to a temporary file; the results come back in
the order of `checks`, exactly as a serial run gives them. A child that dies is not an error of the
audit: its checks are run again here.

`GOVAUDIT_CHECK_WORKERS=1` runs every check in this process. Forking is used only where it is safe
and pays: on POSIX, from a process with no other thread, for a run with at least MIN_PAGES pages.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from govaudit.models import CheckResult
from govaudit.store import Store, open_store

MIN_PAGES = 200
# Relative post-crawl cost of a check on a large site (measured on the benchmark's heavy variant);
# unlisted checks count as light.
COST = {"services": 4.0, "disclosure": 3.0, "freshness": 1.0, "accessibility": 2.0, "broken_links": 1.0,
        "bilingual": 1.0}
LIGHT = 0.5
# Checks that read the same expensive thing once per process (CheckContext.shared) run together.
TOGETHER = (("services", "freshness"),)


def workers_wanted() -> int:
    raw = os.environ.get("GOVAUDIT_CHECK_WORKERS")
    if raw is not None and raw.strip():
        return max(1, int(raw))
    return min(2, os.cpu_count() or 1)


def can_fork(store: Store, run_id: int) -> bool:
    if sys.platform == "win32" or not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    return store.count("pages", run_id) >= MIN_PAGES


def split(checks: list[Any], n: int) -> list[list[Any]]:
    """Groups of checks of about equal cost (longest first into the lightest group), each in `checks` order."""
    index = {c.id: i for i, c in enumerate(checks)}
    units: list[list[Any]] = []
    placed: set[str] = set()
    for ids in TOGETHER:
        unit = [c for c in checks if c.id in ids]
        if unit:
            units.append(unit)
            placed.update(c.id for c in unit)
    units += [[c] for c in checks if c.id not in placed]
    units.sort(key=lambda u: (-sum(COST.get(c.id, LIGHT) for c in u), index[u[0].id]))
    groups: list[list[Any]] = [[] for _ in range(min(n, len(units)))]
    loads = [0.0] * len(groups)
    for unit in units:
        i = loads.index(min(loads))
        groups[i] += unit
        loads[i] += sum(COST.get(c.id, LIGHT) for c in unit)
    return [sorted(g, key=lambda c: index[c.id]) for g in groups if g]


Serial = Callable[..., list[CheckResult]]


@dataclass
class Child:
    pid: int
    out: str  # the file its pickled results go to (a pipe would hold it until read)
    group: list[Any]
    status: int | None = None  # wait status, once reaped

    def done(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status is not None


def fork(store: Store, run_id: int, profile: Any, group: list[Any], browsers: dict | None, serial: Serial,
         **kwargs: Any) -> Child:
    """Run `serial(store, run_id, profile, group, browsers, workers=1, **kwargs)` in a forked child."""
    fd, out = tempfile.mkstemp(prefix="govaudit-checks-", suffix=".pickle")
    pid = os.fork()
    if pid == 0:  # the child: run the group, write the results, leave without running any cleanup
        code = 1
        try:
            with open_store(store.url, readonly=True) as own:
                data = pickle.dumps(serial(own, run_id, profile, group, browsers, workers=1, **kwargs))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(fd)
    return Child(pid, out, group)


def collect(store: Store, run_id: int, profile: Any, children: list[Child], browsers: dict | None,
            serial: Serial) -> list[CheckResult]:
    """The children's results; a child that died has its checks run again here."""
    results = []
    for child in children:
        if child.status is None:
            child.status = os.waitpid(child.pid, 0)[1]
        try:
            if os.waitstatus_to_exitcode(child.status) != 0:
                raise ValueError("the check process failed")
            with open(child.out, "rb") as fh:
                results += pickle.load(fh)
        except Exception:  # the child died: its checks run here
            results += serial(store, run_id, profile, child.group, browsers, workers=1)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(child.out)
    return results


def in_order(results: list[CheckResult], checks: list[Any]) -> list[CheckResult]:
    order = {c.id: i for i, c in enumerate(checks)}
    return sorted(results, key=lambda r: order.get(r.check_id, len(order)))


def run_checks(store: Store, run_id: int, profile: Any, checks: list[Any], browsers: dict | None, n: int,
               serial: Serial) -> list[CheckResult]:
    """`serial(store, run_id, profile, checks, browsers, workers=1)` for each group, the groups at once."""
    groups = split(checks, n)
    children = [fork(store, run_id, profile, group, browsers, serial) for group in groups[1:]]
    results = serial(store, run_id, profile, groups[0], browsers, workers=1)
    results += collect(store, run_id, profile, children, browsers, serial)
    return in_order(results, checks)
