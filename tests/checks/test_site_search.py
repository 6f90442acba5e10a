"""site_search: search boxes found on real page markup, the query the crawler submits after the crawl to a
real server on 127.0.0.1 (through the scope gate, offline, robots.txt), and the check's verdicts."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import lxml.html
import pytest

from govaudit.checks.site_search import SiteSearch
from govaudit.crawler import sitesearch
from govaudit.jobs import CrawlJob
from govaudit.models import CheckStatus, LinkStatus
from govaudit.profile import load_profile
from govaudit.sitesearch import SearchOutcome, page_search, pick_term, read_answer
from tests.checks.seed import SeededSite, codes, html
from tests.siteserver import Route, SiteServer

HTML = {"Content-Type": "text/html; charset=utf-8"}
# The header of an agency CMS page (the demo's, and the pattern of many gov.tw sites).
HEADER = ('<header><ul><li><a href="/">回首頁</a></li><li><a href="/sitemap.html">網站導覽</a></li></ul>'
          '<form class="search" action="/search/" method="get" role="search"><label for="q">搜尋</label>'
          '<input id="q" name="q" type="search"><button type="submit">搜尋</button>'
          ' <a href="/search/">進階搜尋</a></form>'
          '<nav><ul><li><a href="/news/">最新消息</a></li><li><a href="/services/">為民服務</a></li></ul></nav></header>')
FOOTER = '<footer><a href="/privacy.html">隱私權及安全政策</a></footer>'


def _page(body: str, title: str, header: str = HEADER) -> str:
    return html(header + "<main>" + body + "</main>" + FOOTER, title=title)


def _forms(markup: str, url: str = "http://127.0.0.1:8000/") -> list:
    return list(page_search(lxml.html.fromstring(markup), url).forms)


# -- what a page offers ---------------------------------------------------------------------------------

def test_search_boxes_on_real_markup() -> None:
    [form] = _forms(HEADER)
    assert (form.action, form.field, form.method) == ("http://127.0.0.1:8000/search/", "q", "get")
    assert form.query_url("申辦須知") == "http://127.0.0.1:8000/search/?q=" + quote("申辦須知")
    # A Google custom search: hidden cx kept, on another host.
    [cse] = _forms('<form action="https://cse.google.com/cse" id="cse-search-box"><input type="hidden" name="cx"'
                   ' value="0123:abc"><input type="text" name="q" placeholder="站內搜尋"><input type="submit" value="搜尋">'
                   "</form>")
    assert cse.external() and cse.hosted() and cse.query_url("x") == "https://cse.google.com/cse?cx=0123%3Aabc&q=x"
    # An ASP.NET-style box: a text field labelled 全文檢索 with a category select (分類檢索).
    [asp] = _forms('<form action="/Search.aspx?n=1" method="get"><input name="keyword" title="全文檢索">'
                   '<select name="type"><option value="all" selected>全部</option><option value="news">新聞</option>'
                   "</select></form>")
    assert asp.categories and asp.query_url("預算") == "http://127.0.0.1:8000/Search.aspx?type=all&keyword=" + quote("預算")


def test_login_contact_and_newsletter_forms_are_not_search_boxes() -> None:
    login = '<form method="post"><input name="user"><input name="pw" type="password"><button>登入</button></form>'
    contact = ('<form action="/mailbox" method="post"><input name="name"><input name="phone"><input name="mail">'
               '<input name="subject"><textarea name="body"></textarea><button>送出查詢</button></form>')
    newsletter = '<form action="/epaper" method="post"><input type="email" name="email"><button>訂閱</button></form>'
    assert _forms(login + contact + newsletter) == []
    offered = page_search(lxml.html.fromstring('<div role="search"><input id="kw"><a href="/adv">進階檢索</a></div>'
                                               '<a href="/s.html">站內搜尋</a>'), "http://127.0.0.1:8000/")
    assert offered.scripted == 1 and offered.advanced == ("http://127.0.0.1:8000/adv",)
    assert offered.search_pages == ("http://127.0.0.1:8000/s.html",)


def test_the_term_is_a_word_few_pages_have_and_not_the_site_name() -> None:
    titles = [("u/1", "書表下載｜示範署"), ("u/2", "書表下載說明｜示範署"), ("u/3", "數位服務體驗週｜示範署"),
              ("u/4", "About us | DSDA"), ("u/5", "示範署全球資訊網")]
    assert pick_term(titles, "示範署全球資訊網") == "數位服務體驗週"
    assert pick_term([("u/4", "About the agency | DSDA")], "") == "agency"  # the longest word
    assert pick_term([], "") is None


def test_reading_an_answer_leaves_out_the_frame() -> None:
    asked = SearchOutcome(term="申辦", url="http://127.0.0.1:8000/search/?q=x", form_page="http://127.0.0.1:8000/",
                          action="http://127.0.0.1:8000/search/")
    frame = {f"http://127.0.0.1:8000{p}" for p in ("/", "/sitemap.html", "/news/", "/services/", "/privacy.html")}
    answer = _page('<p>共 2 筆</p><ul><li><a href="/services/guide.html">申辦須知</a></li>'
                   '<li><a href="/news/9.html">新聞稿</a></li></ul><a href="/search/?q=x&amp;page=2">下一頁</a>',
                   "搜尋結果")
    got = read_answer(answer, asked, frame, {"http://127.0.0.1:8000/news/9.html": "線上申辦上路｜示範署"})
    assert got.results == 2 and got.announced == 2 and got.works and not got.says_none
    assert set(got.hits) == {"http://127.0.0.1:8000/services/guide.html", "http://127.0.0.1:8000/news/9.html"}
    nothing = read_answer(_page("<p>查無資料，請改用其他關鍵字。</p>", "搜尋結果"), asked, frame, {})
    assert (nothing.results, nothing.works, nothing.says_none) == (0, False, True)


# -- the query after the crawl, at a real server --------------------------------------------------------

def _site(seeded: Callable[..., SeededSite], server: SiteServer, *, header: str = HEADER) -> SeededSite:
    site = seeded(start_url=server.url)
    site.page("/", _page('<a href="/services/guide.html">申辦須知</a><a href="/news/1.html">新聞</a>', "示範署全球資訊網",
                         header))
    site.page("/services/guide.html", _page("<p>申辦須知</p>", "申辦須知｜示範署", header))
    site.page("/news/1.html", _page("<p>本署推出數位服務</p>", "數位服務體驗週｜示範署", header))
    return site


def _query(site: SeededSite, *, offline: bool = True, robots: bool = True) -> int:
    profile = load_profile(None)
    profile = profile.model_copy(update={"crawl": profile.crawl.model_copy(update={"obey_robots": robots})})
    job = CrawlJob.from_profile(profile, store=site.store.url, run_id=site.run_id, site="t", start_url=site.start_url,
                                offline=offline, analyzers=("site_search",))
    return sitesearch.search(site.store, site.run_id, job, list(site.store.pages(site.run_id)))


def _route(term: str) -> str:
    return "/search/?q=" + quote(term)


ANSWER = _page('<p>共 1 筆</p><ul><li><a href="/news/1.html">數位服務體驗週</a></li></ul>', "搜尋結果｜示範署")
NOTHING = _page("<p>查無資料</p>", "搜尋結果｜示範署")


@pytest.mark.parametrize(("answer", "status", "code", "works"), [
    ((200, HTML, ANSWER.encode()), CheckStatus.PASSED, None, True),
    ((200, HTML, NOTHING.encode()), CheckStatus.FAILED, "site_search.no-results", False),
    ((500, HTML, b"<h1>Server Error</h1>"), CheckStatus.FAILED, "site_search.broken", False),
])
def test_the_submitted_query_decides(seeded: Callable[..., SeededSite], site_server: Callable[[dict[str, Route]], SiteServer],
                                     answer: Route, status: CheckStatus, code: str | None, works: bool) -> None:
    routes: dict[str, Route] = {}
    server = site_server(routes)
    site = _site(seeded, server)
    routes[_route("數位服務體驗週")] = answer
    assert _query(site) == 1
    assert ("GET", _route("數位服務體驗週")) in server.hits
    result = site.run(SiteSearch())
    assert result.status == status and codes(result) == ([code] if code else [])
    assert result.metrics["works"] is works and result.metrics["term"] == "數位服務體驗週"
    assert result.metrics["score"] == (1.0 if works else 0.5) and result.metrics["advanced"] is True
    query = result.data["site_search"]["query"]
    assert query["form_page"] == site.url("/") and query["action"] == site.url("/search/")
    if code:
        [finding] = result.findings
        assert finding.target == site.url(_route("數位服務體驗週")) and finding.evidence["term"] == "數位服務體驗週"
    # the query made (the form's action with the query string); the crawl records the bare action too
    [link] = [lk for lk in site.store.links(site.run_id) if lk.tag == "form" and "?" in lk.target]
    assert (link.source, link.attribute) == (site.url("/"), "action")


def test_a_hosted_search_is_not_contacted_offline(seeded: Callable[..., SeededSite],
                                                  site_server: Callable[[dict[str, Route]], SiteServer]) -> None:
    server = site_server({})
    cse = ('<form action="https://cse.google.com/cse"><input type="hidden" name="cx" value="1">'
           '<input name="q" placeholder="站內搜尋"></form>')
    site = _site(seeded, server, header=cse)
    assert _query(site) == 1
    assert server.hits == []  # not even robots.txt: the search is not the site's
    result = site.run(SiteSearch())
    assert result.status == CheckStatus.NEEDS_REVIEW and codes(result) == ["site_search.not-verified"]
    assert "offline" in result.findings[0].message and result.metrics["score"] == 0.75
    assert result.data["site_search"]["query_status"] == LinkStatus.EXCLUDED


def test_robots_txt_is_obeyed(seeded: Callable[..., SeededSite],
                              site_server: Callable[[dict[str, Route]], SiteServer]) -> None:
    server = site_server({"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /search/\n")})
    site = _site(seeded, server)
    assert _query(site) == 1
    assert [path for _, path in server.hits] == ["/robots.txt"]
    result = site.run(SiteSearch())
    assert codes(result) == ["site_search.not-verified"] and "robots.txt" in result.findings[0].message


def test_no_search_at_all_and_search_only_inside(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html('<a href="/a.html">關於本署</a>', title="示範署"))
    site.page("/a.html", html("<p>x</p>", title="關於本署｜示範署"))
    result = site.run(SiteSearch())
    assert result.status == CheckStatus.FAILED and codes(result) == ["site_search.missing"]
    assert result.metrics["score"] == 0.0
    inside = seeded()
    inside.page("/", html('<a href="/a.html">關於本署</a>', title="示範署"))
    inside.page("/a.html", html(HEADER, title="關於本署｜示範署"))
    result = inside.run(SiteSearch())
    # Not tried (no crawler step in this seeded run): not on the home page, and not verified.
    assert codes(result) == ["site_search.not-on-home", "site_search.not-verified"]
    assert result.status == CheckStatus.NEEDS_REVIEW and result.metrics["score"] == 0.5
