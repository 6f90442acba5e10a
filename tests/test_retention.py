"""Pinning and retention: old runs lose page bodies and page-level detail, never their findings, scores,
link results or the run itself; pinned runs keep everything; a pruned run's report still rebuilds."""

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import yaml

from govaudit import retention
from govaudit.models import (
    CheckResult,
    CheckStatus,
    Finding,
    IndicatorScore,
    Link,
    LinkResult,
    LinkStatus,
    Page,
    RunStatus,
    Severity,
)
from govaudit.profile import Retention
from govaudit.store import PRUNED_BODIES, PRUNED_DETAIL, open_store, sqlite_path
from tests.siteserver import SiteServer, html
from tests.testdb import db_at, query, schema_at

GOVAUDIT = [sys.executable, "-m", "govaudit"]


def _cli(*args, cwd=None):
    return subprocess.run([*GOVAUDIT, *args], capture_output=True, text=True, timeout=240, cwd=cwd)


# -- the plan: which runs, pure --------------------------------------------------------------------------

NOW = datetime(2026, 6, 30, 3, 0, tzinfo=UTC)


def _runs(ages_days, extra=None):
    """Runs of one site, oldest first, started `age` days before NOW."""
    return [{"id": i + 1, "site": "s", "status": RunStatus.COMPLETED, "pinned": 0, "pruned": 0,
             "started_at": (NOW - timedelta(days=age)).isoformat(), **(extra or {}).get(i + 1, {})}
            for i, age in enumerate(ages_days)]


def test_plan_keeps_the_newest_runs_pinned_runs_and_runs_younger_than_the_limits():
    runs = _runs([200, 100, 40, 35, 20, 1, 0], {2: {"pinned": 1}})
    got = retention.plan(runs, Retention(keep_runs_full=2, keep_bodies_days=30, keep_detail_days=90), now=NOW)
    assert got.detail == [1]  # 200 days old; run 2 (100 days) is pinned
    assert got.bodies == [4, 3]  # 35 and 40 days old; run 5 (20 days) is young enough
    # the newest keep_runs_full runs are kept whatever their age
    old = _runs([400, 300, 200])
    assert retention.plan(old, Retention(keep_runs_full=2), now=NOW).detail == [1]
    assert retention.plan(old, Retention(keep_runs_full=3), now=NOW).detail == []


def test_plan_never_touches_running_runs_and_does_not_repeat_work():
    runs = _runs([100, 100, 100, 0], {1: {"status": RunStatus.RUNNING}, 2: {"pruned": PRUNED_DETAIL},
                                      3: {"pruned": PRUNED_BODIES}})
    got = retention.plan(runs, Retention(keep_runs_full=1, keep_bodies_days=30, keep_detail_days=90), now=NOW)
    assert got.detail == [3] and got.bodies == []  # 3 goes from bodies to detail; 2 is done; 1 is running


def test_null_limits_keep_forever():
    runs = _runs([1000, 1000, 0])
    assert retention.plan(runs, Retention(keep_runs_full=1, keep_bodies_days=None, keep_detail_days=None),
                          now=NOW) == retention.Plan()
    only_bodies = retention.plan(runs, Retention(keep_runs_full=1, keep_detail_days=None), now=NOW)
    assert only_bodies.bodies == [2, 1] and only_bodies.detail == []


# -- the store: one transaction, shared bodies, what stays ------------------------------------------------

def _page(url, body_hash, body):
    return Page(url=url, requested_url=url, http_status=200, content_type="text/html", charset="utf-8", lang="zh",
                title="t", body_hash=body_hash, size=len(body), fetched_at="t"), body


def _recorded_run(store, site, bodies):
    """A finished run with pages (bodies by hash), links, a link result, a finding and a score."""
    run = store.create_run(site=site, start_url="http://127.0.0.1/", tool_version="t", profile_hash="h",
                           profile={}, rubric="r@1")
    with store.transaction():
        store.add_pages(run, [_page(f"http://127.0.0.1/{h}", h, body) for h, body in bodies.items()])
        store.add_links(run, [Link("http://127.0.0.1/a", "http://127.0.0.1/gone", "", "gone", "a", "href", "", 1, 0)])
        store.add_link_results(run, [LinkResult(url="http://127.0.0.1/gone", status=LinkStatus.BROKEN, http_status=404)])
    store.add_axe_pages(run, [{"url": "http://127.0.0.1/a", "result": {"violations": []}}])
    finding = Finding("broken_links", "link.broken", Severity.HIGH, "HTTP 404", page="http://127.0.0.1/a",
                      target="http://127.0.0.1/gone")
    store.save_check_results(run, [CheckResult("broken_links", "1", CheckStatus.FAILED, {"broken": 1}, (finding,))])
    store.save_scores(run, [IndicatorScore("content_validity", "資訊內容有效性", 50.0, 100.0, "unmet", 1.0, (), "r@1")])
    store.finish_run(run, RunStatus.COMPLETED, stats={"pages_fetched": len(bodies)})
    return run


def _counts(store, run):
    return {t: store.count(t, run) for t in ("pages", "links", "link_results", "findings")} | {
        "scores": len(store.scores(run)), "axe": len(list(store.axe_pages(run)))}


def test_prune_removes_detail_and_unshared_bodies_in_one_transaction(store):  # on each backend
    r1 = _recorded_run(store, "s", {"shared": b"<p>same</p>", "old": b"<p>only in run 1</p>"})
    r2 = _recorded_run(store, "s", {"shared": b"<p>same</p>", "mid": b"<p>only in run 2</p>"})
    r3 = _recorded_run(store, "s", {"shared": b"<p>same</p>", "new": b"<p>only in run 3</p>"})
    r4 = _recorded_run(store, "s", {"pin": b"<p>only in the pinned run</p>"})
    store.set_pinned(r4, True, "年度評核")
    before = {r: _counts(store, r) for r in (r1, r2, r3, r4)}

    dry = store.prune([r2], [r1, r4], dry_run=True)
    assert {r: _counts(store, r) for r in (r1, r2, r3, r4)} == before  # a dry run changes nothing
    assert all(store.body(h) for h in ("shared", "old", "mid", "new", "pin"))

    done = store.prune([r2], [r1, r4])
    assert done == dry
    assert done["runs_detail"] == 1 and done["runs_bodies"] == 1  # the pinned run was not touched
    assert done["bodies"] == 2 and done["body_bytes"] > 0
    assert store.body("old") is None and store.body("mid") is None  # no unpruned run references them
    assert store.body("shared") and store.body("new") and store.body("pin")
    after = {r: _counts(store, r) for r in (r1, r2, r3, r4)}
    assert after[r1] == {**before[r1], "pages": 0, "links": 0, "axe": 0}  # detail gone
    assert after[r1]["findings"] == after[r1]["link_results"] == after[r1]["scores"] == 1  # kept
    assert after[r2] == before[r2]  # rows kept; only its body went
    assert after[r3] == before[r3] and after[r4] == before[r4]
    assert store.run(r1).pruned == PRUNED_DETAIL and store.run(r2).pruned == PRUNED_BODIES
    assert store.run(r4).pruned == 0 and store.run(r4).pin_note == "年度評核"


def test_a_prune_that_fails_midway_leaves_everything_as_it_was(store_url):
    with open_store(store_url) as store:
        r1 = _recorded_run(store, "s", {"old": b"<p>1</p>"})
        _recorded_run(store, "s", {"new": b"<p>2</p>"})
        before = _counts(store, r1)
    # a real failure inside the transaction, after the page rows went
    path = sqlite_path(store_url)
    if path is not None:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TRIGGER no_body_delete BEFORE DELETE ON bodies BEGIN SELECT RAISE(ABORT, 'disk'); END")
        failure: type[Exception] = sqlite3.DatabaseError
    else:
        with psycopg.connect(store_url, autocommit=True) as db:
            db.execute("CREATE FUNCTION disk() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk'; END $$"
                       " LANGUAGE plpgsql")
            db.execute("CREATE TRIGGER no_body_delete BEFORE DELETE ON bodies FOR EACH ROW EXECUTE FUNCTION disk()")
        failure = psycopg.errors.RaiseException
    with open_store(store_url) as store:
        with pytest.raises(failure, match="disk"):
            store.prune([], [r1])
        assert _counts(store, r1) == before and store.body("old") and store.run(r1).pruned == 0


# -- end to end: the real command, pin, automatic pruning, a pruned run's report ---------------------------

def _profile(tmp_path, **retention_settings):
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({
        "site": {"name": "保存測試機關"}, "checks": {"accessibility": None},
        "retention": {"keep_runs_full": 1, "keep_bodies_days": 0, "keep_detail_days": 0, **retention_settings},
    }, allow_unicode=True), encoding="utf-8")
    return path


def test_pinned_runs_survive_automatic_pruning_and_pruned_reports_rebuild(tmp_path):
    db, out = db_at(tmp_path / "a.sqlite"), tmp_path / "out"
    routes = {"/": html('<a href="/p.html">p</a><a href="/gone.html">gone</a>', title="首頁"),
              "/p.html": html("<p>night 1</p>")}
    profile = _profile(tmp_path)
    with SiteServer(routes) as server:
        def audit():
            proc = _cli("run", server.url, "--profile", str(profile), "--db", str(db), "--out", str(out),
                        "--offline")
            assert proc.returncode == 0, proc.stderr
            return json.loads((out / "results.json").read_text(encoding="utf-8"))

        first = audit()
        assert _cli("pin", "1", "--note", "114年度評核", "--db", str(db)).returncode == 0
        routes["/p.html"] = html("<p>night 2</p>")
        audit()
        routes["/p.html"] = html("<p>night 3</p>")
        audit()  # run 2 is now pruned (older than 0 days, not the newest, not pinned); run 1 is pinned

    with open_store(db, readonly=True) as store:
        assert store.run(1).pruned == 0 and store.count("pages", 1) == 3 and store.count("links", 1) > 0
        assert store.run(2).pruned == PRUNED_DETAIL and store.count("pages", 2) == 0
        assert store.count("links", 2) == 0 and store.count("findings", 2) > 0 and store.scores(2)
        assert store.run(3).pruned == 0 and store.count("pages", 3) == 3
        bodies = {p.url.rsplit("/", 1)[-1]: p.body_hash for p in store.pages(1)}
        assert store.body(bodies["p.html"]) is not None  # the pinned run's own body is still there

    listed = _cli("runs", "--db", str(db))
    assert listed.returncode == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert rows[0][:7] == ["run", "site", "status", "started", "pages", "pinned", "pruned"]
    assert rows[1][5] == "pinned: 114年度評核" and rows[2][6] == "detail" and rows[3][6] == ""

    rebuilt = _cli("report", "--run", "2", "--db", str(db), "--out", str(tmp_path / "r2"))
    assert rebuilt.returncode == 0, rebuilt.stderr
    doc = json.loads((tmp_path / "r2" / "results.json").read_text(encoding="utf-8"))
    assert doc["run"]["retention"]["pruned"] == "detail" and doc["run"]["retention"]["pruned_at"]
    gone = [lk for lk in doc["links"] if lk["url"].endswith("/gone.html")]
    assert gone and gone[0]["status"] == "broken" and gone[0]["sources"] == []  # kept result, pruned sources
    assert sum(len(c["findings"]) for c in doc["checks"]) == sum(len(c["findings"]) for c in first["checks"])
    assert doc["indicators"] and doc["indicators"][0]["score"] is not None
    report = (tmp_path / "r2" / "report.html").read_text(encoding="utf-8")
    assert "逐頁與逐連結明細" in report and "已依保存期限清除" in report
    english = _cli("report", "--run", "1", "--db", str(db), "--out", str(tmp_path / "r1"), "--lang", "en")
    assert english.returncode == 0
    assert "This run is pinned" in (tmp_path / "r1" / "report.html").read_text(encoding="utf-8")
    assert "114年度評核" in (tmp_path / "r1" / "report.html").read_text(encoding="utf-8")

    # unpinned, the old run goes at the next prune; --dry-run first says so and changes nothing
    assert _cli("unpin", "1", "--db", str(db)).returncode == 0
    dry = _cli("prune", "--db", str(db), "--dry-run")
    assert dry.returncode == 0 and "would prune" in dry.stdout and "detail: runs 1" in dry.stdout
    with open_store(db, readonly=True) as store:
        assert store.run(1).pruned == 0 and store.count("pages", 1) == 3
    done = _cli("prune", "--db", str(db), "--vacuum")
    assert done.returncode == 0 and "pruned" in done.stdout, done.stderr
    with open_store(db, readonly=True) as store:
        assert store.run(1).pruned == PRUNED_DETAIL and store.count("pages", 1) == 0
        assert store.count("findings", 1) > 0 and store.count("pages", 3) == 3


def test_pin_of_an_unknown_run_and_prune_during_a_run_are_usage_errors(tmp_path):
    db = db_at(tmp_path / "a.sqlite")
    with open_store(db) as store:
        _recorded_run(store, "s", {"x": b"x"})
    proc = _cli("pin", "7", "--db", str(db))
    assert proc.returncode == 3 and "no run 7" in proc.stderr
    assert _cli("pin", "1", "--db", str(db_at(tmp_path / "none.sqlite"))).returncode == 3
    with open_store(db) as holder, holder.run_lock("s"):  # the lock an audit holds
        busy = _cli("prune", "--db", str(db))
    assert busy.returncode == 3 and "another govaudit run is using" in busy.stderr


def test_runs_lists_a_database_of_the_schema_before_pins(tmp_path):
    """`govaudit runs` reads read-only: a database not yet migrated (no pin columns) still lists."""
    from govaudit.store.sqlite_schema import MIGRATIONS

    path = db_at(tmp_path / "old.sqlite")
    schema_at(path, next(i for i, script in enumerate(MIGRATIONS) if "pin_note" in script))  # before pins
    query(path, "INSERT INTO runs (site, start_url, status, started_at, tool_version, profile_hash, profile,"
                " rubric, stats) VALUES ('s', 'http://127.0.0.1/', 'completed', '2026-01-01T08:00:00+08:00', 'v', 'h', '{}', 'r', "
                "'{\"pages_fetched\": 4}')")
    proc = _cli("runs", "--db", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].split("\t")[:7] == ["1", "s", "completed", "2026-01-01T08:00:00+08:00", "4", "", ""]
    report = _cli("report", "--db", str(path), "--out", str(tmp_path / "out"))
    assert report.returncode == 0, report.stderr
