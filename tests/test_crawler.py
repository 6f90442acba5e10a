"""The crawl and link stage against real HTTP servers on 127.0.0.1, through the real runner."""

import json

from govaudit import runner
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

HOME = html("""
  <a href="/a.html">A</a> <a href="/b.html#sec">B sec</a> <a href="/b.html#gone">B gone</a>
  <a href="/missing.html">missing</a> <a href="/old">old</a> <a href="/tmp">tmp</a> <a href="/loop1">loop</a>
  <a href="/private/x.html">private</a> <a href="https://www.gov.tw/">gov</a> <a href="/legacy.html">big5</a>
  <a href="/bad.html">bad</a>
""", title="首頁")
ROUTES = {
    "/": HOME,
    "/a.html": html('<a href="/deep.html">deeper</a>', title="A"),
    "/deep.html": html("<p>deep</p>", title="Deep"),
    "/b.html": html('<h2 id="sec">s</h2>', title="B"),
    "/old": (301, {"Location": "/mid"}, b""),
    "/mid": (301, {"Location": "/a.html"}, b""),
    "/tmp": (302, {"Location": "/b.html"}, b""),
    "/loop1": (302, {"Location": "/loop2"}, b""),
    "/loop2": (302, {"Location": "/loop1"}, b""),
    "/private/x.html": html("<p>secret</p>"),
    "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
    "/sitemap.xml": (200, {"Content-Type": "application/xml"},
                     b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                     b"<url><loc>{base}only-in-sitemap.html</loc></url><url><loc>{base}dead-in-sitemap.html</loc>"
                     b"</url></urlset>"),
    "/only-in-sitemap.html": html("<p>s</p>", title="Sitemap only"),
    # Legacy page: no charset anywhere, cp950 bytes.
    "/legacy.html": (200, {"Content-Type": "text/html"},
                     "<html><head><title>舊版公告裏恒</title></head><body>本署公告事項說明</body></html>".encode("cp950")),
    "/bad.html": (200, {"Content-Type": "text/html"}, b"<html><body><div><p>unclosed <a href='/a.html'>x</div></div>"
                                                       b"<table><tr><td><a href='/b.html'>y</a></body>"),
}


def _audit(tmp_path, server, **crawl):
    profile = load_profile(None).with_overrides(crawl=crawl, links={"timeout": 5})
    outcome = runner.audit(server.url, profile, db=db_at(tmp_path / "a.sqlite"), out=tmp_path / "out", offline=True)
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    return outcome, {lk["url"]: lk for lk in doc["links"]}, doc


def _serve():
    routes = dict(ROUTES)
    server = SiteServer(routes)
    status, headers, body = routes["/sitemap.xml"]
    routes["/sitemap.xml"] = (status, headers, body.replace(b"{base}", server.url.encode()))
    return server


def test_full_crawl_statuses(tmp_path):
    with _serve() as server:
        outcome, links, doc = _audit(tmp_path, server)
        base = server.url
        assert outcome.exit_code == 0 and doc["run"]["status"] == "completed"
        assert links[base + "missing.html"]["status"] == "broken"
        assert links[base + "old"]["status"] == "redirected"
        assert links[base + "old"]["redirect_chain"] == [[301, base + "mid"], [301, base + "a.html"]]
        assert links[base + "tmp"]["status"] == "ok"
        assert links[base + "loop1"]["status"] == "broken"
        assert links[base + "loop1"]["error_kind"] == "redirect_loop"
        assert links[base + "b.html#sec"]["status"] == "ok"
        assert links[base + "b.html#gone"]["status"] == "broken"
        assert links[base + "b.html#gone"]["error_kind"] == "missing_fragment"
        assert links["https://www.gov.tw/"]["status"] == "excluded"
        assert links["https://www.gov.tw/"]["error"] == "offline"
        assert links[base + "private/x.html"]["error_kind"] == "robots"
        assert ("GET", "/private/x.html") not in server.hits
        # sitemap seeding: a page linked from nowhere else is crawled; a dead sitemap URL is reported
        assert links[base + "only-in-sitemap.html"]["status"] == "ok"
        dead = links[base + "dead-in-sitemap.html"]
        assert dead["status"] == "broken" and dead["sources"][0]["page"] == base + "sitemap.xml"
        assert dead["sources"][0]["tag"] == "sitemap"
        # provenance: the page, the anchor text, the element
        (src,) = links[base + "missing.html"]["sources"]
        assert (src["page"], src["text"], src["tag"], src["attr"]) == (base, "missing", "a", "href")
        with open_store(db_at(tmp_path / "a.sqlite")) as store:
            pages = {p.url: p for p in store.pages(outcome.run_id)}
        assert pages[base + "legacy.html"].title == "舊版公告裏恒"
        assert pages[base + "legacy.html"].charset in ("cp950", "big5", "big5hkscs")
        assert base + "deep.html" in pages
        # malformed HTML still yields its links
        assert any(s["page"] == base + "bad.html" for s in links[base + "b.html"]["sources"])


def test_depth_zero_crawls_only_the_start_page_but_checks_its_links(tmp_path):
    with _serve() as server:
        outcome, links, doc = _audit(tmp_path, server, max_depth=0)
        with open_store(db_at(tmp_path / "a.sqlite")) as store:
            assert [p.url for p in store.pages(outcome.run_id)] == [server.url]
        assert links[server.url + "a.html"]["status"] == "ok"
        assert links[server.url + "missing.html"]["status"] == "broken"
        assert server.url + "deep.html" not in links  # only reachable through a.html
        # checked with one GET whose body is not read (not crawled: no page row), never HEAD first
        assert ("GET", "/a.html") in server.hits and ("HEAD", "/a.html") not in server.hits
        cut = {c["kind"]: c for c in doc["run"]["stats"]["cuts"]}["max_depth"]
        assert cut["limit"] == 0 and cut["count"] >= 5  # a.html, b.html, legacy.html, bad.html, old, tmp ...
        (warning,) = [m for m in doc["run"]["health"] if m["monitor"] == "crawl_cut.max_depth"]
        assert warning["status"] == "warn" and "crawl.max_depth = 0" in warning["message"]


def test_page_cap_still_checks_the_links(tmp_path):
    with _serve() as server:
        outcome, links, doc = _audit(tmp_path, server, max_pages=2, sitemap=False)
        with open_store(db_at(tmp_path / "a.sqlite")) as store:
            crawled = [p.url for p in store.pages(outcome.run_id) if p.http_status == 200]
        # max_pages counts pages crawled (2xx HTML): a 404 does not spend it
        assert len(crawled) == 2
        assert links[server.url + "missing.html"]["status"] == "broken"
        cut = {c["kind"]: c for c in doc["run"]["stats"]["cuts"]}["max_pages"]
        assert cut["limit"] == 2 and cut["count"] >= 3
        assert doc["run"]["status"] == "completed"  # said, as a warning: the audit is over the pages it has
        assert any(m["monitor"] == "crawl_cut.max_pages" and m["status"] == "warn" for m in doc["run"]["health"])


def test_robots_can_be_switched_off_for_an_agencys_own_site(tmp_path):
    with _serve() as server:
        _, links, _ = _audit(tmp_path, server, obey_robots=False)
        assert links[server.url + "private/x.html"]["status"] == "ok"


def test_every_request_carries_our_user_agent_and_asks_for_chinese(tmp_path):
    from govaudit.crawler.defaults import ACCEPT

    seen = []
    with _serve() as server:
        original = server.handler._serve

        def record(self, with_body):
            seen.append((self.command, self.path, self.headers.get("User-Agent", ""),
                         self.headers.get("Accept-Language", ""), self.headers.get("Accept", "")))
            original(self, with_body)

        server.handler._serve = record
        outcome, _, _ = _audit(tmp_path, server, max_depth=0)
    # The start-page check, the crawl (robots.txt, which Scrapy requests itself, too) and the browser.
    assert ("GET", "/robots.txt") in {(method, path) for method, path, *_ in seen}
    assert all(ua.startswith("govaudit/") for _, _, ua, _, _ in seen)
    assert all(lang.startswith("zh-TW,zh") for _, _, _, lang, _ in seen), [s for s in seen if not s[3].startswith("zh")]
    crawl = [s for s in seen if s[4] == ACCEPT.decode()]
    with open_store(db_at(tmp_path / "a.sqlite")) as store:
        stats = store.run(outcome.run_id).stats
    # Every crawl request is in the stats and reached the server. Neither side's count is exact under load:
    # an attempt that times out is retried by the crawl (retry/count: one more request, perhaps never seen),
    # and Twisted's connection pool re-sends an idempotent request on a fresh connection when the server
    # closed a kept-alive one first (one more GET in the server's log, one in the crawl's). So: no fewer at
    # the server than the crawl's unretried requests, and every path the server saw is one the crawl asked.
    retries = stats["retries"]
    assert len(crawl) > 5
    assert stats["requests"] - retries <= stats["responses"] <= stats["requests"], stats
    assert len(crawl) >= stats["requests"] - retries, (stats, len(crawl))
    assert len({path for _, path, *_ in crawl}) <= stats["requests"], (stats, crawl)


def test_offline_never_goes_through_a_proxy_from_the_environment(tmp_path, monkeypatch):
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on: a proxy there refuses everything
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, dead)
    monkeypatch.setenv("no_proxy", "")
    with _serve() as server:
        outcome, links, doc = _audit(tmp_path, server, max_depth=1)
    assert outcome.exit_code == 0
    assert links[server.url]["status"] == "ok" and links[server.url + "missing.html"]["status"] == "broken"
    axe = doc["accessibility"]["pages"]  # Chromium too loaded the pages directly
    assert axe and all(not page["error"] for page in axe)


def test_every_page_within_max_depth_is_crawled_however_many_pages_wait(tmp_path, monkeypatch):
    """max_depth counts clicks from the start page. Home lists 100 list pages (more than Scrapy keeps in its
    downloader at once); each lists 3 articles, and every article links to two others. With max_depth 2
    every article is 2 clicks away. In Scrapy's default depth-first order the articles of the first lists
    are fetched while later lists still wait, and their links reach other lists' articles first at depth 3,
    too deep: those articles were only checked, never crawled. Breadth-first, every list comes first."""
    monkeypatch.setenv("GOVAUDIT_PARSE_WORKERS", "0")  # parsed as answered: the same order every run
    lists, articles = 100, 300
    routes = {"/": html(" ".join(f'<a href="/list/{i}.html">list {i}</a>' for i in range(lists)), title="home")}
    for i in range(lists):
        routes[f"/list/{i}.html"] = html(" ".join(f'<a href="/a/{3 * i + k}.html">a</a>' for k in range(3)))
    for j in range(articles):
        routes[f"/a/{j}.html"] = html(f'<a href="/a/{(7 * j + 1) % articles}.html">x</a> '
                                      f'<a href="/a/{(13 * j + 5) % articles}.html">y</a>')
    with SiteServer(routes) as server:
        # the articles' texts differ only in numbers: without this the per-pattern trap budget would (rightly) cut
        # them after 100 (tests/test_traps_budget.py); this test is about the crawl order
        outcome, links, _ = _audit(tmp_path, server, max_depth=2, sitemap=False, obey_robots=False,
                                   max_pages_per_pattern=0)
        with open_store(db_at(tmp_path / "a.sqlite")) as store:
            depths = {p.url: p.depth for p in store.pages(outcome.run_id)}
    crawled = [u for u in depths if "/a/" in u]
    assert len(crawled) == articles, f"{articles - len(crawled)} articles two clicks from home were not crawled"
    assert {depths[u] for u in crawled} == {2}


def test_sitemap_index_and_gzip(tmp_path):
    import gzip

    child = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<url><loc>{base}from-index.html</loc></url></urlset>")
    routes = {
        "/": html("<p>home</p>"),
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"Sitemap: /sitemap-index.xml\n"),
        "/sitemap-index.xml": (200, {"Content-Type": "application/xml"},
                               b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                               b"<sitemap><loc>./child.xml.gz</loc></sitemap></sitemapindex>"),
        "/from-index.html": html("<p>found</p>", title="From index"),
    }
    server = SiteServer(routes)
    routes["/child.xml.gz"] = (200, {"Content-Type": "application/gzip"},
                               gzip.compress(child.replace(b"{base}", server.url.encode())))
    with server:
        _, links, _ = _audit(tmp_path, server)
    assert links[server.url + "from-index.html"]["status"] == "ok"
    assert links[server.url + "sitemap-index.xml"]["sources"][0]["tag"] == "robots"


def test_per_host_concurrency_is_enforced(tmp_path):
    """Politeness to the agency's server: `concurrency` requests in flight, never more."""
    import threading

    from tests.siteserver import DELAY

    links = "".join(f'<a href="/s{i}.html">s{i}</a>' for i in range(8))
    routes = {"/": html(links), **{f"/s{i}.html": (200, {"Content-Type": "text/html", DELAY: "0.2"}, b"<p>s</p>")
                                   for i in range(8)}}
    in_flight, peak, lock = [0], [0], threading.Lock()
    server = SiteServer(routes)
    original = server.handler._serve

    def counting(self, with_body):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            original(self, with_body)
        finally:
            with lock:
                in_flight[0] -= 1

    server.handler._serve = counting
    with server:
        for concurrency in (1, 3):
            peak[0] = 0
            _audit(tmp_path / str(concurrency), server, concurrency=concurrency, sitemap=False)
            assert peak[0] == concurrency, (concurrency, peak[0])
