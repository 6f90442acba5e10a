"""The one scope gate (govaudit/scope.py, crawler/scopegate.py): every kind of request is gated, and a
hostile robots.txt or sitemap cannot send the crawl anywhere. Real loopback servers; the out-of-scope
ones are real too, so a request that escaped would show in their hits."""

from __future__ import annotations

import gzip
import json

import pytest
from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.statscollectors import MemoryStatsCollector

from govaudit import runner
from govaudit.chromium import loopback_hosts
from govaudit.crawler.scopegate import OutOfScope, ScopeGateMiddleware
from govaudit.crawler.settings import scrapy_settings
from govaudit.crawler.spider import SiteSpider
from govaudit.jobs import CrawlJob
from govaudit.profile import load_profile
from govaudit.scope import Kind, Scope, offline_allows
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

SITE = "http://127.0.0.1:8000/"


@pytest.mark.parametrize(("url", "kind", "offline", "allowed", "why"), [
    ("http://127.0.0.1:8000/a", Kind.PAGE, True, True, ""),
    ("http://0.0.0.0:8000/x.xml", Kind.SITEMAP, True, False, "offline: 0.0.0.0:8000 is not a loopback host"),
    ("http://0.0.0.0:8000/a", Kind.CHECK, True, False, "offline"),
    ("http://example.invalid/x.xml", Kind.SITEMAP, True, False, "offline"),
    ("http://example.invalid/a", Kind.CHECK, False, True, ""),
    ("http://example.invalid/x.xml", Kind.SITEMAP, False, False, "out of scope: a sitemap on example.invalid"),
    ("http://example.invalid/robots.txt", Kind.ROBOTS, False, False, "out of scope: a robots"),
    ("http://127.0.0.2:8000/x.xml", Kind.SITEMAP, True, False, "out of scope"),  # loopback, not the site
    ("http://127.0.0.2:8000/a", Kind.CHECK, True, True, ""),  # another loopback host's link is checked
    ("http://127.0.0.1:8001/x.xml", Kind.SITEMAP, True, False, "out of scope"),  # same host, other port
    ("http://[::1]:8000/a", Kind.ATTACHMENT, True, True, ""),
    ("http://localhost/a", Kind.PROBE, True, True, ""),
    ("http://0.0.0.0:8000/a", Kind.REDIRECT, True, False, "offline"),
    ("ftp://127.0.0.1/a", Kind.CHECK, True, False, "scheme"),
])
def test_scope_decision(url, kind, offline, allowed, why):
    verdict = Scope.of(SITE, offline=offline).allows(url, kind)
    assert verdict.allowed is allowed
    assert why in verdict.reason
    assert bool(verdict) is allowed


def test_scope_hosts_are_the_sites_own():
    scope = Scope.of(SITE, ("WWW.Example.gov.tw",))
    assert scope.allows("https://www.example.gov.tw/sitemap.xml", Kind.SITEMAP)
    assert not scope.allows("https://evil.example/sitemap.xml", Kind.SITEMAP)


def test_chromium_allow_list_is_the_same_decision():
    pages = ["http://127.0.0.3:9/a", "http://0.0.0.0:9/b", "http://example.invalid/c", "http://[::1]:9/d"]
    assert loopback_hosts(pages) == ("127.0.0.1", "127.0.0.3", "::1", "localhost")
    assert [offline_allows(u) for u in pages] == [True, False, False, True]


def _job(start_url: str, *, offline: bool = True) -> CrawlJob:
    return CrawlJob.from_profile(load_profile(None), store="sqlite:///unused.sqlite", run_id=1, site="s",
                                 start_url=start_url, offline=offline, analyzers=())


def test_the_gate_is_the_first_downloader_middleware_and_drops_what_scope_refuses():
    job = _job(SITE)
    settings = scrapy_settings(job)
    middlewares = {k: v for k, v in settings["DOWNLOADER_MIDDLEWARES"].items() if v is not None}
    assert min(middlewares, key=middlewares.__getitem__) == "govaudit.crawler.scopegate.ScopeGateMiddleware"
    crawler = Crawler(SiteSpider, settings)
    crawler.stats = MemoryStatsCollector(crawler)  # Scrapy's own, as a crawl has (no reactor needed)
    gate = ScopeGateMiddleware.from_crawler(crawler)
    assert gate.process_request(Request(SITE + "page", meta={"kind": "page"})) is None
    for url, kind in [("http://0.0.0.0:8000/x.xml", "sitemap"), ("http://127.0.0.2:8000/x.xml", "sitemap"),
                      ("http://example.invalid/", "check"), ("http://example.invalid/a.pdf", "attachment"),
                      ("http://0.0.0.0:8000/p", "probe"), ("http://0.0.0.0:8000/p", "page")]:
        with pytest.raises(OutOfScope) as refused:
            gate.process_request(Request(url, meta={"kind": kind}))
        assert refused.value.verdict.reason
    # Scrapy's own robots.txt request carries no kind: it is judged as robots.txt
    with pytest.raises(OutOfScope, match="out of scope: a robots"):
        gate.process_request(Request("http://127.0.0.2:8000/robots.txt"))
    assert crawler.stats is not None
    assert crawler.stats.get_value("scope/refused/sitemap") == 2


def _audit(tmp_path, server, **crawl):
    profile = load_profile(None).with_overrides(crawl=crawl, links={"timeout": 5, "retries": 0})
    outcome = runner.audit(server.url, profile, db=db_at(tmp_path / "a.sqlite"), out=tmp_path / "out", offline=True)
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    return outcome, {lk["url"]: lk for lk in doc["links"]}, doc


def test_no_request_leaves_scope_through_robots_sitemaps_redirects_or_links(tmp_path):
    # The traps: one on 127.0.0.1 (reached through http://0.0.0.0:PORT, as in issue 14), one on 127.0.0.2.
    with SiteServer({}) as trap, SiteServer({}, host="127.0.0.2") as other:
        zero = f"http://0.0.0.0:{trap.httpd.server_port}/"
        routes = {
            "/": html(f'<a href="/out-zero">r1</a> <a href="/out-invalid">r2</a> <a href="{zero}linked">z</a>'
                      f' <a href="{zero}doc.pdf">pdf</a> <a href="http://example.invalid/page">inv</a>'),
            "/out-zero": (302, {"Location": zero + "landing"}, b""),
            "/out-invalid": (301, {"Location": "http://example.invalid/landing"}, b""),
            "/robots.txt": (200, {"Content-Type": "text/plain"},
                            f"Sitemap: {zero}x.xml\nSitemap: {other.url}y.xml\n"
                            "Sitemap: http://example.invalid/z.xml\nSitemap: /own.xml\n".encode()),
            "/own.xml": (200, {"Content-Type": "application/xml"},
                         f'<sitemapindex><sitemap><loc>{other.url}nested.xml</loc></sitemap>'
                         f"<sitemap><loc>{zero}nested.xml</loc></sitemap></sitemapindex>".encode()),
        }
        with SiteServer(routes) as server:
            outcome, links, doc = _audit(tmp_path, server)
    assert trap.hits == [] and other.hits == []  # nothing reached the out-of-scope servers
    assert ("GET", "/own.xml") in server.hits  # the site's own sitemap is read
    assert doc["run"]["status"] == "completed"
    # robots.txt's sitemaps elsewhere: listed as links from robots.txt, excluded, with the reason
    assert links[zero + "x.xml"]["status"] == "excluded"
    assert links[zero + "x.xml"]["error"].startswith("offline: 0.0.0.0:")
    assert links[zero + "x.xml"]["sources"][0]["tag"] == "robots"
    assert links[other.url + "y.xml"]["status"] == "excluded"
    assert links[other.url + "y.xml"]["error"].startswith("out of scope: a sitemap on 127.0.0.2:")
    assert links["http://example.invalid/z.xml"]["error"].startswith("offline: example.invalid")
    # redirects out of scope: the hop is not followed
    for path in ("out-zero", "out-invalid"):
        assert links[server.url + path]["status"] == "excluded"
        assert links[server.url + path]["error_kind"] == "offline"
    # links and attachments elsewhere
    assert links[zero + "linked"]["error"] == "offline"
    assert links[zero + "doc.pdf"]["error"] == "offline"
    assert links["http://example.invalid/page"]["status"] == "excluded"


class _Endless(dict):
    """A hostile sitemap server: every /idx/N.xml is an index of two fresh, deeper indexes."""

    def get(self, path, default=None):
        if path.startswith("/idx/"):
            n = path.removeprefix("/idx/").removesuffix(".xml")
            body = (f"<sitemapindex><sitemap><loc>/idx/{n}a.xml</loc></sitemap>"
                    f"<sitemap><loc>/idx/{n}b.xml</loc></sitemap></sitemapindex>").encode()
            return 200, {"Content-Type": "application/xml"}, body
        return super().get(path, default)


def _sitemap_fetches(server: SiteServer, prefix: str) -> int:
    return sum(1 for _, path in server.hits if path.startswith(prefix))


def test_endless_sitemap_indexes_stop_at_the_depth_and_file_budgets(tmp_path):
    routes = _Endless({"/": html("<p>home</p>"),
                       "/robots.txt": (200, {"Content-Type": "text/plain"}, b"Sitemap: /idx/0.xml\n")})
    with SiteServer(routes) as server:
        outcome, _, doc = _audit(tmp_path / "depth", server, sitemap_max_depth=3)
    # depth 3 below robots.txt's sitemap: 1 + 2 + 4 + 8 files
    assert _sitemap_fetches(server, "/idx/") == 15
    assert doc["run"]["status"] == "completed"
    (warning,) = _budgets(doc)
    assert warning["monitor"] == "crawl_cut.sitemap_depth" and warning["status"] == "warn"
    # the 8 indexes of the third level list 16 more
    assert warning["message"].startswith("16 個網站地圖索引層數過深") and "crawl.sitemap_max_depth = 3" in warning["message"]
    with SiteServer(routes) as server:
        _, _, doc = _audit(tmp_path / "files", server, sitemap_max_depth=50, sitemap_max_files=10)
    assert _sitemap_fetches(server, "/idx/") == 10
    assert any("crawl.sitemap_max_files = 10" in m["message"] for m in _budgets(doc))


def test_twenty_thousand_sitemap_lines_are_not_twenty_thousand_fetches(tmp_path):
    lines = "".join(f"Sitemap: /sm/{i}.xml\n" for i in range(20_000))
    routes = {"/": html("<p>home</p>"), "/robots.txt": (200, {"Content-Type": "text/plain"}, lines.encode())}
    with SiteServer(routes) as server:
        _, links, doc = _audit(tmp_path, server)
    assert _sitemap_fetches(server, "/sm/") == 50  # crawl.sitemap_max_files
    assert sum(1 for url in links if "/sm/" in url) == 50
    (budget,) = _budgets(doc)
    assert budget["message"].startswith("19,950 個網站地圖超過檔案數上限") and "sitemap_max_files = 50" in budget["message"]


def _budgets(doc) -> list[dict]:
    """The crawl-health monitors of the sitemap budgets (crawl cuts, govaudit/cuts.py)."""
    return [m for m in doc["run"]["health"] if m["monitor"].startswith("crawl_cut.sitemap_")]


def test_gzip_bomb_and_entry_budget(tmp_path):
    routes = {"/": html("<p>home</p>")}
    server = SiteServer(routes)
    entries = [f"<url><loc>{server.url}p{i}.html</loc></url>".encode() for i in range(300)]
    # 10 entries, then 64 MiB of blanks: about 64 KiB on the wire
    bomb = gzip.compress(b"<urlset>" + b"".join(entries[:10]) + b" " * (64 * 1024 * 1024) + b"</urlset>")
    routes["/bomb.xml.gz"] = (200, {"Content-Type": "application/gzip"}, bomb)
    routes["/many.xml"] = (200, {"Content-Type": "application/xml"}, b"<urlset>" + b"".join(entries) + b"</urlset>")
    with server:
        routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"Sitemap: /bomb.xml.gz\n")
        _, links, doc = _audit(tmp_path / "bomb", server, sitemap_max_bytes=1024 * 1024)
        (budget,) = _budgets(doc)
        assert budget["monitor"] == "crawl_cut.sitemap_bytes"
        assert "（crawl.sitemap_max_bytes = 1048576），例：" in budget["message"] and "bomb.xml.gz" in budget["message"]
        assert {url for url in links if url.startswith(server.url + "p")} == {f"{server.url}p{i}.html" for i in range(10)}
        (cut,) = [c for c in doc["run"]["stats"]["cuts"] if c["kind"].startswith("sitemap_")]
        assert cut["kind"] == "sitemap_bytes" and cut["limit"] == 1024 * 1024
        routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"Sitemap: /many.xml\n")
        _, links, doc = _audit(tmp_path / "many", server, sitemap_max_entries=100)
        assert [m["monitor"] for m in _budgets(doc)] == ["crawl_cut.sitemap_entries"]
        assert "crawl.sitemap_max_entries = 100" in _budgets(doc)[0]["message"]
        assert {url for url in links if url.startswith(server.url + "p")} == {f"{server.url}p{i}.html" for i in range(100)}
