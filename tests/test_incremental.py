"""Incremental nights end to end: a real loopback site that honours If-None-Match (ETag, 304), the real CLI,
a real SQLite store and real Chromium. Night 1 cold, night 2 unchanged, night 3 with a page changed (a new
broken link), a page gone and the external cache aged, night 4 `--full`."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govaudit.crawler import traps
from govaudit.incremental import FULL, INCREMENTAL, nights_since_full, plan
from govaudit.results import build, rows_key
from govaudit.store import open_store
from tests.siteserver import SiteServer, _Handler, html
from tests.testdb import db_at, query

GOVAUDIT = [sys.executable, "-m", "govaudit"]
LAST_MODIFIED = "Mon, 07 Dec 2026 00:00:00 GMT"
PROFILE = """
site: {name: 增量測試署}
crawl: {max_depth: 5, max_pages: 100, concurrency: 4, sitemap: false}
links: {timeout: 5, retries: 0, confirm_runs: 1, soft404: false}
checks: {accessibility: {workers: 1, pages_per_template: 5}}
"""


class ConditionalHandler(_Handler):
    """The test site's handler plus validators: every 200 answer has an ETag (from its body) and a
    Last-Modified; a matching If-None-Match gets 304. Each request's conditional headers are recorded."""

    seen: list[tuple[str, str, str, int]] = []  # the crawl's: (path, If-None-Match, If-Modified-Since, status)
    loaded: list[str] = []  # paths Chromium loaded (the browser stage)

    def do_GET(self) -> None:  # noqa: N802
        status, headers, body = self.routes.get(self.path, (404, {"Content-Type": "text/html"}, b"<h1>404</h1>"))
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        match = status == 200 and self.headers.get("If-None-Match") == etag
        if self.headers.get("Sec-Fetch-Mode"):  # Chromium's (Scrapy sends no Fetch metadata)
            self.loaded.append(self.path)
        else:
            self.seen.append((self.path, self.headers.get("If-None-Match", ""),
                              self.headers.get("If-Modified-Since", ""), 304 if match else status))
        self.send_response(304 if match else status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status == 200:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
        self.send_header("Content-Length", "0" if match else str(len(body)))
        self.end_headers()
        if not match:
            self.wfile.write(body)


def _server(routes, host="127.0.0.1") -> SiteServer:
    server = SiteServer(routes, host=host)
    handler = type("Handler", (ConditionalHandler,), {"routes": routes, "hits": [], "seen": [], "loaded": []})
    server.httpd.RequestHandlerClass = handler
    server.handler = handler
    return server


def _seen(server: SiteServer) -> list[tuple[str, str, str, int]]:
    return server.handler.seen  # type: ignore[attr-defined]


def _run(tmp: Path, db: Path | str, url: str, night: int, *args: str) -> dict:
    out = tmp / f"night{night}"
    proc = subprocess.run([*GOVAUDIT, "run", url, "--profile", str(tmp / "profile.yaml"), "--db",
                           str(db), "--out", str(out), "--offline", *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    (tmp / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    db = db_at(tmp / "audit.sqlite")
    ext_routes = {"/ext.html": html("外部")}
    ext = _server(ext_routes, host="127.0.0.2")
    with ext:
        ext_url = f"{ext.url}ext.html"
        ext_routes["/moved"] = (301, {"Location": ext_url}, b"")
        routes = {
            "/": html('<a href="/a.html">A</a><a href="/b.html">B</a><a href="/c.html">C</a>'
                      '<a href="/doc.pdf">PDF</a>', title="首頁"),
            "/doc.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%%EOF\n"),
            "/a.html": html(f'<a href="/">首頁</a><a href="/old.html">舊</a><a href="{ext_url}">外部</a>'
                            f'<a href="{ext.url}moved">搬家</a>', title="A"),
            "/b.html": html('<a href="/">首頁</a><a href="/a.html">A</a>', title="B"),
            "/c.html": html('<a href="/">首頁</a>', title="C"),
        }
        site = _server(routes)
        with site:
            seen, ext_seen, loaded = _seen(site), _seen(ext), site.handler.loaded
            log = []

            def night(n, *args):
                seen.clear()
                ext_seen.clear()
                loaded.clear()
                doc = _run(tmp, db, site.url, n, *args)
                log.append((doc, list(seen), list(ext_seen), sorted(set(loaded))))

            night(1)
            night(2)
            # Day 3: B gains a link to a page that does not exist, C is removed, and the external target's
            # cached result is four days old (older than links.cache_max_age, 72 h).
            routes["/b.html"] = html('<a href="/">首頁</a><a href="/a.html">A</a><a href="/new-missing.html">新</a>',
                                     title="B")
            del routes["/c.html"]
            query(db, f"UPDATE link_cache SET checked_epoch = {time.time() - 4 * 86400}")
            night(3)
            night(4, "--full")
            night(5)  # unchanged again: copies forward from the full night 4
            # Night 6 with another profile (a link option): the stored parse and results of night 5 are not taken
            (tmp / "profile.yaml").write_text(PROFILE.replace("timeout: 5", "timeout: 6"), encoding="utf-8")
            night(6)
    return site.url, tmp, log, db


def test_first_night_is_full_and_asks_unconditionally(nights):
    _, _, log, _ = nights
    doc, seen, _, loaded = log[0]
    assert {"/", "/a.html", "/b.html", "/c.html"} <= set(loaded)  # the browser stage tested the pages
    assert doc["run"]["stats"]["browser"]["accessibility"]["reused"] == 0
    assert doc["run"]["stats"]["night"]["kind"] == FULL
    assert doc["run"]["stats"]["night"]["reason"] == "no completed run of the site before"
    assert seen and all(inm == "" and ims == "" for _, inm, ims, _ in seen)


def test_unchanged_night_revalidates_and_reuses(nights):
    base, tmp, log, db = nights
    doc, seen, ext_seen, loaded = log[1]
    pages = {"/", "/a.html", "/b.html", "/c.html", "/doc.pdf"}
    asked = {path: (inm, ims, status) for path, inm, ims, status in seen}
    for path in pages:  # every page and download asked conditionally, answered 304
        inm, ims, status = asked[path]
        assert inm.startswith('"') and ims == LAST_MODIFIED and status == 304, (path, asked[path])
    assert asked["/old.html"][2] == 404  # the broken target checked again, without validators (it has none)
    night = doc["run"]["stats"]["night"]
    assert night["kind"] == INCREMENTAL and night["baseline_run"] == 1
    assert night["pages_not_modified"] == 5 and night["pages_reused"] == 5
    assert night["targets_cached"] == 2 and ext_seen == []  # the external targets came from the cache
    assert doc["run"]["stats"]["bytes"] < log[0][0]["run"]["stats"]["bytes"]
    # axe-core's and QualWeb's results of unchanged pages taken from night 1: Chromium loaded nothing
    browser = doc["run"]["stats"]["browser"]["accessibility"]
    assert loaded == [] and browser["reused"] == browser["targets"] >= 4
    assert browser["workers"] == 0  # copied by the runner itself: no browser stage process was started
    assert browser["engines"] == log[0][0]["run"]["stats"]["browser"]["accessibility"]["engines"]
    ext = next(r for r in doc["links"] if r["url"].endswith("/ext.html"))
    assert ext["cached"] is True and ext["status"] == "ok"
    # The reused parse is the page as first read: titles, links and bodies the same as night 1's
    def rows(run: int) -> list:
        return sorted(query(db, "SELECT u.url, p.title, p.body_hash, p.lang FROM pages p JOIN urls u"
                                f" ON u.id = p.url_id WHERE run_id={int(run)}"))

    def links(run: int) -> list:
        return sorted(query(db, "SELECT s.url, t.url, l.text, l.position FROM links l JOIN urls s ON"
                                f" s.id = l.source_id JOIN urls t ON t.id = l.target_id WHERE run_id={int(run)}"))

    assert rows(2) == rows(1) and len(rows(1)) >= 5 and any(url.endswith("/doc.pdf") for url, *_ in rows(2))
    assert links(2) == links(1) and len(links(1)) >= 8
    # Each HTML page keeps the crawl's content key of its body (the pattern budget's): the unchanged night
    # carries the stored one forward instead of reading the body for it, and it is the body's key
    def keys(run: int) -> dict:
        return {url: (json.loads(facts).get(traps.FACTS) or {}).get("content_key") for url, facts, ctype in query(
            db, "SELECT u.url, p.facts, p.content_type FROM pages p JOIN urls u ON u.id = p.url_id"
                f" WHERE run_id={int(run)} AND p.http_status=200") if "html" in ctype}
    first = keys(1)
    assert first == keys(2) and len(first) >= 4
    for url, key in first.items():
        (body_hash,) = query(db, "SELECT p.body_hash FROM pages p JOIN urls u ON u.id = p.url_id"
                                 f" WHERE run_id=1 AND u.url='{url}'")[0]
        with open_store(db) as store:
            assert key == traps.content_key(store.body(body_hash) or b""), url


def test_cached_result_is_marked_in_links_csv(nights):
    _, tmp, log, _ = nights
    first = next(r for r in log[0][0]["links"] if r["url"].endswith("/moved"))
    with (tmp / "night2" / "links.csv").open(encoding="utf-8-sig", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["target"].endswith("/moved"))
    assert row["status"] == "redirected" and row["cached"] == "yes"
    assert row["checked_at"] == first["checked_at"]  # when it was verified, not tonight
    with (tmp / "night1" / "links.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert next(r for r in csv.DictReader(fh) if r["target"].endswith("/moved"))["cached"] == ""


def test_unchanged_night_has_the_same_findings(nights):
    _, _, log, _ = nights
    first, second = log[0][0], log[1][0]
    assert second["changes"]["new"] == [] and second["changes"]["resolved"] == []

    def keys(doc):
        return sorted((c["id"], f["code"], f["page"], f["target"], f["fingerprint"])
                      for c in doc["checks"] for f in c["findings"])

    assert keys(second) == keys(first)
    assert any(code == "link.broken" and target.endswith("/old.html") for _, code, _, target, _ in keys(second))


def test_changed_page_is_read_again_and_its_new_broken_link_found(nights):
    _, _, log, _ = nights
    doc, seen, _, loaded = log[2]
    asked = {path: status for path, _, _, status in seen}
    assert "/b.html" in loaded and "/a.html" not in loaded and "/" not in loaded  # only B tested again
    browser = doc["run"]["stats"]["browser"]["accessibility"]
    assert browser["reused"] == browser["targets"] - 1 and browser["workers"] >= 1
    assert asked["/b.html"] == 200 and asked["/a.html"] == 304
    statuses = {r["url"].rsplit("/", 1)[-1]: r["status"] for r in doc["links"]}
    assert statuses["new-missing.html"] == "broken"
    assert statuses["c.html"] == "broken"  # the page that disappeared (404 tonight)
    new = {(f["code"], f["target"].rsplit("/", 1)[-1]) for f in doc["changes"]["new"]}
    assert ("link.broken", "new-missing.html") in new and ("link.broken", "c.html") in new
    night = doc["run"]["stats"]["night"]
    assert night["kind"] == INCREMENTAL and night["pages_not_modified"] == 3  # /, A and the PDF


# Checks that read only pages and links (and the audit day, the start URL, the crawl's cuts)
PAGE_READERS = {"metadata", "pii", "odf", "services", "freshness", "disclosure"}


def _checks(doc: dict) -> dict[str, tuple]:
    return {c["id"]: (c["status"], c["metrics"], sorted((f["code"], f["page"], f["target"], f["message"],
                                                         f["fingerprint"]) for f in c["findings"]))
            for c in doc["checks"]}


def test_unchanged_night_copies_forward_the_checks_whose_inputs_did_not_change(nights):
    _, _, log, _ = nights
    first, second = log[0][0], log[1][0]
    night = second["run"]["stats"]["night"]
    reused = set(night["checks_reused"])
    assert PAGE_READERS | {"crawl_coverage"} <= reused
    assert night["inputs"]["pages"] == first["run"]["stats"]["night"]["inputs"]["pages"]
    # /old.html failed a second night (its count of failing nights changed): the link check, which shows
    # that count, ran; the checks that declare no inputs run every night
    assert not {"broken_links", "accessibility", "accessibility_mark"} & reused
    assert night["inputs"]["link_history"] != first["run"]["stats"]["night"]["inputs"]["link_history"]
    before, after = _checks(first), _checks(second)
    assert {cid: after[cid] for cid in reused} == {cid: before[cid] for cid in reused}
    durations = {c["id"]: c["duration"] for c in second["checks"]}
    assert all(durations[cid] == 0.0 for cid in reused)


def test_reuse_is_undone_by_a_changed_page_and_by_another_profile(nights):
    _, _, log, _ = nights
    third, full, fifth, sixth = (log[i][0]["run"]["stats"]["night"] for i in (2, 3, 4, 5))
    assert not PAGE_READERS & set(third["checks_reused"])  # B changed and C is gone: the page readers ran
    assert full["checks_reused"] == []  # --full: nothing taken from before
    assert PAGE_READERS <= set(fifth["checks_reused"])  # after a full night, unchanged again: copied forward
    assert sixth["kind"] == INCREMENTAL and sixth["reuse_parsed"] is False and sixth["checks_reused"] == []
    # what night 5 copied forward is what night 4 computed (the pages the same, B still with its new link)
    assert {cid: _checks(log[4][0])[cid] for cid in PAGE_READERS} == {cid: _checks(log[3][0])[cid]
                                                                      for cid in PAGE_READERS}


def test_unchanged_night_takes_the_read_of_its_link_table_kept_by_the_night_before(nights):
    _, _, log, db = nights
    # nights 2 and 5 are unchanged (from night 1, and from the full night 4); 3 changed, 4 is --full, 6 has
    # another profile: those read their link table again
    assert [doc["run"]["stats"]["night"]["link_rows_kept"] for doc, *_ in log] == [False, True, False, False,
                                                                                    True, False]
    second = log[1][0]
    with open_store(db) as store:
        fresh = build(store, second["run"]["id"])  # its link table read again, its sources from that read

    def sources(doc):
        return {r["url"]: (r["sources"], r["sources_total"]) for r in doc["links"]}

    assert sources(second) == sources(fresh) and any(total > 1 for _, total in sources(second).values())
    # one read kept per site: the last night's, under its link table's digest
    last = log[-1][0]["run"]["stats"]["night"]["inputs"]["links"]
    assert query(db, "SELECT site, digest FROM link_reads") == [("增量測試署", rows_key(last))]


def test_aged_cache_entry_is_checked_again(nights):
    _, _, log, _ = nights
    doc, _, ext_seen, _ = log[2]
    assert {path for path, *_ in ext_seen} == {"/ext.html", "/moved"}
    assert doc["run"]["stats"]["night"]["targets_cached"] == 0
    ext = next(r for r in doc["links"] if r["url"].endswith("/ext.html"))
    assert ext["cached"] is False


def test_full_flag_sends_no_conditional_headers(nights):
    _, _, log, _ = nights
    doc, seen, ext_seen, loaded = log[3]
    assert {"/", "/a.html", "/b.html"} <= set(loaded) and doc["run"]["stats"]["browser"]["accessibility"]["reused"] == 0
    assert seen and all(inm == "" and ims == "" for _, inm, ims, _ in seen)
    assert doc["run"]["stats"]["night"] == {**doc["run"]["stats"]["night"], "kind": FULL, "reason": "--full",
                                            "pages_not_modified": 0, "pages_reused": 0, "targets_cached": 0}
    assert {path for path, *_ in ext_seen} == {"/ext.html", "/moved"}  # a forced full night ignores the cache


def test_plan_every_nth_night_is_full():
    def night(kinds, **kw):
        args = {"full": False, "every": 3, "baseline": 9, "same_parser": True} | kw
        return plan(nights_since_full=nights_since_full(kinds), **args)

    assert night(["full"]).kind == INCREMENTAL
    assert night(["incremental", "full"]).kind == INCREMENTAL
    third = night(["incremental", "incremental", "full"])
    assert third.kind == FULL and third.forced and "every 3 nights" in third.reason
    assert night(["full"], full=True).reason == "--full"
    assert night(["full"], baseline=None).kind == FULL
    assert night(["full"], every=1).kind == FULL
    assert night(["full"], same_parser=False).reuse_parsed is False
    assert night(["full"]).baseline_run == 9 and night(["full"]).reuse_parsed


def test_page_links_reads_one_pages_links_in_order(store):
    """The store read behind a reused parse, on every backend (the links_by_source index's query)."""
    from govaudit.models import Link, Page  # noqa: PLC0415

    run = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="h",
                           profile={}, rubric="r")
    a, b = "http://127.0.0.1/a", "http://127.0.0.1/b"
    with store.transaction():
        store.add_pages(run, [(Page(a, a, 200, fetched_at="x"), None), (Page(b, b, 200, fetched_at="x"), None)])
        store.add_links(run, [Link(a, b, "", "second", "a", "href", "", 2, 1), Link(b, a, "", "", "a", "href", "", 1, 0),
                              Link(a, a, "top", "first", "a", "href", "", 1, 0)])
    assert [(lk.target, lk.text, lk.position) for lk in store.page_links(run, a)] == [(a, "first", 0), (b, "second", 1)]
    assert store.page_links(run, "http://127.0.0.1/none") == []
    assert store.page_links(run + 1, a) == []


def test_every_nth_completed_run_is_full(tmp_path):
    """The runner's reading of the store: completed runs of the site, newest first, back to the last full one."""
    from govaudit import __version__  # noqa: PLC0415
    from govaudit.models import RunStatus  # noqa: PLC0415
    from govaudit.profile import load_profile  # noqa: PLC0415
    from govaudit.runner import _plan_night  # noqa: PLC0415
    from govaudit.store import open_store  # noqa: PLC0415

    profile = load_profile(None).with_overrides(crawl={"full_every": 3})
    same = profile.fingerprint()
    with open_store(db_at(tmp_path / "a.sqlite")) as store:
        def night(kind=None, status=RunStatus.COMPLETED, site="s", profile_hash=same):
            run = store.create_run(site=site, start_url="http://127.0.0.1/", tool_version=__version__,
                                   profile_hash=profile_hash, profile={}, rubric="r")
            plan = _plan_night(store, site, run, profile, full=False)
            store.finish_run(run, status, stats={"night": {"kind": kind or plan.kind}})
            return run, plan

        first, plan = night()
        assert plan.kind == FULL and plan.reason == "no completed run of the site before"
        second, plan = night()
        assert plan.kind == INCREMENTAL and plan.baseline_run == first and plan.reuse_parsed
        night(status=RunStatus.INCOMPLETE)  # never a baseline, never counted
        night(site="another")  # another site's runs neither
        third, plan = night()
        assert plan.kind == INCREMENTAL and plan.baseline_run == second
        _, plan = night()
        assert plan.kind == FULL and plan.forced and plan.reason == "every 3 nights (crawl.full_every)"
        _, plan = night(profile_hash="changed")
        assert plan.kind == INCREMENTAL and plan.reuse_parsed  # the baseline (the full night) has this profile
        _, plan = night()
        assert plan.kind == INCREMENTAL and not plan.reuse_parsed  # its baseline was parsed under another profile


def test_unchanged_page_cut_at_max_links_is_parsed_again_from_its_stored_body(tmp_path):
    # A page past crawl.max_links_per_page is parsed again on an unchanged night (so that tonight's crawl
    # cuts name it too): the parse worker reads its body from the store, since a 304 brings none.
    (tmp_path / "profile.yaml").write_text(PROFILE.replace("sitemap: false", "sitemap: false, max_links_per_page: 3")
                                           .replace("checks: {accessibility: {workers: 1, pages_per_template: 5}}",
                                                    "checks: {accessibility: null}"), encoding="utf-8")
    db = db_at(tmp_path / "audit.sqlite")
    routes = {"/": html("".join(f'<a href="/p{i}.html">第{i}頁</a>' for i in range(6)), title="首頁"),
              **{f"/p{i}.html": html(f"<p>{i}</p>", title=f"p{i}") for i in range(6)}}
    site = _server(routes)
    with site:
        docs = [_run(tmp_path, db, site.url, n) for n in (1, 2)]
        asked = {path: status for path, _, _, status in _seen(site)}
    assert asked["/"] == 304  # the second night's answer for the cut page: unchanged
    rows = [sorted(query(db, "SELECT t.url, l.position FROM links l JOIN urls s ON s.id = l.source_id JOIN urls t"
                             f" ON t.id = l.target_id WHERE l.run_id={n} AND s.url='{site.url}'")) for n in (1, 2)]
    assert len(rows[0]) == 3 and rows[1] == rows[0]  # the same three links stored, read from the stored body
    cuts = [{c["kind"] for c in doc["run"]["stats"]["cuts"]} for doc in docs]
    assert all("links_per_page" in kinds for kinds in cuts), cuts
