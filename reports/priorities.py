"""優先改善事項 and the one-line reasons of the executive summary: which actions move the scores most.

Pure functions of the results document. A finding is tied to the rubric component it costs through its
tags (indicator:ID, component:ID). A component's lost points (maximum × weight share × (1 − score)) are
shared among the findings tagged with it, weighted by severity; an action is one finding code, its effect
the points its findings share. Critical findings (a hijacked domain, exposed ID numbers) lead whatever
their effect: they must go first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from govaudit.reports import messages
from govaudit.reports.values import _dict, _dicts, _num, _severity_rank, _str, url_view

TOP = 10
PAGES_SHOWN = 3
SEVERITY_WEIGHT = {"critical": 8, "high": 4, "medium": 2, "low": 1, "info": 0}


@dataclass(frozen=True, slots=True)
class Priority:
    """One action of 優先改善事項."""

    code: str
    severity: str
    count: int
    action: str  # what to do, with how many
    fix: str  # how
    points: float  # estimated score points it would win back, summed over indicators
    indicators: tuple[str, ...]  # labels of the indicators it weighs on
    pages: tuple[dict, ...]  # url views of where (first PAGES_SHOWN pages)
    more_pages: int


@dataclass(frozen=True, slots=True)
class Shortfall:
    """The component that costs an indicator most: the one-line reason of the summary."""

    component: str  # its id
    label: str
    score_pct: float
    points: float


def lost_points(results: dict) -> dict[tuple[str, str], float]:
    """(indicator id, component id) → points below the maximum that component costs."""
    out: dict[tuple[str, str], float] = {}
    for ind in _dicts(results.get("indicators")):
        maximum = _num(ind.get("max")) or 100.0
        comps = [c for c in _dicts(ind.get("components")) if _str(c.get("status")) != "not_assessed"
                 and _num(c.get("score")) is not None]
        total = sum(_num(c.get("weight")) or 0 for c in comps)
        for c in comps:
            weight, score = _num(c.get("weight")) or 0, _num(c.get("score")) or 0
            if total:
                out[(_str(ind.get("id")), _str(c.get("id")))] = maximum * weight / total * max(0.0, 1 - score)
    return out


def shortfalls(results: dict) -> dict[str, Shortfall]:
    """indicator id → its costliest component (absent when nothing is lost)."""
    lost = lost_points(results)
    out = {}
    for ind in _dicts(results.get("indicators")):
        iid = _str(ind.get("id"))
        comps = [(lost.get((iid, _str(c.get("id"))), 0.0), c) for c in _dicts(ind.get("components"))]
        points, worst = max(comps, key=lambda pc: pc[0], default=(0.0, {}))
        if points >= 0.05:
            out[iid] = Shortfall(component=_str(worst.get("id")), label=_str(worst.get("label")) or _str(worst.get("id")),
                                 score_pct=round(100 * (_num(worst.get("score")) or 0), 1), points=round(points, 1))
    return out


def _component_of(finding: dict) -> tuple[str, str] | None:
    tags = [t for t in finding.get("tags") or [] if isinstance(t, str)]
    ind = next((t.split(":", 1)[1] for t in tags if t.startswith("indicator:")), "")
    comp = next((t.split(":", 1)[1] for t in tags if t.startswith("component:")), "")
    return (ind, comp) if ind and comp else None


def priorities(results: dict, lang: str, top: int = TOP, labels: dict[str, str] | None = None) -> list[Priority]:
    """The top actions; `labels`: indicator id → the name to show (default: the results' zh-TW labels)."""
    lost = lost_points(results)
    labels = labels or {_str(i.get("id")): _str(i.get("label")) or _str(i.get("id"))
                        for i in _dicts(results.get("indicators"))}
    codes = _dict(results.get("codes"))
    by_code: dict[str, list[dict]] = defaultdict(list)
    for check in _dicts(results.get("checks")):
        for f in _dicts(check.get("findings")):
            if not f.get("accepted") and _str(f.get("code")):
                by_code[_str(f.get("code"))].append(f)
    # each component's lost points, shared by severity weight among the findings that cost it
    weight_of: dict[tuple[str, str], float] = defaultdict(float)
    for findings in by_code.values():
        for f in findings:
            key = _component_of(f)
            if key:
                weight_of[key] += SEVERITY_WEIGHT.get(_str(f.get("severity")), 0)
    out = []
    for code, findings in by_code.items():
        points = 0.0
        indicators: list[str] = []
        for f in findings:
            key = _component_of(f)
            if key and weight_of[key]:
                points += lost.get(key, 0.0) * SEVERITY_WEIGHT.get(_str(f.get("severity")), 0) / weight_of[key]
                if labels.get(key[0]) and labels[key[0]] not in indicators:
                    indicators.append(labels[key[0]])
        severity = min((_str(f.get("severity")) for f in findings), key=_severity_rank)
        entry = _dict(codes.get(code))
        description = _str(entry.get("description_zh" if lang != "en" else "description")) or code
        pages = list(dict.fromkeys(_str(f.get("page")) for f in findings if _str(f.get("page"))))
        out.append(Priority(code=code, severity=severity, count=len(findings),
                            action=messages.action(code, len(findings), lang, description),
                            fix=messages.fix(code, lang), points=round(points, 1), indicators=tuple(indicators),
                            pages=tuple(url_view(p) for p in pages[:PAGES_SHOWN]),
                            more_pages=max(0, len(pages) - PAGES_SHOWN)))
    out.sort(key=lambda p: (p.severity != "critical", -p.points, _severity_rank(p.severity), -p.count, p.code))
    return [p for p in out if p.severity != "info"][:top] or out[:top]


def summary_reason(shortfall: Shortfall | None, status: str, templates: dict[str, Any]) -> str:
    """One plain sentence on why an indicator scored as it did."""
    if status == "not_assessed":
        return _str(templates.get("not_assessed"))
    if shortfall is None:
        return _str(templates.get("full"))
    return _str(templates.get("shortfall")).replace("{label}", shortfall.label) \
        .replace("{pct}", f"{shortfall.score_pct:g}").replace("{points}", f"{shortfall.points:g}")
