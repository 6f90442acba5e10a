import pytest

from govaudit.failon import FailOn
from govaudit.models import IndicatorStatus
from govaudit.profile import ConfigError, Rubric
from govaudit.scoring import score

RUBRIC = Rubric.model_validate({
    "id": "t", "version": "2", "thresholds": {"met": 90, "partial": 60}, "min_coverage": 0.3,
    "indicators": [{"id": "ind", "label": "指標", "components": [
        {"id": "links", "label": "連結", "weight": 40, "check": "broken_links", "metric": "link_correctness"},
        {"id": "a11y", "label": "無障礙", "weight": 60, "check": "accessibility", "metric": "score"},
    ]}],
})


def _check(cid, status="passed", **metrics):
    return {"check_id": cid, "status": status, "metrics": metrics, "error": ""}


def test_unrun_component_is_not_assessed_and_leaves_the_denominator():
    (ind,) = score(RUBRIC, [_check("broken_links", link_correctness=0.95)])
    links, a11y = ind.components
    assert a11y.status is IndicatorStatus.NOT_ASSESSED and a11y.score is None and "did not run" in a11y.reason
    assert ind.score == 95.0 and ind.coverage == 0.4 and ind.status is IndicatorStatus.MET
    assert ind.rubric == "t@2"


def test_too_little_coverage_is_never_met():
    strict = RUBRIC.model_copy(update={"min_coverage": 0.5})
    (ind,) = score(strict, [_check("broken_links", link_correctness=1.0)])
    assert ind.score == 100.0 and ind.coverage == 0.4 and ind.status is IndicatorStatus.NOT_ASSESSED


def test_weighted_score_and_thresholds():
    (ind,) = score(RUBRIC, [_check("broken_links", link_correctness=1.0), _check("accessibility", score=0.5)])
    assert ind.score == pytest.approx(70.0) and ind.status is IndicatorStatus.PARTIAL and ind.coverage == 1.0


@pytest.mark.parametrize("status", ["error", "skipped", "not_applicable"])
def test_a_check_that_could_not_run_is_never_zero(status):
    (ind,) = score(RUBRIC, [_check("broken_links", status=status, link_correctness=0.0)])
    assert ind.score is None and ind.status is IndicatorStatus.NOT_ASSESSED and ind.coverage == 0


def test_missing_metric_is_not_assessed():
    (ind,) = score(RUBRIC, [_check("broken_links", link_correctness=None)])
    assert ind.components[0].status is IndicatorStatus.NOT_ASSESSED


def test_fail_on_rules():
    rules = FailOn.parse("broken>0, ind<80", indicators=["ind"])
    assert rules.tripped({"broken": 0, "ind": 85.0}) == []
    assert rules.tripped({"broken": 2, "ind": 50.0}) == ["broken>0 (is 2)", "ind<80 (is 50)"]
    assert rules.tripped({"broken": 0, "ind": None}) == []  # not assessed is not a low score


@pytest.mark.parametrize(("text", "message"), [("broken>>0", "cannot read"), ("nonsense>1", "unknown name")])
def test_fail_on_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        FailOn.parse(text)
