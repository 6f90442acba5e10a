"""Crawl completeness against real loopback servers: every kind of reference a page makes is checked,
meta refresh is followed, invalid URLs are named, duplicates folded, a redirect to a 404 counted once,
pagination costs no depth, the 政府資訊公開 hub is crawled first, and every cut (depth, pages, traps,
budgets) is reported in the stats and in crawl health."""

from __future__ import annotations

import json
from collections import Counter

from govaudit import runner
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

CSS = b"""@import url("/css/missing-import.css");
body { background: url(/img/css-bg.png) }
.hero { background-image: url('/img/css-missing.png') }  /* url(/img/in-comment.png) */
"""
PAGE = html("""
  <link rel="stylesheet" href="/css/site.css"><link rel="icon" href="/favicon-missing.ico">
  <link rel="alternate" hreflang="en" href="/en-missing/">
  <style>.banner { background: url("/img/style-block-missing.png") }</style>
  <img src="/img/ok.png" srcset="/img/ok.png 1x, /img/srcset-missing.png 2x" alt="標誌">
  <picture><source srcset="/img/source-srcset-missing.webp 800w"><source src="/media/source-missing.mp4"></picture>
  <video src="/media/ok.mp4" poster="/img/poster-missing.jpg"></video>
  <div style="background-image: url('/img/inline-missing.jpg')">橫幅</div>
  <input type="image" src="/img/button-missing.gif" alt="送出">
  <map name="m"><area href="/area-missing.html" alt="地圖"></map>
  <iframe src="/iframe-missing.html"></iframe>
  <form action="/search-missing" method="get"><input name="q"></form>
  <form action="/login-post" method="post"><input name="u"></form>
  <a href="http://">空白網址</a> <a href="http://:80/x">無主機</a> <a href="http://127.0.0.1:99999/">錯誤埠號</a>
  <a href="/zh/">首頁目錄</a> <a href="/moved">已搬移</a>
  <a href="/news?page=1">最新消息</a>
  <a href="/calendar?ym=209901">行事曆</a> <a href="/a/b/a/b/a/b/">路徑</a>
  <a href="/list?sid=8f7c6d5e4b3a2f1c0d9e">列表</a> <a href="/list?sid=0a1b2c3d4e5f60718293">列表</a>
""", title="首頁")
NEWS_PAGES = 12


def _site() -> dict:
    routes: dict = {
        # a gov.tw root that only meta-refreshes to the real home page
        "/": html('<meta http-equiv="refresh" content="0; url=/zh/index.html">', title="轉址"),
        "/zh/index.html": PAGE,
        "/zh/": PAGE,  # the same page under its directory address: one page, folded
        "/css/site.css": (200, {"Content-Type": "text/css"}, CSS),
        "/img/ok.png": (200, {"Content-Type": "image/png"}, b"\x89PNG"),
        "/img/css-bg.png": (200, {"Content-Type": "image/png"}, b"\x89PNG"),
        "/media/ok.mp4": (200, {"Content-Type": "video/mp4"}, b"\0"),
        "/moved": (301, {"Location": "/gone"}, b""),
        "/list?sid=8f7c6d5e4b3a2f1c0d9e": html("<p>清單</p>", title="清單"),
    }
    for n in range(1, NEWS_PAGES + 1):  # a news pager deeper than max_depth, an item on each page
        nxt = f'<a href="/news?page={n + 1}">下一頁</a>' if n < NEWS_PAGES else ""
        routes[f"/news?page={n}"] = html(f'<a href="/news/item-{n}.html">公告 {n}</a> {nxt}', title=f"消息 {n}")
        routes[f"/news/item-{n}.html"] = html(f"<p>公告內容 {n}</p>", title=f"公告 {n}")
    return routes


def _audit(tmp_path, url, name="a", **crawl):
    profile = load_profile(None).with_overrides(crawl={"sitemap": False, **crawl}, links={"timeout": 5})
    outcome = runner.audit(url, profile, db=db_at(tmp_path / f"{name}.sqlite"), out=tmp_path / name, offline=True)
    doc = json.loads((tmp_path / name / "results.json").read_text(encoding="utf-8"))
    return outcome, {lk["url"]: lk for lk in doc["links"]}, doc


def test_every_reference_is_checked_and_every_cut_reported(tmp_path):
    with SiteServer(_site()) as server:
        base = server.url
        outcome, links, doc = _audit(tmp_path, base, max_depth=2)
        # meta refresh followed: not a 1-page run
        assert doc["run"]["stats"]["pages_fetched"] > NEWS_PAGES
        sources = {url: {(s["tag"], s["attr"]) for s in lk.get("sources", [])} for url, lk in links.items()}
        assert ("meta", "content") in sources[base + "zh/index.html"]
        expected = {  # each kind of reference, with its element and attribute
            "img/srcset-missing.png": ("img", "srcset"), "img/source-srcset-missing.webp": ("source", "srcset"),
            "media/source-missing.mp4": ("source", "src"), "img/poster-missing.jpg": ("video", "poster"),
            "img/inline-missing.jpg": ("div", "style"), "img/style-block-missing.png": ("style", "css"),
            "img/button-missing.gif": ("input", "src"), "area-missing.html": ("area", "href"),
            "iframe-missing.html": ("iframe", "src"), "favicon-missing.ico": ("link", "href"),
            "en-missing/": ("link", "href"), "search-missing": ("form", "action"),
            # the site's stylesheet is fetched and its url()s checked, with the CSS file as their source
            "img/css-missing.png": ("css", "url"), "css/missing-import.css": ("css", "import"),
        }
        for path, element in expected.items():
            assert links[base + path]["status"] == "broken", path
            assert element in sources[base + path], (path, sources[base + path])
        # internal targets are asked with GET, never HEAD first (the browser stage loads some again)
        assert {hit for hit in server.hits if hit[1].lstrip("/") in expected} == {("GET", "/" + p) for p in expected}
        (css_source,) = {s["page"] for s in links[base + "img/css-missing.png"]["sources"]}
        assert css_source == base + "css/site.css"
        assert links[base + "img/css-bg.png"]["status"] == "ok"
        assert base + "img/in-comment.png" not in links
        # a POST form is recorded, never requested
        assert not [hit for hit in server.hits if hit[1] == "/login-post"]
        # invalid URLs are invalid, not the page they sit on
        invalid = [lk for url, lk in links.items() if url.startswith("invalid:")]
        assert len(invalid) == 3 and all(lk["status"] == "broken" and lk["error_kind"] == "invalid_url"
                                         for lk in invalid)
        # /zh/ and /zh/index.html: one page, the alias recorded
        with open_store(db_at(tmp_path / "a.sqlite")) as store:
            pages = [p.url for p in store.pages(outcome.run_id)]
        assert (base + "zh/index.html" in pages) != (base + "zh/" in pages)
        assert doc["run"]["stats"]["pages_folded"] == 1
        alias = links[base + "zh/"] if base + "zh/" not in pages else links[base + "zh/index.html"]
        assert alias["status"] == "ok"
        # a redirect to a 404: one broken row, on the link that points to it
        assert links[base + "moved"]["status"] == "broken"
        assert base + "gone" not in links
        # pagination costs no depth: every item of a pager deeper than max_depth 2 is crawled
        for n in range(1, NEWS_PAGES + 1):
            assert base + f"news/item-{n}.html" in pages
        # traps: not fetched, excluded, each reported
        cuts = {c["kind"]: c for c in doc["run"]["stats"]["cuts"]}
        assert {"calendar", "repeating_path", "session_id"} <= set(cuts)
        assert cuts["session_id"]["count"] == 1
        for path in ("/calendar?ym=209901", "/a/b/a/b/a/b/"):
            assert not [hit for hit in server.hits if hit[1] == path]
        assert links[base + "calendar?ym=209901"]["error_kind"] == "crawl_limit"
        health = {m["monitor"]: m for m in doc["run"]["health"]}
        assert health["crawl_cut.calendar"]["status"] == "warn"
        assert doc["run"]["status"] == "completed" and outcome.exit_code == 0
        report = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
        assert "爬取範圍截斷" in report and "工作階段代碼" in report  # the zh-TW label and the cut's own words


def test_the_disclosure_hub_and_its_children_are_crawled_first(tmp_path, monkeypatch):
    # Parsed in the crawl process, so that the order pages are parsed in is the order they arrive in
    # (the priorities are the same with parse workers; only their timing varies).
    monkeypatch.setenv("GOVAUDIT_PARSE_WORKERS", "0")
    others = "".join(f'<a href="/other-{i}.html">其他 {i}</a>' for i in range(10))
    routes = {
        "/": html(others + '<a href="/hub.html">政府資訊公開</a>', title="首頁"),
        "/hub.html": html('<a href="/law.html">法規</a><a href="/budget.html">預算</a>', title="政府資訊公開"),
        "/law.html": html("<p>法規</p>"), "/budget.html": html("<p>預算</p>"),
        **{f"/other-{i}.html": html(f"<p>{i}</p>") for i in range(10)},
    }
    with SiteServer(routes) as server:
        outcome, _, doc = _audit(tmp_path, server.url, max_pages=7, concurrency=1)
        with open_store(db_at(tmp_path / "a.sqlite")) as store:
            pages = {p.url.rsplit("/", 1)[1] for p in store.pages(outcome.run_id)}
        # breadth order alone would spend the 7 pages on the home page and six of the ten others
        assert {"hub.html", "law.html", "budget.html"} <= pages and len(pages) == 7
        assert {c["kind"] for c in doc["run"]["stats"]["cuts"]} == {"max_pages"}


def test_budgets_stop_or_cut_the_crawl_and_say_which(tmp_path):
    many = "".join(f'<a href="/dead-{i}.html">{i}</a>' for i in range(40))
    with SiteServer({"/": html(many, title="首頁")}) as server, \
            SiteServer({}) as other:  # another loopback host: outside the site
        outside = "".join(f'<a href="{other.url}x-{i}.html">外 {i}</a>' for i in range(6))
        server.handler.routes["/"] = html(many + outside, title="首頁")
        # a page's link cap and a per-host budget: cut, reported, the run still completes
        outcome, links, doc = _audit(tmp_path, server.url, "caps", max_links_per_page=43, max_requests_per_host=2,
                                     max_pages=1)
        # past max_pages the 40 dead pages are only checked: one GET each (issue 14: 2.7-2.9 requests each)
        dead = Counter(path for method, path in server.hits if path.startswith("/dead-"))
        assert len(dead) == 40 and sum(dead.values()) <= 1.2 * 40
        assert not [hit for hit in server.hits if hit[0] == "HEAD"]
        cuts = {c["kind"]: c for c in doc["run"]["stats"]["cuts"]}
        assert cuts["links_per_page"]["count"] == 3 and cuts["links_per_page"]["example"] == server.url
        # 43 links kept: 40 dead and 3 outside; the outside host gets 2 requests (with its soft-404 probe)
        assert len(other.hits) == 2 and cuts["host_requests"]["count"] >= 1
        outside_links = [lk for url, lk in links.items() if url.startswith(other.url)]
        refused = [lk for lk in outside_links if lk["error_kind"] == "crawl_limit"]
        assert len(outside_links) == 3 and refused and all(lk["status"] == "excluded" for lk in refused)
        assert "crawl.max_requests_per_host" in refused[0]["error"]
        assert doc["run"]["status"] == "completed"
        # the run's request budget: the crawl stops, the run is incomplete with its reports, and says why
        server.hits.clear()
        outcome, links, doc = _audit(tmp_path, server.url, "budget", max_requests=10)
        assert doc["run"]["status"] == "incomplete" and outcome.exit_code == runner.EXIT_INCOMPLETE
        health = {m["monitor"]: m for m in doc["run"]["health"]}
        assert health["crawl_cut.requests"]["status"] == "fail"
        assert "crawl.max_requests = 10" in health["crawl_cut.requests"]["message"]
        assert (tmp_path / "budget" / "report.html").exists()
        dead = Counter(path for _, path in server.hits if path.startswith("/dead-"))
        assert sum(dead.values()) <= 10  # of the 40 targets, fewer than the budget were requested
        unchecked = [lk for lk in links.values() if lk["error_kind"] == "crawl_limit"]
        assert len(dead) + len(unchecked) <= 40


def test_the_time_budget_stops_the_crawl_and_the_run_says_so(tmp_path):
    slow = (200, {"Content-Type": "text/html", "X-Test-Delay": "20"}, b"<p>slow</p>")
    routes = {"/": html('<a href="/slow-1.html">1</a><a href="/slow-2.html">2</a>', title="首頁"),
              "/slow-1.html": slow, "/slow-2.html": slow}
    with SiteServer(routes) as server:
        outcome, _, doc = _audit(tmp_path, server.url, max_seconds=3)
    assert doc["run"]["status"] == "incomplete" and outcome.exit_code == runner.EXIT_INCOMPLETE
    health = {m["monitor"]: m for m in doc["run"]["health"]}
    assert health["crawl_cut.time"]["status"] == "fail" and "crawl.max_seconds = 3" in health["crawl_cut.time"]["message"]
    assert doc["run"]["stats"]["finish_reason"] == "closespider_timeout"
