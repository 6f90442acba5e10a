"""The store interface, through open_store (the SQLite backend on real files)."""

import os
import sqlite3

import pytest

from govaudit.models import (
    CheckResult,
    CheckStatus,
    Finding,
    Link,
    LinkResult,
    LinkStatus,
    Page,
    Run,
    RunStatus,
    Severity,
)
from govaudit.profile import ConfigError
from govaudit.store import Store, StoreError, open_store
from govaudit.store.sqlite_schema import MIGRATIONS


def _run(store: Store, site: str = "s") -> int:
    return store.create_run(site=site, start_url="http://127.0.0.1/", tool_version="t", profile_hash="h", profile={},
                            rubric="r@1")


def _schema_version(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_new_database_is_migrated_and_in_wal_mode(tmp_path):
    path = tmp_path / "a.sqlite"
    open_store(path).close()
    assert _schema_version(path) == len(MIGRATIONS)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_url_forms_open_the_same_database(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite"
    with open_store(path) as store:
        first = _run(store)
        url = store.url
    assert url == f"sqlite:///{path.resolve()}"  # sqlite:////absolute, as SQLAlchemy spells it
    monkeypatch.chdir(tmp_path)
    for form in (url, str(path), "a.sqlite", "sqlite:///a.sqlite"):
        with open_store(form, readonly=True) as store:
            assert store.run(first).id == first


def test_other_store_kinds_are_not_supported_yet(tmp_path):
    with pytest.raises(StoreError, match="postgresql:// store is not supported yet"):
        open_store("postgresql://db.example/govaudit")


def test_database_from_a_newer_govaudit_is_refused(tmp_path):
    path = tmp_path / "a.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer govaudit"):
        open_store(path)


def test_readonly_store_refuses_writes_and_missing_databases(tmp_path):
    path = tmp_path / "a.sqlite"
    with pytest.raises(StoreError, match="no database"):
        open_store(path, readonly=True)
    open_store(path).close()
    with open_store(path, readonly=True) as store, pytest.raises(sqlite3.OperationalError, match="readonly"):
        _run(store)


def test_the_run_lock_is_refused_to_a_second_run_even_through_a_symlink(tmp_path):
    path = tmp_path / "a.sqlite"
    link = tmp_path / "link.sqlite"
    open_store(path).close()
    os.symlink(path, link)
    with open_store(path) as first, first.run_lock("s"):
        with open_store(link) as second, pytest.raises(ConfigError, match="another govaudit run is using .* for s"):
            with second.run_lock("s"):
                pass
    with open_store(link) as again, again.run_lock("s"):  # released when the holder is done
        pass


def test_audits_of_different_sites_share_the_store_and_store_wide_work_excludes_them(tmp_path):
    path = tmp_path / "a.sqlite"
    with open_store(path) as a, open_store(path) as b, open_store(path) as c:
        with a.run_lock("機關甲"), b.run_lock("機關乙"):  # two sites at once
            with pytest.raises(ConfigError, match="another govaudit run is using"), c.run_lock(None):
                pass
            with pytest.raises(ConfigError, match="for 機關甲"), c.run_lock("機關甲"):
                pass
        with c.run_lock(None):  # prune, vacuum: alone
            with pytest.raises(ConfigError, match="another govaudit run is using"), a.run_lock("機關甲"):
                pass
        with a.run_lock("機關甲"):  # everything released
            pass


def test_stale_runs_of_a_site_are_interrupted_without_touching_another_sites_live_run(tmp_path):
    with open_store(tmp_path / "a.sqlite") as store:
        crashed, live = _run(store, "甲"), _run(store, "乙")
        assert store.fail_stale_runs("甲") == [crashed]
        assert store.run(crashed).status == RunStatus.INTERRUPTED and store.run(live).status == RunStatus.RUNNING
        assert store.fail_stale_runs(None) == [live]  # store-wide (under run_lock(None)): every site


def test_runs_persist_across_connections_and_link_previous(tmp_path):
    path = tmp_path / "a.sqlite"
    with open_store(path) as store:
        first = _run(store)
        store.finish_run(first, RunStatus.COMPLETED, stats={"pages_fetched": 3})
        second = _run(store)
    with open_store(path, readonly=True) as store:
        assert [r["id"] for r in store.runs()] == [first, second]
        run = store.run(second)
        assert isinstance(run, Run) and run.previous_run == first and run.status == RunStatus.RUNNING
        assert store.run(first).stats == {"pages_fetched": 3}


def test_baseline_is_the_same_sites_last_completed_run(tmp_path):
    with open_store(tmp_path / "a.sqlite") as store:
        mine = _run(store, "機關甲")
        store.finish_run(mine, RunStatus.COMPLETED)
        store.finish_run(_run(store, "機關乙"), RunStatus.COMPLETED)
        assert store.run(_run(store, "機關甲")).previous_run == mine


def test_incomplete_runs_are_never_a_baseline(tmp_path):
    with open_store(tmp_path / "a.sqlite") as store:
        first = _run(store)
        store.finish_run(first, RunStatus.COMPLETED)
        second = _run(store)
        store.finish_run(second, RunStatus.INCOMPLETE)
        assert store.run(_run(store)).previous_run == first


def test_pages_links_results_round_trip_as_records_with_compressed_bodies(tmp_path):
    path = tmp_path / "a.sqlite"
    with open_store(path) as store:
        run = _run(store)
        body = "<html>中文</html>".encode() * 100
        page = Page(url="http://h/", requested_url="http://h/", http_status=200, content_type="text/html",
                    charset="utf-8", lang="zh", title="首頁", meta={"DC.Title": "x"}, anchors=["a"],
                    body_hash="h1", size=len(body), elapsed=0.1, fetched_at="t", facts={"meta": {"dc": 1}})
        link = Link("http://h/", "http://h/x", "frag", "文字", "a", "href", "", 3, 0)
        result = LinkResult(url="http://h/x", status=LinkStatus.BROKEN, http_status=404, redirect_chain=[[301, "u"]],
                            error_kind="http_status", error="HTTP 404", method="GET", elapsed=0.5, checked_at="t",
                            internal=True, first_seen="f", nights=2, details={"title": "x"})
        with store.transaction():
            store.add_pages(run, [(page, body)])
            store.add_links(run, [link])
            store.add_link_results(run, [result])
        assert list(store.pages(run)) == [page] and page.is_html
        assert store.body("h1") == body
        assert list(store.links(run)) == [link] and list(store.links_to(run, ["http://h/x"])) == [link]
        assert list(store.link_results(run)) == [result]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT length(data) FROM bodies").fetchone()[0] < len(body) / 5


def test_a_failed_transaction_writes_nothing(tmp_path):
    with open_store(tmp_path / "a.sqlite") as store:
        run = _run(store)
        with pytest.raises(RuntimeError), store.transaction():
            store.add_links(run, [Link("http://h/", "http://h/x", "", "", "a", "href", "", 1, 0)])
            raise RuntimeError
        assert list(store.links(run)) == []


def test_the_external_cache_keeps_successes_only_while_young(tmp_path):
    with open_store(tmp_path / "a.sqlite") as store:
        ok = LinkResult(url="http://e/", status=LinkStatus.OK, http_status=200, checked_at="t",
                        details={"title": "T", "text": "x", "anchors": ["a"]})
        with store.transaction():
            store.update_cache([ok], [])
        assert store.cached_results(3600) == {"http://e/": LinkResult(url="http://e/", status=LinkStatus.OK,
                                                                     http_status=200, checked_at="t",
                                                                     details={"title": "T", "text": "x"})}
        assert store.cached_results(0) == {}


def test_findings_keep_stable_fingerprints(tmp_path):
    finding = Finding("broken_links", "link.broken", Severity.HIGH, "HTTP 404", page="http://h/", target="http://h/x")
    again = Finding("broken_links", "link.broken", Severity.HIGH, "other text", page="http://h/", target="http://h/x")
    assert finding.fingerprint == again.fingerprint
    with open_store(tmp_path / "a.sqlite") as store:
        run = _run(store)
        store.save_check_results(run, [CheckResult("broken_links", "1", CheckStatus.FAILED, {"broken": 1}, (finding,))])
        (check,) = store.check_results(run)
        assert check["findings"][0]["fingerprint"] == finding.fingerprint
