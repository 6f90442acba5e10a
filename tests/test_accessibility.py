"""The accessibility check end to end: real headless Chromium (Debian's chromium + chromedriver) runs
axe-core on fixture pages with known violations served on 127.0.0.1; results go through the store,
the check, results.json and the report."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from govaudit.checks.accessibility import Accessibility, codes_for, wcag_criteria
from govaudit.chromium import BrowserConfig, chrome_arguments, loopback_hosts
from govaudit.crawler.extract import parse
from tests.siteserver import SiteServer, html
from tests.testdb import db_at

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _raw(doc: str):
    return 200, HTML, doc.encode("utf-8")


# One known violation per page (plus the shared iframe page), so each page's rule set is exact.
PAGES = {
    "/": html('<h1>首頁</h1><p>本頁沒有問題。</p><a href="/img.html">圖片</a> <a href="/contact.html">聯絡我們</a>',
              title="首頁"),
    "/img.html": html('<h1>圖片</h1><img src="/a.png" width="10" height="10">', title="圖片"),
    "/nolang.html": _raw("<!DOCTYPE html><html><head><title>無語言</title></head><body><h1>無語言</h1></body></html>"),
    "/notitle.html": _raw('<!DOCTYPE html><html lang="zh-Hant-TW"><head></head><body><h1>無標題</h1></body></html>'),
    "/form.html": html('<h1>表單</h1><form><input type="text" name="q"></form>', title="表單"),
    "/links.html": html('<h1>連結</h1><a href="/"></a>', title="連結"),
    "/frame.html": html('<h1>頁框</h1><iframe src="/inner.html"></iframe>', title="頁框"),
    "/inner.html": html('<p>內嵌</p><img src="/b.png" width="10" height="10">', title="內嵌"),
    "/contrast.html": html('<h1>對比</h1><p style="color:#bbb;background:#fff">淺灰色文字</p>', title="對比"),
    # Text over a background image: axe cannot decide the contrast (incomplete → needs review).
    "/review.html": html('<h1>待檢視</h1><p style="color:#777;background:#fff url(/bg.png)">背景圖上的文字</p>',
                         title="待檢視"),
    "/hostile.html": html('<h1>x</h1><img src="/c.png" data-note="&lt;script&gt;alert(1)&lt;/script&gt;">', title="x"),
}
EXPECTED = {
    "/img.html": {"image-alt"},
    "/nolang.html": {"html-has-lang"},
    "/notitle.html": {"document-title"},
    "/form.html": {"label"},
    "/links.html": {"link-name"},
    "/frame.html": {"frame-title", "image-alt"},  # image-alt inside the iframe
    "/contrast.html": {"color-contrast"},
}
CODES = {  # rule → (110.07 codes, 115.11 codes)
    "image-alt": (["HM1110100C"], ["HM1110100C"]),
    "html-has-lang": (["HM1310100C"], ["HM1310100C"]),
    "document-title": (["HM1240200C"], ["HM1240200C"]),
    "label": (["HM1410200C"], ["HM1130104C", "HM1410200C"]),
    "link-name": (["HM1240401C"], ["HM1240401C"]),
    "frame-title": (["HM1410201C"], ["HM1410201C"]),
    "color-contrast": (["GN2140300E"], ["GN2140300E"]),
}
WCAG = {"image-alt": ["1.1.1"], "html-has-lang": ["3.1.1"], "document-title": ["2.4.2"], "link-name": ["2.4.4", "4.1.2"],
        "frame-title": ["4.1.2"], "color-contrast": ["1.4.3"]}


def _govaudit(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "govaudit", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def site():
    with SiteServer(PAGES) as server:
        yield server


@pytest.fixture(scope="module")
def spot(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("a11y")
    urls = [site.url + path.lstrip("/") for path in [*EXPECTED, "/review.html", "/hostile.html"]]
    proc = _govaudit("a11y", *urls, "--out", str(out), "--offline", "--workers", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return proc, doc, {p["url"].removeprefix(site.url.rstrip("/")): p for p in doc["accessibility"]["pages"]}


def test_known_violations_are_found_with_exact_rules_and_codes(spot):
    proc, doc, pages = spot
    assert doc["check"]["status"] == "failed"
    assert doc["browser"]["axe_version"].startswith("4.10")
    for path, rules in EXPECTED.items():
        page = pages[path]
        assert page["error"] == "", (path, page["error"])
        assert {v["rule"] for v in page["violations"]} == rules, path
        for v in page["violations"]:
            assert set(v) >= {"rule", "impact", "wcag", "codes", "nodes"}
            assert (v["codes"]["110.07"], v["codes"]["115.11"]) == CODES[v["rule"]], v["rule"]
            if v["rule"] in WCAG:
                assert v["wcag"] == WCAG[v["rule"]], v["rule"]
            assert v["impact"] in ("critical", "serious", "moderate", "minor")
            assert v["nodes"] and all(n["selector"] and n["html"] for n in v["nodes"])


def test_a_violation_inside_an_iframe_is_found_and_located(spot):
    *_, pages = spot
    image = next(v for v in pages["/frame.html"]["violations"] if v["rule"] == "image-alt")
    (node,) = image["nodes"]
    assert node["in_frame"] and node["selector"].startswith("iframe") and 'src="/b.png"' in node["html"]


def test_incomplete_results_need_review_and_never_pass(spot, site, tmp_path):
    *_, pages = spot
    review = pages["/review.html"]
    assert review["violations"] == [] and "color-contrast" in {i["rule"] for i in review["incomplete"]}
    # Alone, a page with only undecided results is needs_review, not passed.
    proc = _govaudit("a11y", site.url + "review.html", "--out", str(tmp_path), "--offline", "--workers", "1")
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert proc.returncode == 0 and doc["check"]["status"] == "needs_review", doc["check"]
    m = doc["check"]["metrics"]
    assert m["needs_review"] >= 1 and m["page_score"] == 1.0
    # no violation is not full marks: only the criteria automated testing established count
    criteria = doc["accessibility"]["criteria"]
    assert sum(len(v) for v in criteria.values()) == 50 and m["criteria_untested"] == len(criteria["untested"]) > 0
    assert "1.4.3" not in criteria["untested"]  # the heading's contrast passed, the paragraph's is undecided
    assert 0 < m["score"] == round(len(criteria["automated"]) / 50, 4) < 1


def test_templates_are_listed_for_spot_checks(spot):
    *_, doc, _ = spot
    templates = doc["accessibility"]["templates"]
    assert sum(t["pages"] for t in templates) == len(EXPECTED) + 2
    assert all(t["tested"] == t["pages"] for t in templates)


def test_a_page_that_does_not_load_is_recorded_retried_and_the_rest_goes_on(site, tmp_path):
    # Offline, Chromium resolves no name: the second URL fails to load (twice: tried once more).
    proc = _govaudit("a11y", site.url + "img.html", "http://localhost:1/none.html", "--out", str(tmp_path),
                     "--offline", "--workers", "1")
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    by_url = {p["url"]: p for p in doc["accessibility"]["pages"]}
    failed = by_url["http://localhost:1/none.html"]
    assert failed["error"] and failed["attempts"] == 2 and failed["violations"] == []
    assert [v["rule"] for v in by_url[site.url + "img.html"]["violations"]] == ["image-alt"]
    assert doc["check"]["metrics"]["pages_failed"] == 1 and doc["check"]["status"] == "failed"


def test_a_long_tmpdir_still_starts_chromium(site, tmp_path):
    # Chromium's singleton socket lives under its TMPDIR (the profile); a private TMPDIR of 40 characters
    # and more pushed that path past a Unix socket's 107 bytes and no page could be tested.
    tmpdir = tmp_path / ("t" * 60)
    tmpdir.mkdir()
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "govaudit", "a11y", site.url + "img.html", "--out", str(out),
                           "--offline", "--workers", "1"], capture_output=True, text=True, timeout=240,
                          env={**os.environ, "TMPDIR": str(tmpdir)})
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (page,) = doc["accessibility"]["pages"]
    assert not page["error"] and [v["rule"] for v in page["violations"]] == ["image-alt"]
    assert not list(tmpdir.glob("govaudit-chromium-*"))


def test_offline_refuses_a_non_loopback_page(tmp_path):
    proc = _govaudit("a11y", "https://www.example.gov.tw/", "--out", str(tmp_path), "--offline")
    assert proc.returncode == 3 and "not a loopback address" in proc.stderr
    assert not (tmp_path / "results.json").exists()


def test_offline_chromium_resolves_only_the_pages_loopback_hosts():
    hosts = loopback_hosts(["http://127.0.0.5:8000/", "http://www.example.gov.tw/"])
    assert hosts == ("127.0.0.1", "127.0.0.5", "localhost")
    args = chrome_arguments(BrowserConfig(offline=True, allow_hosts=hosts), "/tmp/x")
    rules = next(a for a in args if a.startswith("--host-resolver-rules="))
    assert rules == "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.5, EXCLUDE localhost"
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--headless=new"):
        assert flag in args
    online = chrome_arguments(BrowserConfig(offline=False), "/tmp/x")
    assert not any(a.startswith("--host-resolver-rules") for a in online)


def _server_on(address: str) -> tuple[ThreadingHTTPServer, list[str]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def test_offline_chromium_reaches_only_the_tested_pages_loopback_hosts(tmp_path):
    """127.0.0.2 is loopback too, but no tested page is on it: Chromium must not resolve it (fail closed)."""
    other, other_hits = _server_on("127.0.0.2")
    same, same_hits = _server_on("127.0.0.1")
    try:
        page = html(f'<h1>x</h1><img alt="x" src="http://127.0.0.2:{other.server_port}/p.png">'
                    f'<img alt="y" src="http://127.0.0.1:{same.server_port}/q.png">', title="x")
        with SiteServer({"/": page}) as site:
            proc = _govaudit("a11y", site.url, "--out", str(tmp_path), "--offline", "--workers", "1")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        # (QualWeb's image rules may load the image a second time: the host is what matters here)
        assert set(same_hits) == {"/q.png"} and other_hits == []
    finally:
        for server in (other, same):
            server.shutdown()
            server.server_close()


def test_hostile_snippets_are_escaped_in_the_report(spot, tmp_path):
    from govaudit.reports.writers.html import render

    *_, doc, _ = spot
    results = {"run": {"id": 1, "status": "completed"}, "links": [], "indicators": [], "codes": {},
               "checks": [{"id": "accessibility", "status": doc["check"]["status"], "metrics": doc["check"]["metrics"],
                           "error": "", "findings": [], "version": "1", "duration": 0}],
               "accessibility": doc["accessibility"]}
    text = render(results)
    # the page's own markup is shown as text, never as markup
    assert '<img src="/c.png"' not in text and "&lt;img src=&#34;/c.png&#34; data-note=" in text
    assert "HM1110100C" in text and "GN2140300E" in text and "1.4.3" in text


def test_code_table_and_criteria():
    assert wcag_criteria(["cat.text-alternatives", "wcag2a", "wcag111", "wcag1412", "EN-301-549"]) == ["1.1.1", "1.4.12"]
    assert codes_for("not-a-rule") == {"110.07": [], "115.11": []}
    table = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "a11y_codes.yaml").read_text("utf-8"))
    for rule, editions in [*table["rules"].items(), *table["criteria"].items()]:
        for edition, codes in editions.items():
            if edition == "sc":  # the criteria a rule's engine does not name
                continue
            assert edition in table["editions"], rule
            assert all(c in table["codes"] for c in codes), rule


def test_template_signature_groups_pages_by_layout_not_content():
    def facts(body):
        return parse(f'<html lang="zh"><head><title>t</title></head><body><div class="nav"></div>{body}</body></html>',
                     "http://127.0.0.1/", {"a": Accessibility.page_facts}).facts["a"]

    a = facts('<main id="c"><p>一</p><p class="item-12">x</p></main>')
    b = facts('<main id="c"><p>二二</p><p>三</p><p class="item-99">y</p></main>')
    c = facts('<main id="c"><table><tr><td>1</td></tr></table></main>')
    assert a["template"] == b["template"] != c["template"]
    assert facts('<img src="x.png"><iframe src="/f"></iframe>')["risk"] == 2


# -- inside an audit ----------------------------------------------------------------------------------

SITE = {
    "/": html('<h1>首頁</h1><ul><li><a href="/a.html">甲</a></li><li><a href="/b.html">乙</a></li>'
              '<li><a href="/c.html">丙</a></li><li><a href="/contact.html">聯絡我們</a></li>'
              '<li><a href="/gov-info/">政府資訊公開</a></li></ul>', title="首頁"),
    "/a.html": html('<div class="article"><h1>甲</h1><p>內容</p></div>', title="甲"),
    "/b.html": html('<div class="article"><h1>乙</h1><img src="/x.png" width="5" height="5"></div>', title="乙"),
    "/c.html": html('<div class="article"><h1>丙</h1><p>內容</p></div>', title="丙"),
    "/contact.html": html('<div class="contact"><h1>聯絡</h1><form><input type="text"></form></div>', title="聯絡"),
    "/gov-info/": html('<div class="hub"><h1>政府資訊公開</h1></div>', title="政府資訊公開"),
}


def _audit(tmp_path, server, profile: dict):
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    proc = _govaudit("run", server.url, "--profile", str(path), "--db", str(db_at(tmp_path / "a.sqlite")), "--out", str(out),
                     "--offline")
    assert proc.returncode in (0, 2), proc.stdout + proc.stderr
    return json.loads((out / "results.json").read_text(encoding="utf-8")), (out / "report.html").read_text("utf-8")


def test_audit_samples_home_key_pages_and_templates(tmp_path):
    with SiteServer(SITE) as server:
        doc, report = _audit(tmp_path, server, {"checks": {"accessibility": {"pages_per_template": 1}}})
    check = next(c for c in doc["checks"] if c["id"] == "accessibility")
    pages = {p["url"].removeprefix(server.url.rstrip("/")): p for p in doc["accessibility"]["pages"]}
    assert pages["/"]["reason"] == "home"
    assert pages["/contact.html"]["reason"] == "contact" and pages["/gov-info/"]["reason"] == "disclosure"
    # the three article pages share a template; one is tested, and it is the one whose markup shows a defect
    articles = [p for p in ("/a.html", "/b.html", "/c.html") if p in pages]
    assert articles == ["/b.html"] and [v["rule"] for v in pages["/b.html"]["violations"]] == ["image-alt"]
    template = next(t for t in doc["accessibility"]["templates"] if t["id"] == pages["/b.html"]["template"])
    assert (template["pages"], template["tested"]) == (3, 1)
    assert {v["rule"] for v in pages["/contact.html"]["violations"]} == {"label"}
    assert check["status"] == "failed" and 0 < check["metrics"]["score"] < 1
    codes = {f["code"] for f in check["findings"]}
    assert {"a11y.critical"} <= codes
    finding = next(f for f in check["findings"] if f["target"] == "image-alt")
    assert "tw-a11y:HM1110100C" in finding["tags"] and "wcag:1.1.1" in finding["tags"]
    component = next(c for i in doc["indicators"] for c in i["components"] if c["id"] == "accessibility_checks")
    assert component["status"] != "not_assessed" and component["score"] == check["metrics"]["score"]
    assert 'id="accessibility"' in report and "HM1130104C" in report


def test_no_browser_skips_the_check_and_leaves_the_component_not_assessed(tmp_path):
    with SiteServer(SITE) as server:
        doc, report = _audit(tmp_path, server, {"checks": {"accessibility": {"chromium": "/nonexistent/chromium"}}})
    check = next(c for c in doc["checks"] if c["id"] == "accessibility")
    assert check["status"] == "skipped" and "chromium not found at /nonexistent/chromium" in check["error"]
    component = next(c for i in doc["indicators"] for c in i["components"] if c["id"] == "accessibility_checks")
    assert component["status"] == "not_assessed" and "chromium not found" in component["reason"]
    assert "chromium not found at /nonexistent/chromium" in report
    assert doc["run"]["status"] == "completed"  # the rest of the audit is unaffected


def test_a11y_without_browser_says_why(site, tmp_path):
    proc = _govaudit("a11y", site.url, "--out", str(tmp_path), "--offline", "--chromium", "/nonexistent/chromium")
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert proc.returncode == 2 and doc["check"]["status"] == "skipped"
    assert doc["accessibility"] == {"pages": [], "templates": []}
    assert "chromium not found" in proc.stdout


def test_a_crashed_browser_is_recorded_for_its_page_and_the_next_page_is_tested(site):
    from govaudit.crawler.browser import run_axe
    from govaudit.plugins import BrowserTarget

    config = BrowserConfig(offline=True, allow_hosts=loopback_hosts([site.url]))
    # chrome://crash kills the renderer ("tab crashed"); the worker restarts its browser and goes on
    stage = run_axe([BrowserTarget("chrome://crash"), BrowserTarget(site.url + "img.html")], config, workers=1)
    rows = {r["url"]: r for r in stage.rows}
    assert stage.available and stage.pages == 2 and stage.errors == 1
    crashed = rows["chrome://crash"]
    assert "crash" in crashed["error"] and crashed["attempts"] == 2
    violations = rows[site.url + "img.html"]["result"]["violations"]
    assert [v["rule"] for v in violations if v["engine"] == "axe-core"] == ["image-alt"]
