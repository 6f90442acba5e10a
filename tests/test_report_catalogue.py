"""The report's message catalogue and the executive summary's pure parts (no browser): every registered
finding code has its zh-TW texts, messages are rendered from codes and parameters, axe-core's zh_TW
locale is the version we run, 優先改善事項 ranks by effect and severity, a first run says 首次檢測, the
trend axis fits the data, URLs wrap where they read, and the sign-off block comes from the profile."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from govaudit import registry
from govaudit.crawler.browser import axe_script_path
from govaudit.profile import ConfigError, Profile, _validate
from govaudit.reports import messages, priorities, summary
from govaudit.reports.assessment import nice_ticks
from govaudit.reports.i18n import labels
from govaudit.reports.writers.html import _wbr, render

ROOT = Path(__file__).resolve().parents[1]
PAGE = "http://127.0.0.1:8000/a.html"


def test_every_registered_code_has_zh_tw_texts():
    codes = {code for cls in registry.checks().values() for code in cls.codes}
    entries = messages.catalogue("zh-TW")["findings"]
    missing = sorted(c for c in codes if not all(entries.get(c, {}).get(k) for k in ("message", "action", "fix")))
    assert missing == [], f"add these codes to config/messages/zh-TW.yaml: {missing}"
    for code, entry in entries.items():  # nothing in the catalogue but Traditional Chinese sentences
        assert re.search(r"[\u4e00-\u9fff]", entry["message"] + entry["action"] + entry["fix"]), code


def test_axe_locale_is_the_version_we_run():
    bundled = re.search(r"axe v(\d+\.\d+\.\d+)", axe_script_path().read_text(encoding="utf-8")[:200]).group(1)
    notice = (ROOT / "config" / "axe" / "NOTICE.md").read_text(encoding="utf-8")
    assert f"**{bundled}**" in notice and "MPL" in notice
    assert messages.axe_help("image-alt", "zh-TW") == "圖片必須有替代文字"
    assert messages.axe_help("image-alt", "en", "Images must have alternative text") == "Images must have alternative text"
    assert messages.axe_help("no-such-rule", "zh-TW", "fallback") == "fallback"


def test_finding_messages_from_code_and_parameters():
    broken = {"code": "link.broken", "message": "redirect loop after 2 hops", "evidence": {"error_kind": "redirect_loop"}}
    assert messages.finding_message(broken, "zh-TW") == "連結失效：重新導向迴圈"
    assert messages.finding_message(broken, "en") == "redirect loop after 2 hops"
    a11y = {"code": "a11y.critical", "message": "image-alt: Images …", "evidence": {"rule": "image-alt", "nodes_total": 3}}
    assert messages.finding_message(a11y, "zh-TW") == "圖片必須有替代文字（3 個元素）"
    # a parameter the finding lacks: the code's description, never a sentence with a hole
    assert messages.finding_message({"code": "a11y.critical", "evidence": {}}, "zh-TW", "說明") == "說明"
    # a code no catalogue knows (an outside plug-in's) keeps its own words
    assert messages.finding_message({"code": "x.y", "message": "own words"}, "zh-TW") == "own words"
    hostile = {"code": "disclosure.missing", "evidence": {"label": "{evidence}", "reason": "<b>"}}
    assert messages.finding_message(hostile, "zh-TW") == "{evidence}：<b>"  # values are not templates


def test_health_texts():
    assert messages.health("page_error_ratio", "ok", "2 of 337 page fetches failed", "zh-TW") == (
        "頁面讀取錯誤比例", "337 次頁面讀取中 2 次失敗")
    assert messages.health("crawl_finished", "ok", "crawl finished", "zh-TW")[1] == "爬取正常完成"
    assert messages.health("crawl_finished", "ok", "crawl finished", "en") == ("crawl_finished", "crawl finished")
    assert messages.health("page_error_ratio", "ok", "garbled", "zh-TW")[1] == ""  # no number: no made-up text


def _finding(code, severity, component, page=PAGE):
    ind, comp = component
    return {"code": code, "severity": severity, "page": page, "message": "", "evidence": {},
            "tags": [f"indicator:{ind}", f"component:{comp}"]}


def _results(findings, baseline=None):
    comps = [{"id": "links", "label": "連結", "weight": 50.0, "status": "partial", "score": 0.6},
             {"id": "meta", "label": "詮釋資料", "weight": 50.0, "status": "met", "score": 0.98}]
    return {"indicators": [{"id": "cv", "label": "資訊內容有效性", "max": 100, "status": "partial", "score": 79.0,
                            "components": comps}],
            "checks": [{"id": "c", "findings": findings}],
            "codes": {"link.broken": {"description_zh": "失效"}},
            "changes": {"baseline_run": baseline, "new": [], "resolved": [], "persisting": [],
                        "scores": [{"indicator": "cv", "score": 79.0, "previous": 75.5}]}}


def test_priorities_rank_by_effect_then_severity_critical_first():
    results = _results([_finding("link.broken", "high", ("cv", "links")),
                        _finding("link.broken", "high", ("cv", "links"), "http://127.0.0.1:8000/b.html"),
                        _finding("metadata.missing", "medium", ("cv", "meta")),
                        _finding("link.hijacked", "critical", ("cv", "meta")),
                        _finding("link.unverified", "info", ("cv", "links"))])
    ranked = priorities.priorities(results, "zh-TW")
    assert [p.code for p in ranked] == ["link.hijacked", "link.broken", "metadata.missing"]  # info left out
    broken = ranked[1]
    assert broken.count == 2 and broken.action == "修正或移除失效連結（2 筆）" and broken.fix
    assert broken.points == 20.0  # all of the 20 points the link component lost (50 % weight × 0.4)
    assert [u["raw"] for u in broken.pages] == [PAGE, "http://127.0.0.1:8000/b.html"]
    assert priorities.shortfalls(results)["cv"].label == "連結"


def test_summary_first_run_and_since():
    D = labels("zh-TW")["d"]
    first = summary.since_view(_results([]), [], D)
    assert first["first"] and "首次檢測" in first["text"]
    later = summary.since_view(_results([], baseline=4), [{"id": "cv", "label": "資訊內容有效性"}], D)
    assert not later["first"] and "#4" in later["text"] and later["scores"] == ["資訊內容有效性：75.5 → 79（+3.5）"]


def test_rubric_description_never_an_internal_reference():
    assert "提升服務品質" in summary.rubric_description("default", "zh-TW", "依領域文件 §6 提案")
    assert summary.rubric_description("other", "zh-TW", "依領域文件 §6 提案") == ""
    assert summary.rubric_description("other", "zh-TW", "本署規準") == "本署規準"


@pytest.mark.parametrize(("lo", "hi"), [(90.3, 90.6), (0, 100), (42, 42), (0.2, 7.9)])
def test_trend_axis_fits_the_data(lo, hi):
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi and len(ticks) >= 2
    assert ticks[-1] - ticks[0] <= max(4 * (hi - lo), 2)  # fitted: 90.3 → 90.6 is not drawn on 0–100


def test_urls_break_after_separators_and_stay_escaped():
    assert str(_wbr("http://a/b?x=1&y=<2>")) == "http:/<wbr>/<wbr>a/<wbr>b?<wbr>x=<wbr>1&amp;<wbr>y=<wbr>&lt;2&gt;"


def test_signoff_block_from_the_profile():
    profile = _validate({"report": {"signoff": {"preparer": "王小明"}}}, "test")
    assert isinstance(profile, Profile) and profile.report.signoff.preparer == "王小明"
    assert Profile().fingerprint() == profile.fingerprint()  # display only
    with pytest.raises(ConfigError):
        _validate({"report": {"signoff": {"approver": "x"}}}, "test")
    doc = _results([])
    doc["run"] = {"signoff": {"preparer": "王小明<script>", "supervisor": "", "date": ""}}
    page = lxml.html.fromstring(render(doc))
    block = page.cssselect("#cover table.signoff")[0].text_content()
    assert "承辦人" in block and "單位主管" in block and "王小明<script>" in block
    assert not lxml.html.fromstring(render(_results([]))).cssselect("table.signoff")


def test_english_summary_is_english():
    doc = _results([_finding("link.broken", "high", ("cv", "links"))])
    doc["indicators"][0]["components"][0]["label_en"] = "Links"
    text = lxml.html.fromstring(render(doc, lang="en")).get_element_by_id("summary").text_content()
    assert "Fix or remove broken links (1)" in text and "Most points lost on" in text
    assert not re.search(r"[（）、：]", text)  # no Chinese punctuation around English words
