"""The store interface, through open_store, on both backends (the `store_url` and `store` fixtures: a
real SQLite file, a database on a real PostgreSQL server); the SQLite file's own properties at the end."""

import os
import sqlite3

import psycopg
import pytest

from govaudit.models import (
    CheckResult,
    CheckStatus,
    Finding,
    IndicatorScore,
    IndicatorStatus,
    Link,
    LinkResult,
    LinkStatus,
    Page,
    Run,
    RunStatus,
    Severity,
)
from govaudit.profile import ConfigError
from govaudit.store import Store, StoreError, open_store, sqlite_path
from govaudit.store.sqlite_schema import MIGRATIONS


def _run(store: Store, site: str = "s") -> int:
    return store.create_run(site=site, start_url="http://127.0.0.1/", tool_version="t", profile_hash="h", profile={},
                            rubric="r@1")


def _schema_version(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def _sql(url: str, statement: str) -> list[tuple]:
    """A statement on the store's database, beside the store (as another program would)."""
    path = sqlite_path(url)
    if path is not None:
        with sqlite3.connect(path) as db:
            return db.execute(statement).fetchall()
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


def _set_schema_version(url: str, version: int) -> None:
    _sql(url, f"PRAGMA user_version = {version}" if sqlite_path(url) else
         f"UPDATE govaudit_schema SET version = {version}")


@pytest.mark.sqlite_only(reason="SQLite's journal mode, read from the file")
def test_new_database_is_migrated_and_in_wal_mode(tmp_path):
    path = tmp_path / "a.sqlite"
    open_store(path).close()
    assert _schema_version(path) == len(MIGRATIONS)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.sqlite_only(reason="the sqlite:/// URL forms and relative paths of a file")
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


def test_other_store_kinds_are_refused_by_name():
    with pytest.raises(StoreError, match="no mysql:// store"):
        open_store("mysql://db.example/govaudit")


def test_a_new_store_is_migrated_to_the_current_schema(store_url):
    with open_store(store_url) as store:
        assert store.schema_version == len(MIGRATIONS)
    with open_store(store_url) as store:  # opening again migrates nothing
        assert store.schema_version == len(MIGRATIONS) and store.runs() == []


def test_database_from_a_newer_govaudit_is_refused(store_url):
    open_store(store_url).close()
    _set_schema_version(store_url, len(MIGRATIONS) + 1)
    with pytest.raises(StoreError, match="newer govaudit"):
        open_store(store_url)


def test_readonly_store_refuses_writes_and_missing_databases(store_url):
    with pytest.raises(StoreError, match="no database"):
        open_store(store_url, readonly=True)
    open_store(store_url).close()
    refused = (sqlite3.OperationalError, psycopg.errors.ReadOnlySqlTransaction)
    with open_store(store_url, readonly=True) as store, pytest.raises(refused, match="read-?only"):
        _run(store)


@pytest.mark.sqlite_only(reason="the file lock through a symlink to the file (test_store_postgres has PostgreSQL's)")
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


def test_audits_of_different_sites_share_the_store_and_store_wide_work_excludes_them(store_url):
    with open_store(store_url) as a, open_store(store_url) as b, open_store(store_url) as c:
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


def test_stale_runs_are_interrupted_but_never_a_live_audits_of_another_site(store_url):
    with open_store(store_url) as store, open_store(store_url) as other:
        crashed, live, dead = _run(store, "甲"), _run(store, "乙"), _run(store, "丙")
        with store.run_lock("甲"), other.run_lock("乙"):  # 乙's audit is alive; 丙's process died
            assert store.fail_stale_runs("甲") == [crashed, dead]
        assert [store.run(r).status for r in (crashed, live, dead)] == \
            [RunStatus.INTERRUPTED, RunStatus.RUNNING, RunStatus.INTERRUPTED]
        with store.run_lock(None):
            assert store.fail_stale_runs(None) == [live]  # store-wide: no audit is alive


def test_runs_persist_across_connections_and_link_previous(store_url):
    with open_store(store_url) as store:
        first = _run(store)
        store.finish_run(first, RunStatus.COMPLETED, stats={"pages_fetched": 3})
        second = _run(store)
    with open_store(store_url, readonly=True) as store:
        assert [r["id"] for r in store.runs()] == [first, second]
        run = store.run(second)
        assert isinstance(run, Run) and run.previous_run == first and run.status == RunStatus.RUNNING
        assert store.run(first).stats == {"pages_fetched": 3}
        overview = store.run_overview()
        assert [(r["id"], r["pages"], r["pinned"]) for r in overview] == [(first, 3, False), (second, None, False)]
        assert store.latest_run_id() == second and store.last_completed_run("s") == first
        with pytest.raises(StoreError, match=f"no run {second + 1}"):
            store.run(second + 1)


def test_a_running_runs_stats_are_saved_before_it_finishes(store):
    # the runner saves the crawl's stats before the checks (crawl_coverage reads their cuts)
    run = _run(store)
    store.save_stats(run, {"pages_fetched": 2, "cuts": [{"kind": "max_depth", "count": 1}]})
    assert store.run(run).status == RunStatus.RUNNING and store.run(run).stats["pages_fetched"] == 2
    store.finish_run(run, RunStatus.COMPLETED, stats={"pages_fetched": 2, "browser": {}})
    assert store.run(run).stats == {"pages_fetched": 2, "browser": {}}


def test_baseline_is_the_same_sites_last_completed_run(store):
    mine = _run(store, "機關甲")
    store.finish_run(mine, RunStatus.COMPLETED)
    store.finish_run(_run(store, "機關乙"), RunStatus.COMPLETED)
    assert store.run(_run(store, "機關甲")).previous_run == mine


def test_incomplete_runs_are_never_a_baseline(store):
    first = _run(store)
    store.finish_run(first, RunStatus.COMPLETED)
    second = _run(store)
    store.finish_run(second, RunStatus.INCOMPLETE)
    assert store.run(_run(store)).previous_run == first


def test_pages_links_results_round_trip_as_records_with_compressed_bodies(store_url):
    with open_store(store_url) as store:
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
    assert _sql(store_url, "SELECT length(data) FROM bodies")[0][0] < len(body) / 5


def test_a_failed_transaction_writes_nothing(store):
    run = _run(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.add_links(run, [Link("http://h/", "http://h/x", "", "", "a", "href", "", 1, 0)])
        raise RuntimeError
    assert list(store.links(run)) == []


def test_the_external_cache_keeps_successes_only_while_young(store):
    ok = LinkResult(url="http://e/", status=LinkStatus.OK, http_status=200, checked_at="t",
                    details={"title": "T", "text": "x", "anchors": ["a"]})
    with store.transaction():
        store.update_cache([ok], [])
    assert store.cached_results(3600) == {"http://e/": LinkResult(url="http://e/", status=LinkStatus.OK,
                                                                 http_status=200, checked_at="t",
                                                                 details={"title": "T", "text": "x"})}
    assert store.cached_results(0) == {}


def test_findings_keep_stable_fingerprints(store):
    finding = Finding("broken_links", "link.broken", Severity.HIGH, "HTTP 404", page="http://h/", target="http://h/x")
    again = Finding("broken_links", "link.broken", Severity.HIGH, "other text", page="http://h/", target="http://h/x")
    assert finding.fingerprint == again.fingerprint
    run = _run(store)
    store.save_check_results(run, [CheckResult("broken_links", "1", CheckStatus.FAILED, {"broken": 1}, (finding,))])
    (check,) = store.check_results(run)
    assert check["findings"][0]["fingerprint"] == finding.fingerprint


def _page(url: str, **kw) -> Page:
    return Page(**{"url": url, "requested_url": url, "http_status": 200, "content_type": "text/html",
                   "charset": "utf-8", "lang": "zh", "title": "", "body_hash": None, "size": 0, "fetched_at": "t",
                   **kw})


def test_every_read_of_a_run_returns_what_was_written(store):
    run, other = _run(store, "甲"), _run(store, "乙")
    home, news, pdf = "http://h/", "http://h/news", "http://h/a.pdf"
    with store.transaction():
        store.add_pages(run, [(_page(home, title="首頁\x00", anchors=["top"], body_hash="b1"), b"<p>1</p>"),
                              (_page(news, title="消息", depth=1, body_hash="b2"), b"<p>2</p>"),
                              (_page(pdf, content_type="application/pdf", depth=1, body_hash="b3"), b"%PDF")])
        store.add_links(run, [Link(home, news, "", "消息", "a", "href", "", 1, 0),
                              Link(home, pdf, "", "附件", "a", "href", "", 2, 1),
                              Link(news, home, "top", "回首頁", "a", "href", "", 1, 0),
                              Link(news, "http://e/x.css", "", "", "link", "href", "stylesheet", 1, 1)])
        store.add_link_results(run, [LinkResult(url=news, status=LinkStatus.OK, http_status=200),
                                     LinkResult(url=pdf, status=LinkStatus.BROKEN, http_status=404)])
        store.add_probes(run, [{"host": "h", "url": "http://h/zz", "http_status": 404, "title": "找不到"}])
        store.save_link_history("甲", [{"url": pdf, "first_seen": "t1", "first_run": run, "last_run": run,
                                        "nights": 1, "last_status": "broken"}], cleared=[])
    store.add_axe_pages(run, [{"url": news, "result": {"violations": [1]}}, {"url": home, "error": "timeout"}])
    store.add_axe_pages(run, [{"url": news, "result": {"violations": []}}])  # tested again: replaced, last
    accepted = Finding("c", "x.accepted", Severity.LOW, "m", page=home, target=pdf, evidence={"accepted": "ok"})
    plain = Finding("c", "x.plain", Severity.HIGH, "m", page=news, target="", tags=("a11y",))
    store.save_check_results(run, [CheckResult("c", "1", CheckStatus.FAILED, {"n": 2}, (accepted, plain),
                                               data={"k": [1]})])
    store.save_scores(run, [IndicatorScore("i2", "二", None, 10.0, IndicatorStatus.NOT_ASSESSED, 0.0, ()),
                            IndicatorScore("i1", "一", 5.5, 10.0, IndicatorStatus.UNMET, 1.0, ())])
    store.add_ack(plain.fingerprint, "已知", None)

    assert store.page_titles(run) == {home: "首頁\ufffd" if store.url.startswith("postgres") else "首頁\x00",
                                      news: "消息"}
    assert store.page_titles(run, [news]) == {news: "消息"}
    assert [p.url for p in store.pages(run)] == [home, pdf, news]  # by depth, then URL
    assert store.body("b3") == b"%PDF" and store.body("nope") is None
    edges, labels = store.navigation(run)
    assert sorted(edges) == [(home, pdf), (home, news), (news, home)]
    assert labels == [(home, "回首頁"), (pdf, "附件"), (news, "消息")]
    assert store.fragment_targets(run) == [(home, "top")]
    assert store.parsed_page_anchors(run) == {home: {"top"}, news: set()}
    assert store.link_status(run, pdf) == "broken" and store.link_status(run, home) is None
    assert store.link_statuses(run) == {news: "ok", pdf: "broken"} and store.link_statuses(run, "ok") == {news: "ok"}
    assert [lk.target for lk in store.links_to(run, [home, "http://e/x.css"])] == [home, "http://e/x.css"]
    assert store.link_texts(run) == {"消息", "附件", "回首頁", ""}
    assert [(lk.source, lk.text) for lk in store.links_with_text(run, ["回首頁", "附件", "沒有"])] == \
        [(home, "附件"), (news, "回首頁")]  # links()'s order: by source, then position
    assert store.page(run, news) == next(p for p in store.pages(run) if p.url == news)
    assert store.page(run, "http://h/none") is None and store.page(other, news) is None
    assert {k: store.count(k, run) for k in ("pages", "links", "link_results", "findings")} == \
        {"pages": 3, "links": 4, "link_results": 2, "findings": 2}
    assert store.count("pages", other) == 0
    assert store.probes(run) == {"h": {"run_id": run, "host": "h", "url": "http://h/zz", "http_status": 404,
                                       "redirected": 0, "title": "找不到", "text": ""}}
    assert store.link_history("甲")[pdf]["nights"] == 1 and store.link_history("乙") == {}
    with store.transaction():
        store.save_link_history("甲", [], cleared=[pdf])
    assert store.link_history("甲") == {}
    assert [(a["url"], a["error"], a["result"]) for a in store.axe_pages(run)] == \
        [(home, "timeout", {}), (news, "", {"violations": []})]
    (check,) = store.check_results(run)
    assert (check["metrics"], check["data"], check["status"]) == ({"n": 2}, {"k": [1]}, "failed")
    assert [(f["code"], f["tags"], f["evidence"]) for f in check["findings"]] == \
        [("x.accepted", [], {"accepted": "ok"}), ("x.plain", ["a11y"], {})]
    assert sorted(store.finding_marks(run)) == sorted([("c", accepted.fingerprint, pdf, True),
                                                       ("c", plain.fingerprint, "", False)])
    assert store.finding_fingerprints(run) == {accepted.fingerprint, plain.fingerprint}
    assert store.has_fingerprint(plain.fingerprint) and not store.has_fingerprint("0" * 16)
    assert [(s["indicator_id"], s["score"]) for s in store.scores(run)] == [("i2", None), ("i1", 5.5)]
    assert store.acks()[plain.fingerprint]["note"] == "已知"
    assert store.run_overview()[0]["scores"] == {"i2": None, "i1": 5.5}
    store.finish_run(run, RunStatus.COMPLETED)
    assert store.previous_run_of_site("甲", run + 5) == run and store.previous_run_of_site("乙", run + 5) is None
    before = store.set_pinned(run, True, "年度評核")
    assert not before.pinned and store.run(run).pinned and store.run(run).pin_note == "年度評核"


def test_concurrent_stores_write_different_runs_into_one_database(store_url):
    with open_store(store_url) as a, open_store(store_url) as b:
        ra, rb = _run(a, "甲"), _run(b, "乙")
        shared = "http://shared.example/"
        with a.transaction(), b.transaction():  # both open at once, the same URL and body in each
            a.add_pages(ra, [(_page(shared, body_hash="same"), b"<p>same</p>")])
            if b.url.startswith("postgres"):  # (SQLite has one writer at a time: the second would wait)
                b.add_pages(rb, [(_page(shared, body_hash="same"), b"<p>same</p>")])
        if not b.url.startswith("postgres"):
            with b.transaction():
                b.add_pages(rb, [(_page(shared, body_hash="same"), b"<p>same</p>")])
        assert [p.url for p in a.pages(rb)] == [shared] == [p.url for p in b.pages(ra)]
        assert a.body("same") == b"<p>same</p>"


def test_a_key_twice_in_one_batch_keeps_the_last_replacement_and_the_first_body(store):
    run = _run(store)
    with store.transaction():
        store.add_probes(run, [{"host": "h", "url": "http://h/1"}, {"host": "h", "url": "http://h/2"}])
        store.add_pages(run, [(_page("http://h/a", body_hash="same"), b"first"),
                              (_page("http://h/b", body_hash="same"), b"second")])
    assert store.probes(run)["h"]["url"] == "http://h/2" and store.body("same") == b"first"


def test_vacuum_gives_space_back_and_keeps_every_row(store):
    run = _run(store)
    with store.transaction():
        store.add_pages(run, [(_page("http://h/a", body_hash="b"), b"<p>kept</p>")])
    with store.run_lock(None):  # as `govaudit prune --vacuum`
        store.vacuum()
    assert [p.url for p in store.pages(run)] == ["http://h/a"] and store.body("b") == b"<p>kept</p>"


def test_a_sites_kept_link_read_is_its_latest_only(store):
    """keep_link_read: one read per site, under its key; another site's stays (runner._keep_rows)."""
    store.keep_link_read("甲", "1:5:aaa", b"\x00first")
    store.keep_link_read("乙", "1:5:aaa", b"other site")
    assert store.link_read("甲", "1:5:aaa") == b"\x00first"
    store.keep_link_read("甲", "1:5:bbb", b"second")
    assert store.link_read("甲", "1:5:aaa") is None and store.link_read("甲", "1:5:bbb") == b"second"
    store.keep_link_read("甲", "1:5:bbb", b"again")  # the same table read again replaces it
    assert store.link_read("甲", "1:5:bbb") == b"again"
    assert store.link_read("乙", "1:5:aaa") == b"other site" and store.link_read("丙", "1:5:aaa") is None
