"""The bilingual check: fixture sites on a real server audited by the real CLI offline, and the page
analyzer's language-switch and script detection."""

import json
import subprocess
import sys

import lxml.html
import pytest

from govaudit.checks.bilingual import Bilingual, analyze, chinese_counterpart, cjk_share, url_section
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

ZH_TEXT = "本署負責推動政府網站之資訊公開與無障礙服務，並提供民眾便捷的線上申辦及查詢功能。" * 3
EN_TEXT = ("The agency promotes open government information and accessible services, and offers "
           "convenient online applications and enquiries for citizens. ") * 3


def zh(body, *, lang="zh-Hant-TW", head=""):
    return html(f"{head}<h1>中文頁</h1><p>{ZH_TEXT}</p>{body}", lang=lang)


def en(body, *, lang="en", title="Page", text=EN_TEXT):
    return html(f"<h1>{title}</h1><p>{text}</p>{body}", lang=lang, title=title)


EN_NAV = ('<a href="/good/en/about.html">About Us</a> <a href="/good/en/contact.html">Contact Us</a> '
          '<a href="/good/en/privacy.html">Privacy Policy</a> <a href="/good/en/open-data.html">Open Data</a> '
          '<a href="/good/">中文</a>')
GOOD = {
    "/good/": zh('<a href="/good/en/" hreflang="en">English</a> <a href="/good/about.html">關於本署</a>'
                 ' <a href="/good/news.html">最新消息</a>'),
    "/good/about.html": zh('<a href="/good/en/about.html">English</a>'),
    "/good/news.html": zh("", head='<link rel="alternate" hreflang="en" href="/good/en/latest.html">'),
    "/good/en/": en(EN_NAV, title="Home"),
    "/good/en/about.html": en(EN_NAV, title="About Us"),
    "/good/en/contact.html": en(EN_NAV, title="Contact Us"),
    "/good/en/privacy.html": en(EN_NAV, title="Privacy Policy"),
    "/good/en/open-data.html": en(EN_NAV, title="Open Data Declaration"),
    "/good/en/latest.html": en(EN_NAV, title="Latest News"),
}
BAD = {
    # the English home declares Chinese; its About page is the Chinese text; a switch leads to a 404
    "/bad/": zh('<a href="/bad/en/">EN</a> <a href="/bad/news.html">消息</a> <a href="/bad/mixed.html">其他</a>'),
    "/bad/news.html": zh('<a href="/bad/en/news.html" hreflang="en">English</a>'),
    "/bad/mixed.html": zh("", lang="en"),  # Chinese text declared English
    "/bad/en/": en('<a href="/bad/en/about.html">About</a> <a href="/bad/en/contact.html">Contact</a>',
                   lang="zh-Hant-TW", title="Home"),
    "/bad/en/about.html": en("", title="About", text=ZH_TEXT),
    "/bad/en/contact.html": en("", title="Contact"),
}
NONE = {"/none/": zh('<a href="/none/about.html">關於本署</a>'), "/none/about.html": zh("")}
DEAD = {"/dead/": zh('<a href="/dead/english/index.html">English</a>')}


def _audit(server, path, tmp_path):
    out = tmp_path / path.strip("/")
    proc = subprocess.run([sys.executable, "-m", "govaudit", "run", server.url + path.lstrip("/"), "--offline",
                           "--db", str(db_at(out.with_name(out.name + ".sqlite"))), "--out", str(out)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (check,) = [c for c in doc["checks"] if c["id"] == "bilingual"]
    return doc, check, {(f["code"], f["page"].split("/", 3)[3], f["target"]) for f in check["findings"]}


@pytest.fixture(scope="module")
def audits(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bilingual")
    with SiteServer({**GOOD, **BAD, **NONE, **DEAD}) as server:
        yield server.url, {p.strip("/"): _audit(server, p, tmp) for p in ("/good/", "/bad/", "/none/", "/dead/")}


def test_a_good_english_site_is_found_paired_and_complete(audits):
    base, runs = audits
    doc, check, findings = runs["good"]
    section = doc["bilingual"]
    assert set(section) >= {"english_home", "pairs", "coverage", "findings"}
    assert section["english_home"]["url"] == base + "good/en/" and section["english_home"]["found_by"] == "hreflang"
    pairs = {(p["zh"].removeprefix(base), p["en"].removeprefix(base)): p["via"] for p in section["pairs"]}
    assert pairs == {("good/", "good/en/"): ["path", "switch"], ("good/about.html", "good/en/about.html"):
                     ["path", "switch"], ("good/news.html", "good/en/latest.html"): ["hreflang"]}
    assert section["coverage"]["en_pages"] == 6 and section["coverage"]["zh_pages"] == 3
    assert all(section["coverage"]["key_pages"].values())
    assert findings == set() and check["status"] == "passed" and check["metrics"]["score"] == 1.0
    indicator = next(i for i in doc["indicators"] if i["id"] == "retrieval_convenience")
    # the indicator also weighs site search (rubric v2), which this small site does not offer: the
    # bilingual component is what this test is about
    component = next(c for c in indicator["components"] if c["id"] == "bilingual")
    assert component["score"] == 1.0 and component["status"] == "met"


def test_wrong_lang_chinese_english_pages_missing_key_pages_and_a_dead_switch(audits):
    base, runs = audits
    doc, check, findings = runs["bad"]
    assert findings == {
        ("bilingual.lang-wrong", "bad/en/", ""),
        ("bilingual.lang-wrong", "bad/mixed.html", ""),
        ("bilingual.not-english", "bad/en/about.html", ""),
        ("bilingual.switch-dead", "bad/news.html", base + "bad/en/news.html"),
        ("bilingual.key-page-missing", "bad/en/", "privacy"),
        ("bilingual.key-page-missing", "bad/en/", "open_data"),
    }
    assert doc["bilingual"]["english_home"]["found_by"] == "text"
    assert check["status"] == "failed" and 0 < check["metrics"]["score"] < 1
    about = next(p for p in doc["bilingual"]["english_pages"] if p["url"].endswith("/bad/en/about.html"))
    assert about["cjk_share"] > 0.9 and about["english"] is False


def test_no_english_link_scores_zero(audits):
    _, runs = audits
    doc, check, findings = runs["none"]
    assert findings == {("bilingual.english-missing", "none/", "")}
    assert doc["bilingual"]["english_home"] is None and check["metrics"]["score"] == 0.0


def test_an_english_link_that_leads_nowhere(audits):
    base, runs = audits
    doc, check, findings = runs["dead"]
    assert findings == {("bilingual.switch-dead", "dead/", base + "dead/english/index.html")}
    assert doc["bilingual"]["english_home"]["status"] == "broken" and check["metrics"]["score"] == 0.0


def _facts(body, url="http://127.0.0.1/a/", lang="zh-Hant"):
    return analyze(lxml.html.document_fromstring(f'<html lang="{lang}"><body>{body}</body></html>'), url)


def test_switch_links_sections_and_script_share():
    facts = _facts('<a href="/en/"><span class="visually-hidden">English</span></a>'
                   '<a href="/eng/x.html">消息</a><a href="?lang=zh-tw">中文版</a>'
                   '<a href="/about.html" hreflang="en-US">關於</a><a href="#top">EN</a>'
                   f"<script>var s = '{ZH_TEXT}';</script><p>{EN_TEXT}</p>")
    got = [(s["href"].removeprefix("http://127.0.0.1"), s["to"], s["via"]) for s in facts["switches"]]
    assert got == [("/en/", "en", "text"), ("/eng/x.html", "en", "path"), ("/a/?lang=zh-tw", "zh", "text"),
                   ("/about.html", "en", "hreflang")]
    assert cjk_share(facts) < 0.05  # the link labels only: script text is not visible text
    assert cjk_share(_facts("<p>短</p>")) is None  # too little text to judge
    assert url_section("http://x/EN/a.html") == "en" and url_section("http://x/a.aspx?Lang=en-us") == "en"
    assert url_section("http://x/ent/a.html") == "zh"
    assert chinese_counterpart("http://x/en/a/b.html") == "http://x/a/b.html"
    assert chinese_counterpart("http://x/a.aspx?id=3&lang=en") == "http://x/a.aspx?id=3"
    assert chinese_counterpart("http://x/a/b.html") is None
    with pytest.raises(ValueError):
        Bilingual({"max_cjk_share": 2})
    with pytest.raises(ValueError):
        Bilingual({"key_pages": ["faq"]})
