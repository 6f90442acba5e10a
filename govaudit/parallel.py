"""Run the checks of one run in two processes, so that both cores work after the crawl.

The checks are split into groups of about equal cost (Check.cost; checks that share a read, such as the
click graph of `CheckContext.navigation`, and checks with the checks they depend on stay together);
this process runs the first group and forked children run the others, each with its own read-only
connection to the store (a check never writes the store). Children write their CheckResults pickled to a temporary file; the results come back in
the order of `checks`, exactly as a serial run gives them. A child that dies is not an error of the
audit: its checks are run again here.

`GOVAUDIT_CHECK_WORKERS=1` runs every check in this process. Forking is used only where it is safe
and pays: on POSIX, from a process with no other thread, for a run with at least MIN_PAGES pages.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from govaudit import procs
from govaudit.models import CheckResult
from govaudit.plugins import Check
from govaudit.store import Store, open_store

MIN_PAGES = 200


def workers_wanted() -> int:
    raw = os.environ.get("GOVAUDIT_CHECK_WORKERS")
    if raw is not None and raw.strip():
        return max(1, int(raw))
    return min(2, os.cpu_count() or 1)


def can_fork(store: Store, run_id: int) -> bool:
    if sys.platform == "win32" or not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    return store.count("pages", run_id) >= MIN_PAGES


def units(checks: Sequence[Check]) -> list[list[Check]]:
    """The checks that must run in one process, each unit in `checks` order: checks whose shared reads
    (Check.shared_reads) overlap, so the read is done once, and a check with the checks it depends on
    (Check.depends_on), so their results are there for it."""
    parent = list(range(len(checks)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    index = {c.id: i for i, c in enumerate(checks)}
    for i, c in enumerate(checks):
        linked = [index[d] for d in c.depends_on if d in index]
        linked += [j for j, other in enumerate(checks[:i]) if c.shared_reads & other.shared_reads]
        for j in linked:
            parent[root(j)] = root(i)
    grouped: dict[int, list[Check]] = {}
    for i, c in enumerate(checks):
        grouped.setdefault(root(i), []).append(c)
    return list(grouped.values())


def split(checks: Sequence[Check], n: int) -> list[list[Check]]:
    """Groups of checks of about equal cost (Check.cost; longest first into the lightest group), each in
    `checks` order; the checks of a unit (see units) stay in one group."""
    index = {c.id: i for i, c in enumerate(checks)}
    ordered = sorted(units(checks), key=lambda u: (-sum(c.cost for c in u), index[u[0].id]))
    groups: list[list[Check]] = [[] for _ in range(min(n, len(ordered)))]
    loads = [0.0] * len(groups)
    for unit in ordered:
        i = loads.index(min(loads))
        groups[i] += unit
        loads[i] += sum(c.cost for c in unit)
    return [sorted(g, key=lambda c: index[c.id]) for g in groups if g]


Serial = Callable[..., list[CheckResult]]


@dataclass
class Child:
    pid: int
    out: str  # the file its pickled results go to (a pipe would hold it until read)
    group: list[Check]
    kwargs: dict[str, Any]  # serial's keyword arguments: a dead child's checks are run again with them
    status: int | None = None  # wait status, once reaped

    def done(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status is not None


def fork(store: Store, run_id: int, profile: Any, group: list[Check], browsers: dict | None, serial: Serial,
         **kwargs: Any) -> Child:
    """Run `serial(store, run_id, profile, group, browsers, workers=1, **kwargs)` in a forked child."""
    fd, out = tempfile.mkstemp(prefix="govaudit-checks-", suffix=".pickle")
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: run the group, write the results, leave without running any cleanup
        code = 1
        try:
            procs.default_signals()  # not the runner's handlers: SIGTERM ends a check process
            procs.die_with_parent(parent)  # and so does the runner's end, however it ends
            with open_store(store.url, readonly=True) as own:
                data = pickle.dumps(serial(own, run_id, profile, group, browsers, workers=1, **kwargs))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(fd)
    return Child(pid, out, group, kwargs)


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
            results += serial(store, run_id, profile, child.group, browsers, **{**child.kwargs, "workers": 1})
        finally:
            with contextlib.suppress(OSError):
                os.unlink(child.out)
    return results


def in_order(results: list[CheckResult], checks: Sequence[Check]) -> list[CheckResult]:
    order = {c.id: i for i, c in enumerate(checks)}
    return sorted(results, key=lambda r: order.get(r.check_id, len(order)))


def run_checks(store: Store, run_id: int, profile: Any, checks: list[Check], browsers: dict | None, n: int,
               serial: Serial, **kwargs: Any) -> list[CheckResult]:
    """`serial(store, run_id, profile, group, browsers, workers=1, **kwargs)` for each group, the groups at once."""
    groups = split(checks, n)
    children: list[Child] = []
    try:
        children += [fork(store, run_id, profile, group, browsers, serial, **kwargs) for group in groups[1:]]
        results = serial(store, run_id, profile, groups[0], browsers, workers=1, **kwargs)
        results += collect(store, run_id, profile, children, browsers, serial)
    except BaseException:  # interrupted (or a bug here): the children and their files go now
        abandon(children)
        raise
    return in_order(results, checks)


def abandon(children: list[Child]) -> None:
    """End the children still running (SIGKILL: they hold nothing that needs closing), reap them and
    remove their result files."""
    for child in children:
        with contextlib.suppress(OSError):
            if not child.done():
                os.kill(child.pid, signal.SIGKILL)
                child.status = os.waitpid(child.pid, 0)[1]
        with contextlib.suppress(OSError):
            os.unlink(child.out)
