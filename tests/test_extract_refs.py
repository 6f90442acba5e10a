"""Reference extraction, traps, link roles and crawl cuts as pure functions (no crawl: see
tests/test_crawl_completeness.py for the same against a loopback site)."""

from __future__ import annotations

import pytest

from govaudit import cuts, health, urls
from govaudit.crawler import linkroles, traps
from govaudit.crawler.css import css_refs
from govaudit.crawler.extract import parse, refresh_url, srcset_urls


def test_srcset_candidates_with_descriptors_and_commas_in_urls():
    assert srcset_urls("a.png 1x, b.png 2x") == ["a.png", "b.png"]
    assert srcset_urls("  s.jpg 480w,m.jpg 800w ,l.jpg") == ["s.jpg", "m.jpg", "l.jpg"]
    assert srcset_urls("img,1.png 1x, img,2.png 2x") == ["img,1.png", "img,2.png"]
    assert srcset_urls("") == []


@pytest.mark.parametrize(("content", "target"), [
    ("0; url=/zh/index.html", "/zh/index.html"), ("5;URL='/a b.html'", "/a b.html"),
    ('0; url="http://x.gov.tw/"', "http://x.gov.tw/"), ("3", ""), ("0;url=", ""), ("0, url=/p", "/p"),
])
def test_meta_refresh_target(content, target):
    assert refresh_url(content) == target


def test_css_urls_by_the_tokenizer_not_a_regex():
    css = """@import "a.css"; @import url(b.css) screen;
    /* url(commented.png) */ .x { background: url( 'sp ace.png' ) } .y { content: "url(in-string.png)" }
    @media print { .z { background: url(nested.gif) } } @font-face { src: url(f.woff2) format("woff2") }"""
    refs = css_refs(css)
    assert [r.url for r in refs] == ["a.css", "b.css", "sp ace.png", "nested.gif", "f.woff2"]
    assert [r.kind for r in refs[:3]] == ["import", "import", "url"] and refs[3].line == 3
    assert css_refs("color: red") == [] and css_refs("background:url()") == []


def test_every_element_and_attribute_is_recorded():
    doc = """<html manifest="app.appcache"><head><meta http-equiv="Refresh" content="0; url=/home">
    <link rel="preconnect" href="//cdn"><link rel="stylesheet" href="s.css"></head>
    <body background="bg.gif"><img src="a.png" srcset="a2.png 2x" alt="圖"><video poster="p.jpg"></video>
    <input type="image" src="go.gif" alt="送出"><input type="text" src="no.png"><div src="no2.png" style="x">x</div>
    <form action="/s"></form><form action="/p" method="post"></form><button formaction="/b">b</button>
    <applet codebase="lib/" archive="a.jar, b.jar"></applet><td style="background:url(td.png)"></td></body></html>"""
    got = [(r.url, r.tag, r.attr, r.rel) for r in parse(doc, "http://x/").links]
    assert got == [
        ("app.appcache", "html", "manifest", ""), ("/home", "meta", "content", "refresh"),
        ("s.css", "link", "href", "stylesheet"), ("bg.gif", "body", "background", ""),
        ("a.png", "img", "src", ""), ("a2.png", "img", "srcset", ""), ("p.jpg", "video", "poster", ""),
        ("go.gif", "input", "src", ""), ("/s", "form", "action", ""), ("/p", "form", "action", "post"),
        ("/b", "button", "formaction", ""), ("lib/a.jar", "applet", "archive", ""),
        ("lib/b.jar", "applet", "archive", ""), ("td.png", "td", "style", ""),
    ]


@pytest.mark.parametrize("href", ["http://", "https://", "//", "http:///x", "http://:80/", "http://h:99999/",
                                  "http://h:port/", "http://ex ample.gov.tw/"])
def test_invalid_urls_are_invalid_not_the_page_they_sit_on(href):
    with pytest.raises(urls.InvalidURL):
        urls.normalize(href, "http://127.0.0.1:8000/dir/page.html")


def test_session_ids_are_stripped_and_section_ids_kept():
    assert traps.session_free("http://x/l?sid=8f7c6d5e4b3a2f1c0d9e&c=2") == "http://x/l?c=2"
    assert traps.session_free("http://x/l?sid=12&s=3") == "http://x/l?sid=12&s=3"  # agency CMS section ids
    assert traps.session_free("http://x/a;jsessionid=AB12?x=1") == "http://x/a?x=1"
    assert traps.session_free("http://x/(S(abcdefgh))/p.aspx") == "http://x/p.aspx"
    assert traps.session_free("http://x/p?PHPSESSID=1") == "http://x/p"


def test_calendars_and_repeating_paths():
    assert traps.trap_kind("http://x/a/b/a/b/a/b/", 2026) == "repeating_path"
    assert traps.trap_kind("http://x/calendar?ym=202901", 2026) == "calendar"
    assert traps.trap_kind("http://x/event/1990/01/", 2026) == "calendar"
    assert traps.trap_kind("http://x/calendar?ym=202701", 2026) is None
    assert traps.trap_kind("http://x/news/2001/05/item.html", 2026) is None  # an archive is not a calendar
    assert traps.trap_kind("http://x/a/b/c/", 2026) is None


def test_hubs_and_pagers():
    assert linkroles.is_hub("http://x/p/12", "政府資訊公開") and linkroles.is_hub("http://x/gov_info/", "")
    assert not linkroles.is_hub("http://x/news", "最新消息")
    assert linkroles.is_pager("http://x/news?page=3", "3") and linkroles.is_pager("http://x/news/list/4", "")
    assert linkroles.is_pager("http://x/news?x=1", "下一頁") and not linkroles.is_pager("http://x/about", "下一頁")
    assert not linkroles.is_pager("http://x/news/123.html", "公告")


def test_cuts_are_counted_and_become_monitors():
    log = cuts.CutLog()
    for n in range(118):
        log.add("max_depth", f"http://x/p{n}", limit=10)
    log.add("requests", limit=500)
    stats = {"finish_reason": "request_budget", "pages_fetched": 5, "cuts": log.as_stats()}
    monitors = {m.monitor: m for m in health.evaluate(stats, None, exit_code=0, start_status="ok")}
    assert monitors["crawl_cut.max_depth"].status == health.WARN
    assert monitors["crawl_cut.max_depth"].message.startswith("118 頁超過最大深度")
    assert "crawl.max_depth = 10" in monitors["crawl_cut.max_depth"].message
    assert "http://x/p0" in monitors["crawl_cut.max_depth"].message
    assert monitors["crawl_cut.requests"].status == health.FAIL and not health.healthy(list(monitors.values()))
    assert monitors["crawl_finished"].status == health.OK  # the budget is named by its own monitor
    with pytest.raises(ValueError):
        log.add("no_such_cut")
