"""accessibility on a seeded run: axe-core results as the browser stage stores them (no browser here)."""

from __future__ import annotations

from collections.abc import Callable

from govaudit.checks.accessibility import Accessibility
from govaudit.models import CheckStatus
from tests.checks.seed import SeededSite, codes, html

IMAGE_ALT = {"rule": "image-alt", "impact": "critical", "tags": ["wcag2a", "wcag111"],
             "help": "Images must have alternate text", "nodes": [{"selector": "img", "html": "<img src=a.png>"}]}
CONTRAST = {"rule": "color-contrast", "impact": "serious", "tags": ["wcag2aa", "wcag143"],
            "help": "Elements must meet minimum color contrast ratio thresholds", "nodes": []}


def test_no_violation(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html("<p>首頁</p>"))
    site.axe("/", {"violations": [], "incomplete": [], "passed_criteria": ["1.1.1", "2.4.2", "3.1.1", "4.1.2"]})
    result = site.run(Accessibility())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert (result.metrics["page_score"], result.metrics["pages_tested"]) == (1.0, 1)
    # passing the automated checks is not full marks: 4 of the 50 criteria in scope were established
    assert result.metrics["score"] == 4 / 50 and result.metrics["criteria_untested"] == 46
    assert result.data["accessibility"]["criteria"]["automated"] == ["1.1.1", "2.4.2", "3.1.1", "4.1.2"]


def test_violations_and_a_page_that_failed_to_load(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html("<p>首頁</p>"))
    site.page("/a.html", html("<p>a</p>"))
    site.page("/b.html", html("<p>b</p>"))
    site.axe("/", {"violations": [IMAGE_ALT], "incomplete": [CONTRAST]})
    site.axe("/a.html", {"violations": [CONTRAST], "incomplete": []}, reason="sample")
    site.axe("/b.html", {}, error="timeout", reason="sample")
    result = site.run(Accessibility())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["a11y.critical", "a11y.needs-review", "a11y.page-error", "a11y.serious"]
    [critical] = [f for f in result.findings if f.code == "a11y.critical"]
    assert (critical.page, critical.target) == (site.url("/"), "image-alt") and "wcag:1.1.1" in critical.tags
    # mean over the tested pages of 1 − penalty: critical 0.4, serious 0.25; times the established share
    assert result.metrics["page_score"] == round((0.6 + 0.75) / 2, 4)
    criteria = result.data["accessibility"]["criteria"]
    assert criteria["automated"] == ["1.1.1", "1.4.3"] and criteria["needs_review"] == []
    assert result.metrics["score"] == round(0.675 * 2 / 50, 4)
    assert (result.metrics["pages_failed"], result.metrics["needs_review"]) == (1, 1)


def test_no_page_could_be_tested(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html("<p>首頁</p>"))
    site.axe("/", {}, error="net::ERR_CONNECTION_REFUSED")
    result = site.run(Accessibility())
    assert result.status == CheckStatus.ERROR and codes(result) == ["a11y.page-error"]


def test_an_added_engines_pass_counts_only_where_it_was_measured_to_find_failures(
        seeded: Callable[..., SeededSite]) -> None:
    """Alfa's focus-visible rule (ACT oj04fd) flagged none of W3C's failed examples: its pass establishes
    nothing; its image-name rule (ACT 23a2a8) flagged all of them: its pass establishes 1.1.1."""
    site = seeded()
    site.page("/", html("<p>首頁</p>"))
    site.axe("/", {"violations": [], "incomplete": [], "passed_criteria": [], "passed_rules": [
        {"engine": "alfa", "rule": "sia-r65", "act_rules": ["oj04fd"], "wcag": ["2.4.7"]},
        {"engine": "alfa", "rule": "sia-r2", "act_rules": ["23a2a8"], "wcag": ["1.1.1"]},
        {"engine": "qualweb", "rule": "QW-ACT-R99", "act_rules": [], "wcag": ["3.3.2"]},
    ]})
    criteria = site.run(Accessibility()).data["accessibility"]["criteria"]
    assert criteria["automated"] == ["1.1.1"]
    assert "2.4.7" in criteria["untested"] and "3.3.2" in criteria["untested"]
