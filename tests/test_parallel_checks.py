"""Checks run in two forked processes (govaudit/parallel.py) give exactly what a serial run gives, in the
same order; a check process that dies has its checks run again in the parent."""

import os
import threading
import time

import pytest

from govaudit import parallel, runner
from govaudit.models import CheckStatus
from govaudit.plugins import Check
from govaudit.store import open_store


def _comparable(results):
    return [(r.check_id, r.version, r.status, r.metrics, [f.fingerprint for f in r.findings],
             [(f.code, f.page, f.target, f.message, f.evidence) for f in r.findings], r.error, r.data)
            for r in results]


def _no_threads():
    deadline = time.monotonic() + 10
    while threading.active_count() > 1 and time.monotonic() < deadline:  # server handler threads ending
        time.sleep(0.05)
    return threading.active_count() == 1


@pytest.fixture
def audited(full_site_audit):
    return full_site_audit


def test_parallel_checks_equal_serial_checks(audited, monkeypatch):
    db, profile = audited
    monkeypatch.setattr(parallel, "MIN_PAGES", 0)
    checks = runner.build_checks(profile)
    with open_store(db) as store:
        run_id = store.latest_run_id()
        serial = runner.run_checks(store, run_id, profile, checks, {}, workers=1)
        assert _no_threads(), "a thread outlived the test server: the parallel path would not be taken"
        assert parallel.can_fork(store, run_id)
        assert len(parallel.split(checks, 2)) == 2
        forked = runner.run_checks(store, run_id, profile, checks, {}, workers=2)
    assert [r.check_id for r in forked] == [c.id for c in checks]
    assert _comparable(forked) == _comparable(serial)
    assert any(r.findings for r in forked)


class _DiesInAChild(Check):
    id = "zz_dies_in_a_child"
    title = title_zh = "test"
    version = "1"
    parent = os.getpid()

    def run(self, ctx):
        if os.getpid() != self.parent:
            os._exit(7)  # the check process dies without sending anything
        return self.result(CheckStatus.PASSED, {"ran_in": "parent"}, [])


def test_a_dead_check_process_has_its_checks_run_again_here(audited, monkeypatch):
    db, profile = audited
    monkeypatch.setattr(parallel, "MIN_PAGES", 0)
    checks = [c for c in runner.build_checks(profile) if c.id == "services"] + [_DiesInAChild({})]
    assert [[c.id for c in g] for g in parallel.split(checks, 2)] == [["services"], [_DiesInAChild.id]]
    with open_store(db) as store:
        assert _no_threads()
        results = runner.run_checks(store, store.latest_run_id(), profile, checks, {}, workers=2)
    assert [r.check_id for r in results] == ["services", _DiesInAChild.id]
    assert results[1].status == CheckStatus.PASSED and results[1].metrics == {"ran_in": "parent"}


def test_small_runs_and_threaded_processes_stay_serial(audited):
    db, _ = audited
    with open_store(db) as store:
        assert not parallel.can_fork(store, store.latest_run_id())  # fewer than MIN_PAGES pages
