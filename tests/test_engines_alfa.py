"""Siteimprove Alfa as the third engine, and govaudit's own rules,, in real headless Chromium and a real Node process: its page
serialiser runs in the loaded page, its rules in Node; findings name the engine and the ACT rule; the
Node process ends with the browser session; a broken engine never loses axe-core's results."""

import dataclasses
import struct
import zlib

import pytest

from govaudit.chromium import BrowserConfig
from govaudit.crawler import engines
from govaudit.crawler.browser import AxeSession
from tests.siteserver import SiteServer, html


def png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG (a dark photo stands in for the background image)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(rgb) * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


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
    # oj04fd (element in sequential focus order has visible focus): govaudit's own rule; a link whose focus
    # style removes the outline and adds nothing fails; a tinted focus, the default ring, an indicator a
    # focus handler draws on another element, and an element out of the focus order do not
    "/focus.html": html('<style>.bare:focus{outline:none} .tint:focus{outline:none;background:#ffe08a}'
                        ' .lit{border-bottom:2px solid #036}</style><h1>焦點</h1>'
                        '<p><a class="bare" href="/a">沒有焦點指示</a> <a class="tint" href="/b">焦點時變色</a>'
                        ' <button type="button">預設焦點框</button>'
                        ' <span class="bare" tabindex="0" onfocus="document.getElementById(\'m\').className=\'lit\'"'
                        ' onblur="document.getElementById(\'m\').className=\'\'">由指令碼標示</span><b id="m">◀</b>'
                        ' <span class="bare" tabindex="-1">不在焦點順序</span></p>', title="焦點"),
    # afw4f7 / 09o5cg (text has minimum / enhanced contrast) over a background gradient or image, which
    # axe-core leaves for review: govaudit's own rules; grey on a white-to-light-grey gradient and on a dark
    # photo fail, dark text on the gradient and light text on the photo do not, nor does text with a shadow
    # (not read exactly, so left alone)
    "/contrast.html": html('<style>.photo{background:#000 url(/dark.png) no-repeat 0 0;height:40px}</style>'
                           '<h1>對比</h1><p id="g1" style="color:#999;background:linear-gradient(90deg,#fff,#ddd)">淺灰字在漸層上</p>'
                           '<p id="g2" style="color:#222;background:linear-gradient(90deg,#fff,#ddd)">深色字在漸層上</p>'
                           '<p id="i1" class="photo" style="color:#555">灰字在深色照片上</p>'
                           '<p id="i2" class="photo" style="color:#eee">淺色字在深色照片上</p>'
                           '<p id="i3" class="photo" style="color:#555;text-shadow:0 0 2px #fff">有陰影的灰字</p>', title="對比"),
    # 2ee8b8 (visible label is part of accessible name): govaudit's own rule; a name that does not contain the
    # visible text fails (Chinese compared character by character); a name that contains it, with visually
    # hidden text left out of the visible text, does not
    "/label.html": html('<style>.sr{position:absolute;clip:rect(0 0 0 0);width:1px;height:1px;overflow:hidden}</style>'
                        '<h1>標籤</h1><p><a id="n1" href="/news" aria-label="最新消息列表">新聞稿</a>'
                        ' <button id="n2" type="button" aria-label="Send">Submit form</button>'
                        ' <a href="/apply" aria-label="線上申辦服務（另開新視窗）">線上申辦</a>'
                        ' <button type="button" aria-label="Search the site">Search</button>'
                        ' <a href="/report.pdf" aria-label="下載年報">下載<span class="sr">另開新視窗</span>年報</a></p>',
                        title="標籤"),
    # 59br37 (zoomed text node is not clipped with CSS overflow): govaudit's own rule, in a 640 × 512
    # viewport; a box whose height cuts its wrapped text off fails, a one-line box whose line height is its
    # height, a box that scrolls, and one that is that small only above 640 px wide do not
    "/zoom.html": html('<style>.cut{overflow:hidden;height:1.4em} .one{overflow:hidden;height:20px;line-height:20px}'
                       ' .roll{overflow:auto;height:1.4em} @media (min-width:641px){.wide{overflow:hidden;height:1.4em}}'
                       '</style><h1>縮放</h1>' + "".join(
                           f'<div id="{k}" class="{k}">{"本署依政府資訊公開法主動公開預算、決算、施政計畫與研究報告，歡迎民眾查閱。" * 4}</div>'
                           for k in ("cut", "one", "roll", "wide")), title="縮放"),
    "/dark.png": (200, {"Content-Type": "image/png"}, png(400, (0x33, 0x33, 0x33))),
}


@pytest.fixture(scope="module")
def tested():
    config = BrowserConfig(offline=True, allow_hosts=("127.0.0.1",), engines=("alfa", "govaudit-rules"))
    session = AxeSession(config)
    assert not session.unavailable, session.unavailable  # `make npm` installs Alfa
    alfa, _own = session.extra
    with SiteServer(PAGES) as site:
        try:
            results = {path: session.test(site.url + path.lstrip("/"))[0] for path in PAGES if path.endswith(".html")}
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
    (found,) = [v for v in results["/aria.html"]["violations"] if v["rule"] == "ga-aria-prohibited"]
    assert found["engine"] == "govaudit-rules" and found["act_rules"] == ["kb1m8s"]
    assert sorted(n["html"] for n in found["nodes"]) == ['<div id="d" aria-label="價格">', '<p aria-braillelabel="點字">']
    assert found["nodes"][0]["selector"] == "#d" and "generic" in found["nodes"][0]["summary"]
    assert not [v for v in results["/summary.html"]["violations"] if v["engine"] == "govaudit-rules"]


def test_own_rule_flags_a_focus_that_paints_nothing(tested):
    results, _ = tested
    (found,) = [v for v in results["/focus.html"]["violations"] if v["engine"] == "govaudit-rules"]
    assert found["rule"] == "ga-focus-visible" and found["act_rules"] == ["oj04fd"] and found["wcag"] == ["2.4.7"]
    assert [n["html"] for n in found["nodes"]] == ['<a class="bare" href="/a">']
    for path in ("/aria.html", "/summary.html"):  # default focus rings, or nothing focusable
        assert not [v for v in results[path]["violations"] if v["rule"] == "ga-focus-visible"]


def test_own_rules_flag_low_contrast_over_a_gradient_or_an_image(tested):
    results, _ = tested
    found = {v["rule"]: v for v in results["/contrast.html"]["violations"] if v["engine"] == "govaudit-rules"}
    assert sorted(found) == ["ga-contrast-enhanced-over-image", "ga-contrast-over-image"]
    minimum, enhanced = found["ga-contrast-over-image"], found["ga-contrast-enhanced-over-image"]
    assert minimum["act_rules"] == ["afw4f7"] and minimum["wcag"] == ["1.4.3"] and not minimum["aaa"]
    assert enhanced["act_rules"] == ["09o5cg"] and enhanced["aaa"]
    for rule in (minimum, enhanced):
        assert [n["selector"] for n in rule["nodes"]] == ["#g1", "#i1"]
    # the photo's grey: #555 on #333 is 1.69:1 at best
    assert "1.69:1" in minimum["nodes"][1]["summary"]
    assert not [v for v in results["/aria.html"]["violations"] if v["rule"].startswith("ga-contrast")]


def test_own_rule_flags_a_name_without_its_visible_label(tested):
    results, _ = tested
    (found,) = [v for v in results["/label.html"]["violations"] if v["engine"] == "govaudit-rules"]
    assert found["rule"] == "ga-label-in-name" and found["act_rules"] == ["2ee8b8"] and found["wcag"] == ["2.5.3"]
    assert [n["selector"] for n in found["nodes"]] == ["#n1", "#n2"]
    assert "新聞稿" in found["nodes"][0]["summary"] and "最新消息列表" in found["nodes"][0]["summary"]
    # the link named 首頁 reads 回首頁: its visible text is not in its name either
    (other,) = [v for v in results["/aria.html"]["violations"] if v["rule"] == "ga-label-in-name"]
    assert [n["html"] for n in other["nodes"]] == ['<a href="/" aria-label="首頁">']


def test_own_rule_flags_text_cut_off_at_200_percent_zoom(tested):
    results, _ = tested
    (found,) = [v for v in results["/zoom.html"]["violations"] if v["engine"] == "govaudit-rules"]
    assert found["rule"] == "ga-zoom-clipped" and found["act_rules"] == ["59br37"] and found["wcag"] == ["1.4.4"]
    assert [n["selector"] for n in found["nodes"]] == ["#cut"]
    assert "640" in found["nodes"][0]["summary"]


def test_the_page_gets_its_own_size_back_after_the_zoomed_rule():
    config = BrowserConfig(offline=True, allow_hosts=("127.0.0.1",), engines=("govaudit-rules",))
    session = AxeSession(config)
    with SiteServer({"/zoom.html": PAGES["/zoom.html"]}) as site:
        try:
            result, _ = session.test(site.url + "zoom.html")
            assert session.driver is not None
            size = session.driver.execute_script("return [innerWidth, innerHeight]")
        finally:
            session.stop()
    assert any(v["rule"] == "ga-zoom-clipped" for v in result["violations"])  # the rule ran at 640 × 512 …
    assert size[0] > 640 and size[1] > 512, size  # … and the override was cleared
