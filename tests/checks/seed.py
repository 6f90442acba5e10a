"""A seeded run for one check at a time, without a crawl: a real SQLite store written through the crawl's
own sink methods, pages parsed by the crawl's own extraction (so their facts, links, titles and anchors
are what a crawl would store), link results and axe results as the crawl and the browser stage write them.

    site = seeded()                               # the `seeded` fixture: a run of SITE
    site.page("/", "<html>…</html>")              # parsed, stored with its links and an `ok` result
    site.result("http://127.0.0.2/x", LinkStatus.BROKEN, http_status=404)
    result = site.run(BrokenLinks())
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from govaudit import registry
from govaudit.analyzers import page_analyzers
from govaudit.crawler.parsepool import extract_page
from govaudit.models import CheckResult, Link, LinkResult, LinkStatus, Page
from govaudit.plugins import Check, CheckContext
from govaudit.profile import Profile, load_profile
from govaudit.store import Store

SITE = "http://127.0.0.1:8000/"
HTML = "text/html; charset=utf-8"


def html(body: str, *, title: str = "測試機關", lang: str = "zh-Hant-TW", head: str = "") -> str:
    """A whole page around body."""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}'
            f"</head><body>{body}</body></html>")


@dataclass
class SeededSite:
    """One run in a real store, filled page by page the way the crawl fills it."""

    store: Store
    run_id: int
    start_url: str = SITE
    profile: Profile = field(default_factory=lambda: load_profile(None))

    def url(self, path: str) -> str:
        return self.start_url.rstrip("/") + path if path.startswith("/") else path

    def page(self, path: str, body: str, *, depth: int | None = None, status: int = 200,
             content_type: str = HTML, result: bool = True) -> Page:
        """An HTML page: parsed with every installed check's page analyzer, stored with its links and (unless
        result=False) an `ok` link result, as the crawl stores a page it fetched."""
        url = self.url(path)
        raw = body.encode("utf-8")
        page = Page(url=url, requested_url=url, http_status=status, content_type=content_type,
                    depth=(0 if url == self.start_url else 1) if depth is None else depth, size=len(raw),
                    body_hash=hashlib.sha256(raw).hexdigest())
        links: list[Link] = []
        if 200 <= status < 300:
            page, links, _, _ = extract_page(page, raw, content_type, page_analyzers(registry.checks()))
        with self.store.transaction():
            self.store.add_pages(self.run_id, [(page, raw)])
            self.store.add_links(self.run_id, links)
        if result:
            self.result(url, LinkStatus.OK if 200 <= status < 400 else LinkStatus.BROKEN, http_status=status,
                        internal=True)
        return page

    def attachment(self, path: str, body: bytes, content_type: str, *, kind: str) -> Page:
        """A download of the site (PDF, ODF, OOXML, text): a page row with its body, as the crawl stores one."""
        url = self.url(path)
        page = Page(url=url, requested_url=url, http_status=200, content_type=content_type, depth=1,
                    size=len(body), body_hash=hashlib.sha256(body).hexdigest(), facts={"attachment": kind})
        with self.store.transaction():
            self.store.add_pages(self.run_id, [(page, body)])
        self.result(url, LinkStatus.OK, http_status=200, internal=True)
        return page

    def result(self, url: str, status: LinkStatus, **fields: Any) -> LinkResult:
        """The crawl's verdict on one target."""
        found = LinkResult(url=self.url(url), status=status, **fields)
        with self.store.transaction():
            self.store.add_link_results(self.run_id, [found])
        return found

    def axe(self, path: str, result: dict[str, Any], *, error: str = "", reason: str = "home") -> None:
        """A page the browser stage tested with axe-core."""
        self.store.add_axe_pages(self.run_id, [{"url": self.url(path), "template": path, "reason": reason,
                                                "error": error, "attempts": 1, "result": result}])

    def context(self, check: Check, *, browser: Any = None,
                results: dict[str, CheckResult] | None = None) -> CheckContext:
        return CheckContext(store=self.store, run_id=self.run_id, profile=self.profile, options=check.options,
                            browser=browser, results=results or {})

    def run(self, check: Check, **context: Any) -> CheckResult:
        return check.run(self.context(check, **context))


def codes(result: CheckResult) -> list[str]:
    """The finding codes of a result, sorted (with repeats)."""
    return sorted(f.code for f in result.findings)


# -- pages of a well-kept agency site -----------------------------------------------------------------
NATIONAL_ID = "A123456789"  # checksum-valid (the textbook example)
META = "".join(f'<meta name="DC.{e}" content="x">' for e in (
    "Title", "Creator", "Subject", "Description", "Contributor", "Type", "Format", "Source", "Language",
    "Coverage", "Publisher", "Identifier", "Relation", "Rights")) + '<meta name="DC.Date" content="2024-09-10">'
CATEGORY = ('<meta name="Category.Theme" content="770"><meta name="Category.Cake" content="C21">'
            '<meta name="Category.Service" content="E41">')
KEYS = ('<a accesskey="U" href="#U" title="上方功能區">:::</a><a accesskey="C" href="#C" title="中央內容區">:::</a>'
        '<a accesskey="Z" href="#Z" title="下方功能區">:::</a>')


def footer(phone: str = "(02)2345-6789") -> str:
    """The footer every page of the site shows: the Art. 7-3 contact data and the required pages."""
    return ('<footer><ul><li><a href="/privacy.html">隱私權及安全政策</a></li>'
            '<li><a href="/open-data.html" title="政府網站資料開放宣告">資料開放宣告</a></li>'
            '<li><a href="/sitemap.html">網站導覽</a></li><li><a href="/sop.html">網站資料更新維護管理規定</a></li></ul>'
            f'<address><p>地址：100099 臺北市中正區示範路100號</p><p>電話：{phone}　傳真：(02)2345-6780</p>'
            '<p>電子郵件：<a href="mailto:service@demo.gov.tw">service@demo.gov.tw</a></p></address></footer>')


def gov_page(body: str, *, title: str = "測試機關", meta: str = META + CATEGORY, keys: str = KEYS,
             phone: str = "(02)2345-6789") -> str:
    """A page of the site with its metadata, accesskeys and footer."""
    return html(f"{keys}{body}{footer(phone)}", title=title, head=meta)


def gov_site(site: SeededSite, home: str = "", *, common: str = "", **pages: str) -> None:
    """The home page (body `home`) and the pages its footer names, each a gov_page; `pages` adds
    /<name>.html pages (body as given); `common` ends the body of every page."""
    site.page("/", gov_page(home + common))
    for path, title in (("/privacy.html", "隱私權及安全政策"), ("/open-data.html", "政府網站資料開放宣告"),
                        ("/sitemap.html", "網站導覽"), ("/sop.html", "網站資料更新維護管理規定")):
        site.page(path, gov_page(f"<h1>{title}</h1>{common}", title=title))
    for name, body in pages.items():
        site.page(f"/{name}.html", gov_page(body + common, title=name))
