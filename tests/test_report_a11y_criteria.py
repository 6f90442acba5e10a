"""The accessibility section says how many WCAG 2.1 A/AA criteria automated testing established, how many
are left for a person (needs review, untested), lists them, and says why the score is scaled."""

import lxml.html
import pytest

from govaudit.checks.accessibility import criteria_in_scope, manual_review
from govaudit.reports.sections import accessibility
from govaudit.reports.writers.html import render

SCOPE = criteria_in_scope()
CRITERIA = manual_review(established=set(SCOPE[:13]), undecided={"1.4.3", "2.4.4", SCOPE[0]})


def _results(criteria=CRITERIA):
    return {
        "run": {"id": 1, "start_url": "http://127.0.0.1/", "status": "completed"},
        "links": [], "indicators": [], "codes": {},
        "checks": [{"id": "accessibility", "status": "failed", "findings": [],
                    "metrics": {"pages_tested": 3, "page_score": 0.9, "score": 0.234,
                                "criteria_automated_share": 0.26}}],
        "accessibility": {"pages": [], "rules": [], "templates": [], **({"criteria": criteria} if criteria else {})},
    }


def _section(page: str):
    return lxml.html.fromstring(page).get_element_by_id("accessibility")


def test_the_counts_come_from_results_json():
    view = accessibility.build(_results())["criteria"]
    n = {k: len(CRITERIA[k]) for k in ("automated", "needs_review", "untested")}
    assert (view["n_automated"], view["n_needs_review"], view["n_untested"]) == (
        n["automated"], n["needs_review"], n["untested"])
    assert view["total"] == len(SCOPE) == 50 and sum(n.values()) == 50
    assert n == {"automated": 13, "needs_review": 2, "untested": 35}  # SCOPE[0] established: not for review
    assert view["lists"]["needs_review"] == ["1.4.3", "2.4.4"]
    assert (view["page_score"], view["score"]) == ("90.0%", "23.4%")


@pytest.mark.parametrize(("lang", "sentence", "why"), [
    ("zh-TW", "自動檢測可判定 WCAG 2.1 A/AA 50 項成功準則中之 13 項；2 項須人工檢視；35 項無任何檢測引擎可測試。",
     "各頁自動檢測分數 90.0% × 可判定準則比例 13／50＝23.4%"),
    ("en", "Automated checks established 13 of 50 WCAG 2.1 A/AA criteria; 2 need manual review; 35 are not "
           "tested by any engine.", "90.0% × the share of criteria established 13/50 = 23.4%"),
])
def test_the_report_says_it_in_both_languages(lang, sentence, why):
    section = _section(render(_results(), lang=lang))
    summary = section.find_class("criteria-summary")[0].text_content()
    assert summary == sentence
    assert why in section.find_class("criteria-why")[0].text_content()
    listed = section.find_class("criteria-list")[0]
    assert listed.tag == "details"  # expandable
    codes = [dd.xpath("./code/text()") for dd in listed.iter("dd")]
    assert codes == [CRITERIA["automated"], CRITERIA["needs_review"], CRITERIA["untested"]]


def test_an_older_results_json_has_no_counts():
    assert accessibility.build(_results(criteria=None))["criteria"] is None
    section = _section(render(_results(criteria=None)))
    assert not section.find_class("criteria-summary") and not section.find_class("criteria-list")
