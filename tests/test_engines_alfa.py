"""Siteimprove Alfa as the third engine, and govaudit's own rules,, in real headless Chromium and a real Node process: its page
serialiser runs in the loaded page, its rules in Node; findings name the engine and the ACT rule; the
Node process ends with the browser session; a broken engine never loses axe-core's results."""

import dataclasses

import pytest

from govaudit.chromium import BrowserConfig
from govaudit.crawler import engines
from govaudit.crawler.browser import AxeSession
from tests.siteserver import SiteServer, html

PAGES = {
    # 2t702h (summary element has non-empty accessible name): Alfa's sia-r116
    "/summary.html": html("<h1>摘要</h1><details><summary></summary><p>內容</p></details>", title="摘要"),
    # the same page with a named summary: no sia-r116 failure
    "/summary-ok.html": html("<h1>摘要</h1><details><summary>更多</summary><p>內容</p></details>", title="摘要"),
    # kb1m8s (ARIA global properties not used where prohibited): govaudit's own rule; naming a generic
    # <div> and a paragraph is prohibited, naming a link or a heading is not, a hidden element is exempt
    "/aria.html": html('<h1>名稱</h1><div id="d" aria-label="價格">100 元</div><p aria-braillelabel="點字">段落</p>'
                       '<a href="/" aria-label="首頁">回首頁</a><div role="heading" aria-level="2" aria-label="標題">標題</div>'
                       '<div hidden aria-label="隱藏">隱藏</div><span aria-hidden="true"><b aria-label="x">x</b></span>',
                       title="名稱"),
}


@pytest.fixture(scope="module")
def tested():
    config = BrowserConfig(offline=True, allow_hosts=("127.0.0.1",), engines=("alfa", "govaudit-rules"))
    session = AxeSession(config)
    assert not session.unavailable, session.unavailable  # `make npm` installs Alfa
    alfa, _own = session.extra
    with SiteServer(PAGES) as site:
        try:
            results = {path: session.test(site.url + path.lstrip("/"))[0] for path in PAGES}
            node = alfa.process
            assert node is not None and node.poll() is None  # one Node process served both pages
        finally:
            session.stop()
    return results, node


def test_alfa_names_its_engine_and_act_rule(tested):
    results, _ = tested
    assert results["/summary.html"]["engines"]["alfa"] == engines.alfa().version
    found = [v for v in results["/summary.html"]["violations"] if v["rule"] == "sia-r116"]
    assert len(found) == 1, results["/summary.html"]["violations"]
    (summary,) = found
    assert summary["engine"] == "alfa" and summary["act_rules"] == ["2t702h"] and summary["wcag"] == ["4.1.2"]
    assert summary["nodes"][0]["html"].startswith("<summary") and summary["nodes_total"] == 1
    assert not [v for v in results["/summary-ok.html"]["violations"] if v["rule"] == "sia-r116"]


def test_every_alfa_finding_maps_to_an_act_rule(tested):
    results, _ = tested
    for result in results.values():
        for item in result["violations"] + result["incomplete"]:
            if item["engine"] == "alfa":
                assert item["act_rules"] and item["act_rules"] == engines.ALFA_ACT[item["rule"]], item


def test_the_node_process_ends_with_the_session(tested):
    _, node = tested
    assert node.poll() is not None


def test_a_missing_engine_is_named_and_axe_still_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVAUDIT_NODE_MODULES", str(tmp_path))
    assert "make npm" in str(engines.alfa())
    config = dataclasses.replace(BrowserConfig(offline=True, allow_hosts=("127.0.0.1",)), engines=("alfa",))
    session = AxeSession(config)
    with SiteServer(PAGES) as site:
        try:
            result, _ = session.test(site.url + "summary.html")
        finally:
            session.stop()
    assert result["engines"]["alfa"].startswith("unavailable:") and result["engines"]["axe-core"]
    assert any(v["rule"] == "summary-name" for v in result["violations"])  # axe-core's own finding is kept


def test_own_rule_flags_prohibited_naming_only(tested):
    results, _ = tested
    (found,) = [v for v in results["/aria.html"]["violations"] if v["engine"] == "govaudit-rules"]
    assert found["rule"] == "ga-aria-prohibited" and found["act_rules"] == ["kb1m8s"]
    assert sorted(n["html"] for n in found["nodes"]) == ['<div id="d" aria-label="價格">', '<p aria-braillelabel="點字">']
    assert found["nodes"][0]["selector"] == "#d" and "generic" in found["nodes"][0]["summary"]
    assert not [v for v in results["/summary.html"]["violations"] if v["engine"] == "govaudit-rules"]
