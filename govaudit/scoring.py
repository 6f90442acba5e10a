"""Indicator scores from a rubric and check results. Pure: the same inputs give the same scores, so an
annual report can be recomputed exactly.

A component whose check did not run (not enabled, error, skipped) is `not_assessed` and leaves the
denominator: it is never scored zero. `coverage` says how much of the rubric's weight was assessed.
"""

from __future__ import annotations

from typing import Any

from govaudit.models import CheckStatus, ComponentScore, IndicatorScore, IndicatorStatus
from govaudit.profile import Component, Rubric

_NOT_RUN = {
    CheckStatus.ERROR: "the check could not run: {error}",
    CheckStatus.SKIPPED: "the check was skipped: {error}",
    CheckStatus.NOT_APPLICABLE: "not applicable to this site",
}


def _component(component: Component, checks: dict[str, dict]) -> ComponentScore:
    base: dict[str, Any] = dict(id=component.id, label=component.label, weight=component.weight, check=component.check,
                metric=component.metric)
    check = checks.get(component.check)
    if check is None:
        return ComponentScore(**base, status=IndicatorStatus.NOT_ASSESSED, score=None,
                              reason=f"check '{component.check}' did not run in this audit")
    if check["status"] in _NOT_RUN:
        return ComponentScore(**base, status=IndicatorStatus.NOT_ASSESSED, score=None,
                              reason=_NOT_RUN[check["status"]].format(error=check.get("error") or "no reason given"))
    value = check["metrics"].get(component.metric)
    if not isinstance(value, int | float):
        return ComponentScore(**base, status=IndicatorStatus.NOT_ASSESSED, score=None,
                              reason=f"check '{component.check}' gave no '{component.metric}' figure")
    value = min(1.0, max(0.0, float(value)))
    return ComponentScore(**base, status=IndicatorStatus.MET, score=round(value, 4),
                          reason=f"{component.metric} = {value:.1%}")


def _status(score: float | None, maximum: float, thresholds: dict[str, float]) -> IndicatorStatus:
    if score is None:
        return IndicatorStatus.NOT_ASSESSED
    share = 100 * score / maximum
    if share >= thresholds.get("met", 90):
        return IndicatorStatus.MET
    if share >= thresholds.get("partial", 60):
        return IndicatorStatus.PARTIAL
    return IndicatorStatus.UNMET


def score(rubric: Rubric, checks: list[dict]) -> list[IndicatorScore]:
    by_id = {c["check_id"] if "check_id" in c else c["id"]: c for c in checks}
    out = []
    for indicator in rubric.indicators:
        parts = [_component(c, by_id) for c in indicator.components]
        parts = [p if p.score is None else
                 ComponentScore(**{**_fields(p), "status": _status(p.score, 1.0, rubric.thresholds)}) for p in parts]
        total = sum(p.weight for p in parts)
        assessed = [(p.weight, p.score) for p in parts if p.score is not None]
        weight = sum(w for w, _ in assessed)
        value = round(indicator.max * sum(w * s for w, s in assessed) / weight, 2) if weight else None
        coverage = round(weight / total, 4) if total else 0
        # A score over a small part of the indicator is shown, but it cannot make the indicator "met".
        status = (_status(value, indicator.max, rubric.thresholds) if coverage >= rubric.min_coverage
                  else IndicatorStatus.NOT_ASSESSED)
        out.append(IndicatorScore(
            id=indicator.id, label=indicator.label, score=value, max=indicator.max, status=status, coverage=coverage,
            components=tuple(parts), rubric=rubric.ref,
        ))
    return out


def _fields(part: ComponentScore) -> dict:
    return {name: getattr(part, name) for name in part.__slots__}
