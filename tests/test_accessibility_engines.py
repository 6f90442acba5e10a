"""axe-core, QualWeb and Alfa merged, in real headless Chromium, on small ACT-like pages served on 127.0.0.1:
the engines named on every violation, ACT rule ids, routing by the measured table, the codes; and the
harness: a page that redirects offline is reported as a redirect."""

import json
import subprocess
import sys

import pytest

from govaudit.checks.a11y_routing import routing
from tests.siteserver import SiteServer, html

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _raw(doc: str):
    return 200, HTML, doc.encode("utf-8")


PAGES = {
    # 23a2a8 (image has accessible name): both engines have a rule for it
    "/img.html": html('<h1>圖片</h1><img src="/a.png" width="10" height="10">', title="圖片"),
    # akn7bn (iframe with interactive elements is not excluded from tab order): axe-core's rule for it
    # flagged passed examples (it does not speak), QualWeb's is clean (it does)
    "/frame-tab.html": html('<h1>頁框</h1><iframe tabindex="-1" title="表單" src="/inner.html"></iframe>',
                            title="頁框"),
    "/inner.html": html('<p><a href="/">回首頁</a></p>', title="內嵌"),
    # 2ee8b8 (visible label is part of accessible name): an axe-core experimental rule, and QualWeb's
    "/label-name.html": html('<h1>按鈕</h1><button aria-label="送出表單">下一步</button>', title="按鈕"),
    # a page with nothing wrong that either engine can see
    "/clean.html": html('<h1>乾淨</h1><p>沒有問題的頁面。</p>', title="乾淨"),
    # loads, then sends the browser to a host offline mode never contacts
    "/refresh.html": _raw('<!DOCTYPE html><html lang="zh-Hant"><head><title>轉址</title>'
                          '<meta http-equiv="refresh" content="0; url=https://www.w3.org/"></head>'
                          '<body><p>轉址中</p></body></html>'),
}


def _govaudit(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "govaudit", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    out = tmp_path_factory.mktemp("engines")
    with SiteServer(PAGES) as site:
        urls = [site.url + path.lstrip("/") for path in PAGES]
        proc = _govaudit("a11y", *urls, "--out", str(out), "--offline", "--workers", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return doc, {p["url"].removeprefix(site.url.rstrip("/")): p for p in doc["accessibility"]["pages"]}


def test_every_engine_ran_on_the_same_pages(audit):
    doc, _ = audit
    engines = doc["browser"]["engines"]
    assert engines["axe-core"].startswith("4.10") and engines["qualweb"] == "0.7.5", engines
    assert engines["alfa"] == "0.114.0", engines


def test_every_violation_names_its_engines_act_rules_and_codes(audit):
    _, pages = audit
    seen = [v for p in pages.values() for v in p["violations"]]
    assert seen
    for v in seen:
        assert v["engines"] and set(v["engines"]) <= {"axe-core", "qualweb", "alfa", "govaudit-rules"}, v
        assert isinstance(v["act_rules"], list)
        assert any(v["codes"].values()) or v.get("code_note"), v


def test_engines_agreeing_on_an_act_rule_give_one_violation(audit):
    _, pages = audit
    (image,) = [v for v in pages["/img.html"]["violations"] if "23a2a8" in v["act_rules"]]
    speaks = routing().speaks["23a2a8"]
    assert image["rule"] == "image-alt" and set(image["engines"]) == ({"axe-core"} | (speaks & {"qualweb", "alfa"}))
    assert image["codes"]["110.07"] == ["HM1110100C"]


def test_an_act_rule_is_spoken_for_by_the_engine_measured_clean(audit):
    _, pages = audit
    table = routing().speaks["akn7bn"]
    assert "qualweb" in table and "axe-core" not in table  # measured: axe-core had false positives
    page = pages["/frame-tab.html"]
    found = [v for v in page["violations"] if "akn7bn" in v["act_rules"]]
    assert [(v["rule"], v["engines"]) for v in found] == [("QW-ACT-R70", ["qualweb"])], page["violations"]
    assert found[0]["codes"]["110.07"] == ["GN1210101E"]  # 2.1.1, by its criterion
    for item in page["incomplete"]:  # axe-core's word on it, if any, is shown for review and says why
        if item["rule"] == "frame-focusable-content":
            assert "does not speak for ACT rule akn7bn" in item["routed_out"]


def test_visible_label_not_in_name_is_found_and_coded_or_explained(audit):
    _, pages = audit
    rules = {v["rule"]: v for v in pages["/label-name.html"]["violations"] + pages["/label-name.html"]["incomplete"]}
    hits = [v for v in rules.values() if "2ee8b8" in v["act_rules"]]
    assert hits, rules
    assert all("2.5.3" in v["wcag"] and "2.5.3" in v.get("code_note", "") for v in hits)


def test_a_clean_page_has_no_violation_from_any_engine(audit):
    _, pages = audit
    assert pages["/clean.html"]["violations"] == [], pages["/clean.html"]["violations"]


def test_an_offline_redirect_is_reported_as_a_redirect(audit):
    _, pages = audit
    error = pages["/refresh.html"]["error"]
    assert "redirected" in error and "https://www.w3.org/" in error and "offline" in error, error
