"""report.html: self-contained, escaped, grouped right, bilingual, and robust to thin input."""

from __future__ import annotations

import base64
import hashlib
import random
import re

import lxml.html
import pytest

from govaudit.reports import model, values
from govaudit.reports.i18n import labels, normalize_lang
from govaudit.reports.writers.html import HtmlWriter

BASE = "http://127.0.0.1:8000"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTR = '"onmouseover="alert(2)'
XSS_IMG = "'><img src=x onerror=alert(3)>"
BIG5ISH = "許功蓋 ㄅㄆㄇ 﨑 碁銹裏墻恒粧嫺"
HOSTILE_PAGE = f"{BASE}/news/{XSS_ATTR}.html"
JS_TARGET = "javascript:alert(4)"
DATA_PAGE = "data:text/html,<script>alert(5)</script>"

FAILURES = 500  # distinct failing targets, on top of the hand-written ones


def _link(url, status, sources, **extra):
    link = {
        "url": url,
        "status": status,
        "http_status": None,
        "final_url": None,
        "error": "",
        "error_kind": None,
        "reason": "",
        "internal": url.startswith(BASE),
        "redirect_chain": [],
        "method": "HEAD",
        "sources": sources,
    }
    link.update(extra)
    return link


def _src(page, text="連結", line=10, tag="a", attr="href", fragment=""):
    return {"page": page, "text": text, "tag": tag, "attr": attr, "line": line, "fragment": fragment}


def make_results(run_status="completed"):
    rng = random.Random(7)
    pages = [f"{BASE}/news/{i:03d}.html" for i in range(60)]
    links = [
        # the hand-written page: every failure status, out of order, hostile strings everywhere
        _link(f"{BASE}/redirected.html", "redirected", [_src(HOSTILE_PAGE, "舊網址", line=5)],
              http_status=301, final_url=f"{BASE}/new.html", reason="永久重新導向",
              redirect_chain=[[301, f"{BASE}/new.html"], [301, JS_TARGET]]),
        _link(f"{BASE}/gone.html", "broken", [_src(HOSTILE_PAGE, XSS_SCRIPT, line=40)],
              http_status=404, error_kind="http_status", reason="<b>找不到網頁</b> " + XSS_IMG),
        _link("https://blocked.example.gov.tw/", "unverified", [_src(HOSTILE_PAGE, XSS_ATTR, line=2)],
              http_status=403, error_kind="bot_blocked", reason="遭阻擋"),
        _link(JS_TARGET, "broken", [_src(HOSTILE_PAGE, BIG5ISH, line=30), _src(DATA_PAGE, "data")],
              error_kind="scheme", reason="not http"),
        _link(f"{BASE}/%E6%9C%80%E6%96%B0%E6%B6%88%E6%81%AF/%B3%5C.html", "broken",
              [_src(HOSTILE_PAGE, "最新消息", line=20, fragment="top")], http_status=404, error_kind="http_status"),
        _link(f"{BASE}/nosrc", "broken", [], http_status=500, error_kind="http_status"),
    ]
    statuses = ["broken"] * 250 + ["unverified"] * 150 + ["redirected"] * 100
    for i, status in enumerate(statuses):
        on = rng.sample(pages, rng.randint(1, 3))
        sources = [_src(p, f"第{i}則 {XSS_SCRIPT}", line=rng.randint(1, 900)) for p in on]
        links.append(_link(f"https://ext{i}.example.com/p?id={i}", status, sources,
                           http_status={"broken": 404, "unverified": 429, "redirected": 301}[status],
                           error_kind={"broken": "http_status", "unverified": "rate_limited"}.get(status)))
    for i in range(300):
        links.append(_link(f"{BASE}/ok/{i}", "ok", [_src(rng.choice(pages))], http_status=200))
    links.append(_link("mailto:x@example.gov.tw", "unsupported", [_src(pages[0])]))
    links.append(_link("https://offline.example/", "excluded", [_src(pages[0])], error_kind="offline"))

    findings = [
        {"code": "link.broken", "severity": "high", "page": s["page"], "target": link["url"],
         "message": "broken " + XSS_SCRIPT, "fingerprint": "f", "evidence": {}, "tags": []}
        for link in links if link["status"] == "broken" for s in link["sources"]
    ]
    return {
        "schema": "govaudit/results@2",
        "run": {
            "id": 3, "site": "數位服務示範署" + XSS_SCRIPT, "start_url": BASE + "/", "status": run_status,
            "started_at": "2026-11-21T02:00:00+08:00", "finished_at": "2026-11-21T02:00:41+08:00",
            "pages_crawled": 352, "links_checked": len(links), "tool_version": "0.1.0",
            "profile_hash": "ab12cd", "rubric": "default@1", "previous_run": 2,
            "stats": {"pages_failed": 1, "elapsed_s": 41.2},
            "health": [{"monitor": "pages_vs_previous", "status": "warn", "message": XSS_IMG}],
        },
        "links": links,
        "checks": [
            {"id": "broken_links", "title": "失效連結", "version": "1", "status": "failed",
             "metrics": {"link_correctness": 0.975, "nested": {"x": 1}}, "duration": 0.12, "error": "",
             "findings": findings},
            {"id": "gipa_disclosure", "title": "政府資訊公開 " + XSS_SCRIPT, "version": "1", "status": "needs_review",
             "metrics": {}, "duration": 0.5, "error": "",
             "findings": [{"code": "gipa.missing", "severity": "medium", "page": BASE + "/", "target": "",
                           "message": "缺少預算書 " + XSS_ATTR, "fingerprint": "g", "evidence": {}, "tags": []}]},
            {"id": "a11y", "title": "無障礙", "version": "1", "status": "skipped", "metrics": {},
             "duration": 0, "error": "no browser " + XSS_SCRIPT, "findings": []},
        ],
        "indicators": [
            {"id": "content_validity", "label": "資訊內容有效性", "score": 97.5, "max": 100, "status": "partial",
             "coverage": 0.4, "components": [
                 {"id": "link_correctness", "label": "資訊連結正確度", "weight": 40, "status": "partial",
                  "score": 0.975, "reason": "", "check": "broken_links", "metric": "link_correctness",
                  "evidence": [f"{BASE}/gone.html", JS_TARGET]},
                 {"id": "update_freshness", "label": "資訊更新頻率", "weight": 60, "status": "not_assessed",
                  "score": 0, "reason": "未提供更新紀錄 " + XSS_SCRIPT, "check": "", "metric": "", "evidence": []},
             ]},
            {"id": "open_data", "label": "開放資料", "score": None, "max": 100, "status": "not_assessed",
             "coverage": 0, "components": []},
        ],
        "codes": {
            "link.broken": {"severity": "high", "description": "連結失效 " + XSS_IMG, "check": "broken_links"},
            "link.redirected": {"severity": "low", "description": "永久重新導向", "check": "broken_links"},
        },
    }


@pytest.fixture(scope="module")
def results():
    return make_results()


@pytest.fixture(scope="module")
def rendered(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("zh")
    path = HtmlWriter().write(results, out)
    raw = path.read_text(encoding="utf-8")
    return path, raw, lxml.html.document_fromstring(raw)


# -- file and safety ------------------------------------------------------------------------------


def test_writes_one_utf8_file_atomically(rendered):
    path, raw, _ = rendered
    assert path.name == "report.html"
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temp file left behind
    assert raw.startswith("<!DOCTYPE html>")
    assert "數位服務示範署" in path.read_bytes().decode("utf-8")


def test_only_our_inline_script_and_style(rendered):
    _, raw, doc = rendered
    scripts = doc.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("src") is None
    assert raw.lower().count("<script") == 1
    assert raw.lower().count("<img") == 0
    # both inline blocks are allowed by hash in the CSP, and nothing else is
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp
    for el in (scripts[0], doc.xpath("//style")[0]):
        digest = base64.b64encode(hashlib.sha256(el.text.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_no_external_resources(rendered):
    _, raw, doc = rendered
    assert not doc.xpath("//link | //img | //iframe | //object | //embed | //video | //audio | //source")
    assert not doc.xpath("//*[@src or @srcset or @style or @background]")
    css = doc.xpath("//style")[0].text
    assert "@import" not in css and "url(" not in css
    assert not re.search(r"@font-face", css)


def test_no_event_handler_attributes(rendered):
    _, _, doc = rendered
    assert not doc.xpath("//@*[starts-with(name(), 'on')]")


def test_links_are_http_or_in_page_only(rendered):
    _, _, doc = rendered
    hrefs = doc.xpath("//a/@href")
    assert hrefs
    for href in hrefs:
        assert href.startswith(("http://", "https://", "#")), href
    assert JS_TARGET not in hrefs and not any(h.startswith("data:") for h in hrefs)
    # ... but the non-http URLs are still shown, as text
    text = doc.text_content()
    assert JS_TARGET in text and DATA_PAGE in text


@pytest.mark.parametrize("hostile", [XSS_SCRIPT, XSS_ATTR, XSS_IMG, BIG5ISH])
def test_crawled_strings_render_as_text(rendered, hostile):
    _, raw, doc = rendered
    assert hostile in doc.text_content()
    if "<" in hostile:
        assert hostile not in raw


def test_link_checker_reason_as_text_in_english_only(results, rendered, tmp_path):
    # the link checker's reason is English: the zh-TW report shows the kind and the status help instead
    hostile = "<b>找不到網頁</b>"
    assert hostile not in rendered[2].text_content()
    raw = HtmlWriter().write(results, tmp_path, lang="en").read_text(encoding="utf-8")
    assert hostile in lxml.html.document_fromstring(raw).text_content() and hostile not in raw


def test_hostile_url_stays_inside_its_href(rendered):
    _, _, doc = rendered
    assert HOSTILE_PAGE in doc.xpath("//a/@href")


# -- content and grouping -------------------------------------------------------------------------


def _groups(doc):
    """[(page href or caption text, [(status, target href or text, line text)])] in document order."""
    out = []
    for table in doc.xpath("//table[contains(@class, 'page-group')]"):
        caption = table.xpath("caption")[0]
        page = caption.xpath(".//a/@href") or [caption.text_content().split("—")[0].strip()]
        rows = []
        for tr in table.xpath("tbody/tr"):
            cell = tr.xpath("td[2]")[0]
            target = (cell.xpath("a/@href") or [cell.text_content().strip()])[0]
            rows.append((tr.get("data-status"), target, tr.xpath("td[5]")[0].text_content()))
        out.append((page[0], rows))
    return out


def test_every_failure_row_is_under_its_source_page(rendered, results):
    _, _, doc = rendered
    unknown = labels("zh-TW")["t"]["unknown_page"]
    expected: dict[str, set] = {}
    for link in results["links"]:
        if link["status"] in model.FAILURE_STATUSES:
            for s in link["sources"] or [{"page": unknown}]:
                expected.setdefault(s["page"], set()).add((link["status"], link["url"]))
    got = {page: {(status, target.split("#")[0]) for status, target, _ in rows} for page, rows in _groups(doc)}
    assert got == expected
    total = sum(len(link["sources"]) or 1 for link in results["links"] if link["status"] in model.FAILURE_STATUSES)
    assert len(doc.xpath("//tr[@data-status]")) == total > FAILURES


def test_rows_ordered_by_status_then_line_and_pages_worst_first(rendered):
    _, _, doc = rendered
    groups = _groups(doc)
    rows = dict(groups)[HOSTILE_PAGE]
    assert [s for s, _, _ in rows] == ["broken", "broken", "broken", "unverified", "redirected"]
    assert [line for _, _, line in rows] == ["20", "30", "40", "2", "5"]
    rank = {s: i for i, s in enumerate(model.FAILURE_STATUSES)}
    order = []
    for _, rows in groups:
        keys = [(rank[s], int(line) if line.strip().isdigit() else 0) for s, _, line in rows]
        assert keys == sorted(keys)
        order.append((-sum(s == "broken" for s, _, _ in rows), -len(rows)))
    assert order[:-1] == sorted(order[:-1])  # most broken first, then most problems
    assert groups[-1][0] == labels("zh-TW")["t"]["unknown_page"]  # the "source unknown" group is last


def test_fragment_and_decoded_url_in_target_cell(rendered):
    _, _, doc = rendered
    cell = doc.xpath("//td/a[contains(@href, '%E6%9C%80')]")[0]
    assert cell.get("href").endswith("/%E6%9C%80%E6%96%B0%E6%B6%88%E6%81%AF/%B3%5C.html#top")
    assert cell.text_content().endswith("/最新消息/%B3%5C.html#top")  # Big5 escapes stay encoded


def test_redirect_chain_hops_that_are_not_http_are_text(rendered):
    _, _, doc = rendered
    chain = doc.xpath("//ol[contains(@class, 'chain')]")[0]
    assert [li.text_content().split(" → ")[0] for li in chain.xpath("li")] == ["301", "301"]
    assert chain.xpath("li[2]/a") == [] and JS_TARGET in chain.text_content()


def test_dead_targets_counts_distinct_pages(rendered, results):
    _, _, doc = rendered
    table = doc.xpath("//section[@id='dead-targets']//table")[0]
    broken = [link for link in results["links"] if link["status"] == "broken"]
    rows = table.xpath("tbody/tr")
    assert len(rows) == len(broken)
    pages = [int(tr.xpath("td[2]")[0].text_content()) for tr in rows]
    assert pages == sorted(pages, reverse=True)
    js_row = [tr for tr in rows if JS_TARGET in tr.text_content()][0]
    assert js_row.xpath("td[2]")[0].text_content() == "2" and not js_row.xpath(".//a")


def test_not_assessed_component_shows_reason_not_score(rendered):
    _, _, doc = rendered
    row = doc.xpath("//tr[@data-component='update_freshness']")[0]
    score = row.xpath("td[contains(@class, 'score-cell')]")[0].text_content()
    assert not re.search(r"\d", score) and "未評分" in score
    assert "未提供更新紀錄 " + XSS_SCRIPT in row.text_content()
    assert "未評估" in row.text_content()
    assessed = doc.xpath("//tr[@data-component='link_correctness']/td[contains(@class, 'score-cell')]")[0]
    assert assessed.text_content() == "97.5%"
    card = doc.xpath("//section[contains(@class, 'indicator')][.//h2[contains(text(), '開放資料')]]")[0]
    assert "未評分" in card.text_content() and "0 /" not in card.text_content()


def test_findings_shown_once_and_codes_legend(rendered):
    _, _, doc = rendered
    findings = doc.xpath("//section[@id='findings']")[0].text_content()
    assert "缺少預算書 " + XSS_ATTR in findings
    assert "broken " + XSS_SCRIPT not in findings  # already a row of the problem-link tables
    legend = doc.xpath("//section[@id='codes']//tbody/tr")
    assert [tr.xpath("th")[0].text_content() for tr in legend] == ["link.broken", "gipa.missing", "link.redirected"]
    assert "連結失效 " + XSS_IMG in legend[0].text_content()


def test_checks_table(rendered):
    _, _, doc = rendered
    rows = doc.xpath("//section[@id='checks']//tbody/tr")
    assert len(rows) == 3
    assert "有待改善事項" in rows[0].text_content() and "0.975" in rows[0].text_content()
    assert "nested" not in rows[0].text_content()
    assert "no browser " + XSS_SCRIPT in rows[2].text_content()


# -- accessibility and language -------------------------------------------------------------------


def _heading_levels(doc):
    return [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]


def test_accessible_structure(rendered):
    _, _, doc = rendered
    levels = _heading_levels(doc)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert not doc.xpath("//th[not(@scope)]")
    assert not doc.xpath("//table[not(caption)]")


def test_zh_is_default(rendered):
    _, _, doc = rendered
    assert doc.get("lang") == "zh-Hant-TW"
    h2 = [h.text_content() for h in doc.iter("h2")]
    assert "摘要" in h2 and "問題連結（依所在頁面）" in h2 and "附錄：完整明細" in h2


def test_english(results, tmp_path):
    doc = lxml.html.document_fromstring(
        HtmlWriter().write(results, tmp_path, lang="en").read_text(encoding="utf-8")
    )
    assert doc.get("lang") == "en"
    h2 = [h.text_content() for h in doc.iter("h2")]
    assert "Executive summary" in h2 and "Problem links by source page" in h2
    assert "Not assessed" in doc.text_content()


def test_incomplete_run_has_banner(tmp_path):
    doc = lxml.html.document_fromstring(
        HtmlWriter().write(make_results("incomplete"), tmp_path).read_text(encoding="utf-8")
    )
    banner = doc.xpath("//*[contains(@class, 'banner')]")
    assert banner and "未完整完成" in banner[0].text_content()


def test_completed_run_has_no_banner(rendered):
    assert not rendered[2].xpath("//*[contains(@class, 'banner')]")


def test_cover_names_the_pinned_audit_date_only_when_pinned(rendered, tmp_path):
    pinned = make_results()
    pinned["run"]["as_of"] = "2026-12-07"
    for lang, shown in (("zh-TW", "判定基準日民國115年12月7日 2026-12-07"), ("en", "Judged as of2026-12-07")):
        doc = lxml.html.document_fromstring(HtmlWriter().write(pinned, tmp_path, lang=lang).read_text(encoding="utf-8"))
        facts = " ".join(doc.xpath("//header[@id='cover']//dl")[0].text_content().split())
        assert shown in facts, facts
    assert "判定基準日" not in rendered[2].xpath("//header[@id='cover']")[0].text_content()


# -- thin input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "thin",
    [
        {},
        None,
        {"links": [], "checks": []},
        {"run": None, "links": "x", "checks": [None, {"findings": None}], "indicators": [{"components": None}],
         "codes": []},
        {"run": {"status": "failed", "stats": None, "health": None}, "links": [{"status": "broken"}]},
    ],
)
def test_thin_results_still_render(thin, tmp_path):
    for lang in ("zh-TW", "en"):
        doc = lxml.html.document_fromstring(HtmlWriter().write(thin, tmp_path, lang=lang).read_text(encoding="utf-8"))
        assert len(doc.xpath("//h2")) >= 6
        assert len(doc.xpath("//script")) == 1


def test_empty_results_say_so(tmp_path):
    doc = lxml.html.document_fromstring(HtmlWriter().write({}, tmp_path).read_text(encoding="utf-8"))
    text = doc.text_content()
    assert "未提供連結檢查資料" in text and "未提供檢查結果" in text
    assert not doc.xpath("//form")  # no filter without failures


# -- model and i18n units -------------------------------------------------------------------------


def test_web_href():
    assert values.web_href("https://a.gov.tw/x") == "https://a.gov.tw/x"
    assert values.web_href("HTTP://a.gov.tw/") == "HTTP://a.gov.tw/"
    for bad in (JS_TARGET, " JavaScript:alert(1)", DATA_PAGE, "mailto:a@b", "//a.gov.tw/", "/rel", "http:///x",
                "http://a.gov.tw/\nx", None, ""):
        assert values.web_href(bad) is None, bad


def test_display_url():
    assert values.display_url("http://x/%E6%9C%80%20%2F") == "http://x/最%20%2F"
    assert values.display_url("http://x/%A7%DA") == "http://x/%A7%DA"
    assert values.display_url("http://x/%E2%80%AEgpj.exe") == "http://x/%E2%80%AEgpj.exe"  # RLO stays encoded
    assert values.display_url("http://x/a\u202eb") == "http://x/a%E2%80%AEb"


def test_link_summary_counts(results):
    summary = model.link_summary(results["links"])
    assert summary["counts"]["broken"] == 254 and summary["counts"]["ok"] == 300
    assert [r["status"] for r in summary["rows"]] == ["ok", "redirected", "broken", "unverified", "excluded",
                                                      "unsupported"]
    broken = next(r for r in summary["rows"] if r["status"] == "broken")
    assert broken["internal"] == 3 and broken["external"] == 251


def test_failures_by_target_counts_distinct_pages():
    same_page = [_src("http://a/p", line=1), _src("http://a/p", line=9), _src("http://a/q")]
    rows = model.failures_by_target([_link("http://a/x", "broken", same_page), _link("http://a/y", "ok", [])])
    assert [(r["target"]["raw"], r["pages"], r["occurrences"]) for r in rows] == [("http://a/x", 2, 3)]


def test_labels():
    assert normalize_lang("en_US") == "en" and normalize_lang("zh-Hant") == "zh-TW" and normalize_lang(None) == "zh-TW"
    zh, en = labels("zh-TW"), labels("en")
    assert zh["html_lang"] == "zh-Hant-TW" and en["html_lang"] == "en"
    for table in ("run_status", "link_status", "check_status", "severity", "indicator_status", "error_kind", "h", "t"):
        assert zh[table].keys() == en[table].keys(), table
    zh["h"]["summary"] = "x"
    assert labels("zh-TW")["h"]["summary"] == "檢測摘要"  # a fresh copy each time


def test_prepare_compiles_every_template_the_report_renders(results, tmp_path):
    # The runner calls Writer.prepare while the crawl runs: rendering afterwards compiles nothing.
    from govaudit.reports.writers import html  # noqa: PLC0415

    html._environment.cache_clear()
    HtmlWriter.prepare()
    env = html._environment()
    compiled = {name for _, name in env.cache.keys()}
    assert {"report.html.j2", "_macros.html.j2", "_changes.html.j2", "sections/disclosure.html.j2"} <= compiled
    loaded = []
    real = env.loader.load

    def counting(environment, name, globals=None):
        loaded.append(name)
        return real(environment, name, globals)

    env.loader.load = counting
    try:
        HtmlWriter().write(results, tmp_path)
    finally:
        del env.loader.load
    assert loaded == []
