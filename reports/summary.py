"""The executive summary of the assessment document (one page): each indicator with its score, status in
plain words and the one-line reason, 優先改善事項, and what changed since the previous (or pinned) run.
Also the words under each component of the indicator sections. Pure functions of the results document.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from govaudit.reports import messages, priorities
from govaudit.reports.values import _dict, _dicts, _list, _num, _str


def _subst(text: str, **values: Any) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def since_view(results: dict, indicators: list[dict], D: dict) -> dict:
    """What changed since the baseline: 首次檢測 when there is none, else counts and score changes."""
    changes = _dict(results.get("changes"))
    baseline = _num(changes.get("baseline_run"))
    if baseline is None:
        return {"first": True, "text": D["first_run"], "scores": []}
    text = _subst(D["since_run"], n=int(baseline), new=len(_list(changes.get("new"))),
                  resolved=len(_list(changes.get("resolved"))) if changes.get("complete") is not False else 0,
                  persisting=len(_list(changes.get("persisting"))))
    labels = {i["id"]: i["label"] for i in indicators}
    scores = []
    for item in _dicts(changes.get("scores")):
        iid = _str(item.get("indicator") or item.get("id"))
        score, previous = _num(item.get("score")), _num(item.get("previous"))
        if score is None or previous is None:
            continue
        delta = round(score - previous, 1)
        scores.append(_subst(D["score_change"], label=labels.get(iid, iid), previous=_fmt(round(previous, 1)),
                             score=_fmt(round(score, 1)), delta=("+" if delta > 0 else "") + _fmt(delta)))
    return {"first": False, "text": text, "scores": scores}


def summary_view(results: dict, indicators: list[dict], lang: str, D: dict) -> dict:
    short = priorities.shortfalls(results)
    english = lang == "en"

    def name(item: dict) -> str:
        return (item.get("label_en") if english else "") or item["label"]

    for iid, shortfall in list(short.items()):  # the component named in the report's language
        comps: list[dict] = next((i["components"] for i in indicators if i["id"] == iid), [])
        comp = next((c for c in comps if c["id"] == shortfall.component), None)
        if comp is not None:
            short[iid] = dataclasses.replace(shortfall, label=name(comp))
    rows = []
    for ind in indicators:
        templates = {"full": D["reason_full"], "shortfall": D["reason_shortfall"],
                     "not_assessed": D["reason_not_assessed"]}
        rows.append({"id": ind["id"], "label": ind["label"], "label_en": ind.get("label_en", ""),
                     "score": ind["score"], "max": ind["max"], "status": ind["status"],
                     "plain": D["status_plain"].get(ind["status"], ""),
                     "reason": priorities.summary_reason(short.get(ind["id"]), ind["status"], templates)})
    return {"rows": rows, "priorities": priorities.priorities(results, lang, labels={i["id"]: name(i) for i in indicators}),
            "since": since_view(results, indicators, D)}


def rubric_description(rubric_id: str, lang: str, label: str) -> str:
    """A human description of the rubric for the cover: the catalogue's, else the rubric's own label
    unless it is an internal reference (§) an assessor cannot follow."""
    return messages.rubric_description(rubric_id, lang) or ("" if "§" in label else label)


def component_words(comp: dict, ind: dict, check: dict, D: dict) -> dict:
    """The evidence of one component in words: its points, and a sentence when its check's status says
    something the score does not (a score met while findings remain, a review, an error)."""
    total = sum(c["weight"] or 0 for c in ind["components"] if c["status"] != "not_assessed")
    points = ""
    if comp["score_pct"] is not None and total and comp["weight"] is not None and ind["max"] is not None:
        share = ind["max"] * comp["weight"] / total
        points = _subst(D["points_of"], w=_fmt(comp["weight"]), pts=_fmt(round(share * comp["score_pct"] / 100, 1)),
                        max=_fmt(round(share, 1)))
    status = _str(check.get("status"))
    findings = len([f for f in _dicts(check.get("findings")) if not f.get("accepted")])
    note = ""
    if status == "error":
        note = D["check_error"]
    elif status == "needs_review":
        note = D["check_review"]
    elif status == "failed" and findings and comp["status"] == "met":
        note = _subst(D["check_differs"], n=findings)
    return {"points": points, "note": note}
