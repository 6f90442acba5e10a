"""The annual-assessment parts of report.html from hand-built results documents (the issue-6 contract
shape, the older shape, and junk): cover, method, trend SVG with 0/1/many points, changes."""

from __future__ import annotations

import copy

import lxml.html
import pytest
import yaml

from govaudit.reports import assessment, model
from govaudit.reports.i18n import labels
from govaudit.reports.writers.html import render, rubric_of
from tests.report_history import XSS, with_history

BASE = "http://127.0.0.1:8000/"


def _doc(run_status="completed"):
    comps = [{"id": "a", "label": "甲項", "weight": 60.0, "status": "met", "score": 0.95, "reason": "", "check": "disclosure",
              "metric": "coverage", "evidence": []},
             {"id": "b", "label": "乙項", "weight": 40.0, "status": "not_assessed", "score": None, "reason": "未執行",
              "check": "content", "metric": "correctness", "evidence": []}]
    return {
        "schema": "govaudit/results@2",
        "run": {"id": 7, "site": "測試署", "start_url": BASE, "status": run_status, "started_at": "2026-11-14T02:00:00+00:00",
                "finished_at": "2026-11-14T02:30:00+00:00", "tool_version": "0.1.0", "profile_hash": "abc",
                "rubric": "default@2"},
        "links": [], "checks": [{"id": "disclosure", "status": "failed", "metrics": {"coverage": 0.95, "found": 9},
                                 "findings": []}],
        "indicators": [
            {"id": "disclosure_adequacy", "label": "資訊公開適切性", "score": 95.0, "max": 100, "status": "met",
             "coverage": 0.6, "components": comps},
            {"id": "content_validity", "label": "資訊內容有效性", "score": 80.0, "max": 100, "status": "partial",
             "coverage": 1.0, "components": copy.deepcopy(comps)},
        ],
        "codes": {},
    }


def _page(doc, lang="zh-TW"):
    return lxml.html.fromstring(render(doc, lang=lang))


@pytest.mark.parametrize("runs", [0, 1, 2, 30])
def test_trend_any_number_of_points(runs):
    doc = with_history(_doc(), runs=runs)
    view = model.build(doc)["trend"]
    assert view["count"] == runs and len(view["rows"]) == runs
    page = _page(doc)
    if runs == 0:
        assert page.cssselect("#trend svg") == []
        assert labels()["a"]["trend_none"] in page.get_element_by_id("trend").text_content()
        return
    dots = page.cssselect("#trend-broken .dot")
    assert len(dots) == runs
    assert len(page.cssselect("#trend table.trend-table tbody tr")) == runs
    lines = page.cssselect("svg.mini polyline")  # one small chart per indicator, in its section
    if runs == 1:
        assert lines == [] and labels()["a"]["trend_one"] in page.get_element_by_id("trend").text_content()
    else:
        assert lines
    for el in page.cssselect("#trend svg.chart .dot"):  # every point inside the plot area
        x = float(el.get("cx") or el.get("x") or 0)
        assert assessment.PAD_L - 6 <= x <= assessment.CHART_W - assessment.PAD_R + 6


def test_trend_not_assessed_is_a_gap_never_zero():
    doc = with_history(_doc(), runs=5)
    view = assessment.trend_view(doc, model.indicators_view(doc))
    last = view["series"][-1]
    assert last["values"][1] is None
    assert len(last["dots"]) == 4
    # the line breaks at the missing night: the first point stands alone, the line starts at the third
    assert len(last["lines"]) == 1 and last["lines"][0].startswith(f"{last['dots'][1]['x']},")


def test_nice_axis_top():
    assert [assessment._nice_max(v) for v in (0, 1, 3, 7, 11, 20, 21, 480)] == [1, 1, 5, 10, 20, 20, 50, 500]


def test_changes_contract_shape_rendered_and_escaped():
    doc = with_history(_doc(), runs=3)
    view = model.build(doc)["changes"]
    assert view["baseline_run"] == 6 and view["complete"]
    assert view["counts"] == {"new": 3, "resolved": 1, "persisting": 6}
    assert view["new"][0]["severity"] == "critical"  # worst first
    assert view["links"]["transitions"][0]["to"] == "broken"
    deltas = view["scores"][0]
    assert deltas["delta"] == 2.5 and deltas["direction"] == "up"
    assert deltas["components"][0]["delta"] == 5.0  # 0..1 shares shown as percentage points
    assert deltas["components"][1]["delta"] is None
    html = render(doc)
    assert "<script>document.title" not in html and "&lt;script&gt;document.title" in html
    page = lxml.html.fromstring(html)
    assert len(page.cssselect("#changes table.changes-findings tbody tr")) == 10
    assert page.cssselect("#changes-resolved")


def test_incomplete_run_claims_no_fixes():
    doc = with_history(_doc("incomplete"), runs=3, complete=False)
    doc["changes"]["resolved"] = [{"check": "x", "code": "y", "severity": "high"}]  # even if a builder slipped
    doc["changes"]["links"]["resolved"] = [BASE + "fixed.html"]
    view = model.build(doc)["changes"]
    assert view["resolved"] == [] and view["counts"]["resolved"] == 0 and view["links"]["resolved"] == []
    page = _page(doc)
    assert page.cssselect("#changes-resolved") == []
    assert labels()["a"]["incomplete_note"] in page.get_element_by_id("changes").text_content()


def test_older_changes_shape_and_absent_changes():
    doc = _doc()
    assert model.build(doc)["changes"] is None
    assert _page(doc).cssselect("#changes") == []
    doc["changes"] = {"previous_run": 6, "baseline": True, "new": [BASE + "a"], "resolved": [BASE + "b"],
                      "changed": [], "persisting": 4}
    view = model.build(doc)["changes"]
    assert view["legacy"] and view["baseline_run"] == 6
    assert view["link_counts"] == {"new": 1, "resolved": 1, "persisting": 4, "transitions": 0, "confirmed": 0,
                                   "flapping": 0}
    assert _page(doc).cssselect("#changes")


@pytest.mark.parametrize("junk", [None, 3, "x", [], {"trend": "x"}])
def test_junk_history_still_renders(junk):
    doc = _doc()
    doc["changes"] = junk
    doc["trend"] = junk
    render(doc)
    render({"trend": [{"run": "x", "indicators": {XSS: 5}, "broken": "many"}], "changes": {"complete": False,
            "new": [XSS, {"severity": None}], "links": {"transitions": [None, {"url": XSS}]}, "scores": [None, {}]}})


def test_cover_and_method_from_the_bundled_rubric():
    doc = _doc()
    rubric = rubric_of(doc)
    with open("config/rubrics/default.yaml", encoding="utf-8") as fh:
        assert rubric["version"] == str(yaml.safe_load(fh)["version"])
    page = _page(doc)
    cover = page.get_element_by_id("cover").text_content() + page.get_element_by_id("summary").text_content()
    for text in ("測試署", BASE, "default", "0.1.0", "資訊公開適切性", "資訊內容有效性", "提升服務品質", "民國"):
        assert text in cover
    assert "§" not in cover  # an internal reference an assessor cannot follow
    assert labels()["a"]["how_to_read"] in page.get_element_by_id("crawl").text_content()
    method = page.get_element_by_id("method").text_content()
    assert "90%" in method and "60%" in method  # thresholds of the rubric
    assert labels()["a"]["method_not_assessed"] in method
    # a component links to where its evidence is, with the check's key figures
    link = page.cssselect('#ind-disclosure_adequacy tr[data-component="a"] a.evidence')[0]
    assert link.get("href") == "#check-disclosure" and page.cssselect("#check-disclosure")
    # evidence in words with numbers, not raw metric identifiers
    words = page.cssselect('#ind-disclosure_adequacy tr[data-component="a"] td.reason')[0].text_content()
    assert "權重" in words and "分" in words and "=" not in words


def test_method_never_describes_another_rubric_version():
    doc = _doc()
    doc["run"]["rubric"] = "default@999"
    assert rubric_of(doc) is None
    view = model.build(doc, rubric={"id": "default", "version": "1", "thresholds": {"met": 1}})["method"]
    assert not view["known"] and view["met"] is None
    assert labels()["a"]["method_unknown"].split("（")[0] in _page(doc).get_element_by_id("method").text_content()


def test_every_assessment_label_in_both_languages():
    zh, en = labels("zh-TW")["a"], labels("en")["a"]
    assert set(zh) == set(en) and all(zh.values()) and all(en.values())
    page = _page(with_history(_doc(), runs=3), "en")
    text = page.text_content()
    for key in ("method", "trend", "changes", "how_to_read", "indicators_head"):
        assert en[key] in text and zh[key] not in text


def test_single_script_no_style_attributes():
    html = render(with_history(_doc(), runs=4))
    page = lxml.html.fromstring(html)
    assert len(page.cssselect("script")) == 1
    assert not page.xpath("//*[@style]") and not page.xpath("//*[starts-with(name(@*), 'on')]")
