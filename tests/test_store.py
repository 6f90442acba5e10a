import sqlite3

import pytest

from govaudit.models import CheckResult, CheckStatus, Finding, RunStatus, Severity
from govaudit.store import MIGRATIONS, Store, StoreError


def _run(store: Store, site: str = "s") -> int:
    return store.create_run(site=site, start_url="http://127.0.0.1/", tool_version="t", profile_hash="h", profile={}, rubric="r@1")


def test_new_database_is_migrated_and_in_wal_mode(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_database_from_a_newer_govaudit_is_refused(tmp_path):
    path = tmp_path / "a.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer govaudit"):
        Store(path)


def test_runs_persist_across_connections_and_link_previous(tmp_path):
    path = tmp_path / "a.sqlite"
    with Store(path) as store:
        first = _run(store)
        store.finish_run(first, RunStatus.COMPLETED, stats={"pages_fetched": 3})
        second = _run(store)
    with Store(path, readonly=True) as store:
        assert [r["id"] for r in store.runs()] == [first, second]
        assert store.run(second)["previous_run"] == first
        assert store.run(first)["stats"] == {"pages_fetched": 3}


def test_baseline_is_the_same_sites_last_completed_run(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        mine = _run(store, "機關甲")
        store.finish_run(mine, RunStatus.COMPLETED)
        store.finish_run(_run(store, "機關乙"), RunStatus.COMPLETED)
        assert store.run(_run(store, "機關甲"))["previous_run"] == mine


def test_incomplete_runs_are_never_a_baseline(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        first = _run(store)
        store.finish_run(first, RunStatus.COMPLETED)
        second = _run(store)
        store.finish_run(second, RunStatus.INCOMPLETE)
        assert store.run(_run(store))["previous_run"] == first


def test_stale_running_runs_are_marked_failed(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        crashed = _run(store)
        assert store.fail_stale_runs() == [crashed]
        assert store.run(crashed)["status"] == RunStatus.FAILED


def test_pages_links_results_round_trip_with_compressed_bodies(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        run = _run(store)
        body = "<html>中文</html>".encode() * 100
        page = {"url": "http://h/", "requested_url": "http://h/", "http_status": 200, "content_type": "text/html",
                "charset": "utf-8", "lang": "zh", "title": "首頁", "meta": {"DC.Title": "x"}, "headers": {},
                "anchors": ["a"], "depth": 0, "referrer": "", "body": body, "body_hash": "h1", "size": len(body),
                "elapsed": 0.1, "fetched_at": "t"}
        with store.transaction():
            store.add_pages(run, [page])
            store.add_links(run, [("http://h/", "http://h/x", "frag", "文字", "a", "href", "", 3, 0)])
            store.add_link_results(run, [{"url": "http://h/x", "status": "broken", "http_status": 404}])
        (got,) = store.pages(run)
        assert got["title"] == "首頁" and got["meta"] == {"DC.Title": "x"} and store.body("h1") == body
        stored = store.db.execute("SELECT length(data) FROM bodies").fetchone()[0]
        assert stored < len(body) / 5
        assert list(store.links(run))[0]["fragment"] == "frag"
        assert list(store.link_results(run))[0]["status"] == "broken"


def test_findings_keep_stable_fingerprints(tmp_path):
    finding = Finding("broken_links", "link.broken", Severity.HIGH, "HTTP 404", page="http://h/", target="http://h/x")
    again = Finding("broken_links", "link.broken", Severity.HIGH, "other text", page="http://h/", target="http://h/x")
    assert finding.fingerprint == again.fingerprint
    with Store(tmp_path / "a.sqlite") as store:
        run = _run(store)
        store.save_check_results(run, [CheckResult("broken_links", "1", CheckStatus.FAILED, {"broken": 1}, (finding,))])
        (check,) = store.check_results(run)
        assert check["findings"][0]["fingerprint"] == finding.fingerprint
