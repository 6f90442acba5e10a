"""View model of the annual-assessment parts of report.html: cover, indicators with their method, trend
charts (inline SVG geometry) and what changed since the last completed run.

Pure functions of the results document (and, for the method, the rubric as a plain dict): no I/O.
Every key may be missing or of the wrong type (older results.json, thin test input): each view
degrades to an empty value. Crawled strings pass through untouched; the templates escape them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from govaudit import localtime, registry
from govaudit.reports.values import (
    _dict,
    _dicts,
    _list,
    _num,
    _severity_rank,
    _str,
    format_time,
    timezone_of,
    url_view,
)
from govaudit.transitions import FLAP_CHANGES, FLAP_WINDOW

ROWS_MAX = 500  # rows per changes table; the rest is in results.json
SERIES_MAX = 8  # distinct line styles of the trend chart
MARKERS = ("circle", "square", "diamond", "triangle")

KEY_FIGURES = 4  # metrics shown beside a component, the scored one first

# Chart geometry (SVG user units; the SVG scales to its box).
CHART_W, CHART_H = 720, 260
PAD_L, PAD_R, PAD_T, PAD_B = 48, 44, 14, 48
X_LABELS_MAX = 7


# -- cover and method -----------------------------------------------------------------------------


def rubric_ref(results: dict) -> tuple[str, str]:
    """(id, version) of the rubric the run was scored with, from run.rubric ("default@1")."""
    ref = _str(_dict(results.get("run")).get("rubric"))
    rid, _, version = ref.partition("@")
    return rid, version


def cover_view(results: dict, indicators: list[dict]) -> dict:
    run = _dict(results.get("run"))
    profile = _dict(run.get("profile"))
    rid, version = rubric_ref(results)
    return {
        "profile_name": _str(run.get("profile_name") or profile.get("name")),
        "rubric_id": rid,
        "rubric_version": version,
        "headline": [{"id": i["id"], "label": i["label"], "label_en": i.get("label_en", ""), "score": i["score"], "max": i["max"], "status": i["status"],
                      "coverage_pct": i["coverage_pct"]} for i in indicators],
    }


def method_view(results: dict, rubric: Any = None) -> dict:
    """The rubric as shown in the method part: its label, thresholds, minimum coverage and, per
    indicator and component, weight, check, metric and note. From the rubric the run was scored with
    when given (a dict of the rubric YAML), else from what results.json itself carries."""
    rubric = _dict(rubric) or _dict(results.get("rubric"))
    rid, version = rubric_ref(results)
    if rubric and (_str(rubric.get("id")) != rid or _str(rubric.get("version")) != version):
        rubric = {}  # another rubric than the run's: its text would misdescribe the scores
    thresholds = _dict(rubric.get("thresholds"))
    notes: dict[tuple[str, str], dict] = {}
    for ind in _dicts(rubric.get("indicators")):
        for comp in _dicts(ind.get("components")):
            notes[(_str(ind.get("id")), _str(comp.get("id")))] = comp
    indicators = []
    for ind in _dicts(results.get("indicators")):
        components: list[dict[str, Any]] = []
        for comp in _dicts(ind.get("components")):
            spec = notes.get((_str(ind.get("id")), _str(comp.get("id"))), {})
            components.append({
                "id": _str(comp.get("id")), "label": _str(comp.get("label")) or _str(comp.get("id")),
                "label_en": _str(spec.get("label_en")),
                "weight": _num(comp.get("weight")), "check": _str(comp.get("check")),
                "metric": _str(comp.get("metric")), "note": _str(spec.get("note")),
            })
        total = sum(c["weight"] or 0 for c in components)
        for c in components:
            c["share_pct"] = round(100 * c["weight"] / total, 1) if total and c["weight"] is not None else None
        spec = next((i for i in _dicts(rubric.get("indicators")) if _str(i.get("id")) == _str(ind.get("id"))), {})
        indicators.append({"id": _str(ind.get("id")), "label": _str(ind.get("label")) or _str(ind.get("id")),
                           "label_en": _str(spec.get("label_en")), "max": _num(ind.get("max")),
                           "components": components})
    return {
        "known": bool(rubric),
        "id": rid or _str(rubric.get("id")),
        "version": version or _str(rubric.get("version")),
        "label": _str(rubric.get("label")),
        "met": _num(thresholds.get("met")),
        "partial": _num(thresholds.get("partial")),
        "min_coverage_pct": None if _num(rubric.get("min_coverage")) is None
        else round(100 * rubric["min_coverage"]),
        "indicators": indicators,
    }


def _figures(check: dict, metric: str) -> list[dict]:
    metrics = _dict(check.get("metrics"))
    names = [metric] if metric in metrics else []
    names += [k for k, v in metrics.items() if k != metric and isinstance(v, int | float | str) and v != ""]
    return [{"name": _str(k), "value": metrics[k]} for k in names[:KEY_FIGURES]]


def component_evidence(results: dict, sections: set[str]) -> dict[str, dict]:
    """check id → {anchor, status, figures}: where each component's evidence is in the report."""
    out = {}
    checks = {_str(c.get("id")): c for c in _dicts(results.get("checks"))}
    # Where a check's evidence is in the report: its own section if it has one, else the section it
    # declares (Check.report_anchor), else a general table.
    anchors = {cid: cls.report_anchor for cid, cls in registry.checks().items() if cls.report_anchor}
    for ind in _dicts(results.get("indicators")):
        for comp in _dicts(ind.get("components")):
            cid = _str(comp.get("check"))
            check = checks.get(cid)
            if cid in sections:
                anchor = cid
            elif anchors.get(cid) in sections or anchors.get(cid) == "failures":
                anchor = anchors[cid]
            else:
                anchor = f"check-{cid}" if check is not None else ""
            out[f"{_str(ind.get('id'))}/{_str(comp.get('id'))}"] = {
                "anchor": anchor,
                "check_status": _str(_dict(check).get("status")) if check is not None else "",
                "figures": _figures(_dict(check), _str(comp.get("metric"))) if check is not None else [],
            }
    return out


# -- trend ----------------------------------------------------------------------------------------


def _nice_max(value: float) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above value (at least 1): a readable axis top."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def _x_positions(n: int) -> list[float]:
    width = CHART_W - PAD_L - PAD_R
    if n == 1:
        return [PAD_L + width / 2]
    return [round(PAD_L + i * width / (n - 1), 1) for i in range(n)]


def _y(value: float, top: float) -> float:
    height = CHART_H - PAD_T - PAD_B
    return round(PAD_T + height * (1 - min(max(value, 0), top) / top), 1)


@dataclass(frozen=True, slots=True)
class _TrendPoint:
    """One run of results["trend"], read tolerantly."""

    run: int | None
    date: str  # YYYY-MM-DD
    finished_at: str  # as shown
    status: str
    indicators: dict[str, Any]  # indicator id -> score
    broken: float | None
    findings: float | None


def _trend_point(raw: dict[str, Any], tz: str) -> _TrendPoint:
    run = _num(raw.get("run"))
    return _TrendPoint(
        run=int(run) if run is not None else None,
        date=localtime.day(raw.get("finished_at"), tz) or _str(raw.get("finished_at"))[:10],
        finished_at=format_time(raw.get("finished_at"), tz),
        status=_str(raw.get("status")),
        indicators=_dict(raw.get("indicators")),
        broken=_num(raw.get("broken")),
        findings=_num(raw.get("findings")),
    )


def _x_labels(points: list[_TrendPoint], xs: list[float]) -> list[dict]:
    n = len(points)
    if not n:
        return []
    count = min(n, X_LABELS_MAX)
    idx = sorted({round(k * (n - 1) / (count - 1)) for k in range(count)}) if count > 1 else [0]
    return [{"x": xs[i], "run": points[i].run, "date": points[i].date} for i in idx]


def _segments(xs: list[float], values: list[float | None], top: float) -> list[str]:
    """SVG polyline point strings, broken where a value is missing (not assessed is no line, never 0)."""
    segments: list[list[str]] = []
    current: list[str] = []
    for x, v in zip(xs, values, strict=True):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{x},{_y(v, top)}")
    if current:
        segments.append(current)
    return [" ".join(s) for s in segments if len(s) > 1]


def _chart(points: list[_TrendPoint], series: list[dict], top: float, ticks: list[float]) -> dict:
    xs = _x_positions(len(points))
    for s in series:
        s["lines"] = _segments(xs, s["values"], top)
        s["dots"] = [{"x": x, "y": _y(v, top), "value": v, "run": p.run, "date": p.date}
                     for x, v, p in zip(xs, s["values"], points, strict=True) if v is not None]
    return {
        "width": CHART_W, "height": CHART_H, "left": PAD_L, "right": CHART_W - PAD_R, "top": PAD_T,
        "bottom": CHART_H - PAD_B,
        "ticks": [{"y": _y(t, top), "value": t} for t in ticks],
        "x_labels": _x_labels(points, xs),
        "series": series,
        "empty": not any(s["dots"] for s in series),
    }


MINI_W, MINI_H = 360, 150
MINI_L, MINI_R, MINI_T, MINI_B = 46, 14, 12, 40


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Ticks at a 1, 2 or 5 × 10^k step covering lo..hi: an axis fitted to the data, so that 90.6 → 90.3
    shows as a change instead of a flat line on 0–100."""
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    raw = (hi - lo) / max(1, count - 1)
    scale = 10.0 ** math.floor(math.log10(raw))
    step = next(m * scale for m in (1, 2, 5, 10) if m * scale >= raw)
    first, last = math.floor(lo / step) * step, math.ceil(hi / step) * step
    n = round((last - first) / step)
    return [round(first + i * step, 6) for i in range(n + 1)]


def _mini(points: list[_TrendPoint], iid: str, label: str) -> dict | None:
    """One small chart of one indicator's score over the runs, its y-axis fitted to the values."""
    values = [_num(p.indicators.get(iid)) for p in points]
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    ticks = nice_ticks(min(known), max(known))
    lo, hi = ticks[0], ticks[-1]
    width, height = MINI_W - MINI_L - MINI_R, MINI_H - MINI_T - MINI_B
    xs = [MINI_L + width / 2] if len(points) == 1 else [round(MINI_L + i * width / (len(points) - 1), 1)
                                                         for i in range(len(points))]

    def y(v: float) -> float:
        return round(MINI_T + height * (1 - (v - lo) / (hi - lo)), 1)

    segments: list[list[str]] = []
    current: list[str] = []
    for x, v in zip(xs, values, strict=True):
        if v is None:
            segments.append(current)
            current = []
        else:
            current.append(f"{x},{y(v)}")
    segments.append(current)
    first, last = 0, len(points) - 1
    return {"id": iid, "label": label, "width": MINI_W, "height": MINI_H, "left": MINI_L, "right": MINI_W - MINI_R,
            "top": MINI_T, "bottom": MINI_H - MINI_B,
            "ticks": [{"y": y(t), "value": round(t, 2)} for t in ticks],
            "lines": [" ".join(seg) for seg in segments if len(seg) > 1],
            "dots": [{"x": x, "y": y(v), "value": v, "run": p.run, "date": p.date}
                     for x, v, p in zip(xs, values, points, strict=True) if v is not None],
            "x_labels": [{"x": xs[i], "run": points[i].run, "date": points[i].date} for i in sorted({first, last})]}


def trend_view(results: dict, indicators: list[dict]) -> dict:
    """Trend over runs from results["trend"] (oldest first): an indicator chart (percent of each
    indicator's maximum), a broken-links chart, and the same figures as a table."""
    points = [_trend_point(p, timezone_of(results)) for p in _dicts(results.get("trend"))]
    known = {i["id"]: i for i in indicators}
    ids = [i["id"] for i in indicators if any(i["id"] in p.indicators for p in points)]
    ids += sorted({k for p in points for k in p.indicators} - set(ids))
    series = []
    for n, iid in enumerate(ids[:SERIES_MAX]):
        maximum = (known.get(iid) or {}).get("max") or 100
        values = []
        for p in points:
            v = _num(p.indicators.get(iid))
            values.append(None if v is None else round(100 * v / maximum, 1))
        series.append({"id": iid, "label": (known.get(iid) or {}).get("label") or iid, "n": n,
                       "marker": MARKERS[n % len(MARKERS)], "values": values})
    broken_values = [p.broken for p in points]
    broken_top = _nice_max(max([v for v in broken_values if v is not None] or [0]))
    broken = [{"id": "broken", "label": "", "n": 0, "marker": "circle", "values": broken_values}]
    rows = [{"run": p.run, "finished_at": p.finished_at, "status": p.status,
             "scores": [_num(p.indicators.get(s["id"])) for s in series],
             "broken": p.broken, "findings": p.findings} for p in points]
    minis = {i["id"]: m for i in indicators if (m := _mini(points, i["id"], i["label"])) is not None}
    return {
        "count": len(points),
        "minis": minis,
        "series": series,
        "scores": _chart(points, series, 100, [0, 25, 50, 75, 100]),
        "broken": _chart(points, broken, broken_top, sorted({0, broken_top // 2, broken_top})),
        "has_broken": any(v is not None for v in broken_values),
        "rows": rows,
    }


# -- changes since the last completed run ---------------------------------------------------------


def _finding_row(f: Any, tz: str) -> dict:
    f = _dict(f)
    nights = _num(f.get("nights"))
    return {
        "check": _str(f.get("check")), "code": _str(f.get("code")), "severity": _str(f.get("severity")),
        "message": _str(f.get("message")), "target": url_view(f.get("target")), "page": url_view(f.get("page")),
        "first_seen": localtime.day(f.get("first_seen"), tz) or _str(f.get("first_seen"))[:10], "nights": int(nights) if nights is not None else None,
        "fingerprint": _str(f.get("fingerprint")), "previous_code": _str(f.get("previous_code")),
    }


def _finding_rows(value: Any, tz: str) -> tuple[list[dict], int]:
    items = [i for i in _list(value) if isinstance(i, dict)]
    rows = [_finding_row(f, tz) for f in items]
    rows.sort(key=lambda r: (_severity_rank(r["severity"]), -(r["nights"] or 0), r["check"], r["code"],
                             r["page"]["raw"], r["target"]["raw"]))
    return rows[:ROWS_MAX], max(0, len(rows) - ROWS_MAX)


def _urls(value: Any) -> list[dict]:
    return [url_view(u) for u in _list(value) if isinstance(u, str)][:ROWS_MAX]


def _pct_points(values: list[float | None]) -> bool:
    """Component scores are 0..1 shares in results.json; shown as percentage points."""
    return all(v is None or abs(v) <= 1.0 for v in values)


def _delta_row(item: dict, label: str, scale: float) -> dict:
    def scaled(v):
        v = _num(v)
        return None if v is None else round(v * scale, 1)

    score, previous, delta = scaled(item.get("score")), scaled(item.get("previous")), scaled(item.get("delta"))
    if delta is None and score is not None and previous is not None:
        delta = round(score - previous, 1)
    return {"id": _str(item.get("id") or item.get("indicator")), "label": label, "score": score,
            "previous": previous, "delta": delta,
            "direction": "none" if delta is None else ("up" if delta > 0 else "down" if delta < 0 else "same")}


def _score_deltas(value: Any, indicators: list[dict]) -> list[dict]:
    labels = {i["id"]: i for i in indicators}
    out = []
    for item in _dicts(value):
        iid = _str(item.get("indicator") or item.get("id"))
        ind = labels.get(iid) or {}
        comp_labels = {c["id"]: c["label"] for c in ind.get("components") or []}
        row = _delta_row(item, ind.get("label") or iid, 1)
        comps = _dicts(item.get("components"))
        scale = 100 if _pct_points([_num(c.get(k)) for c in comps for k in ("score", "previous")]) else 1
        row["components"] = [_delta_row(c, comp_labels.get(_str(c.get("id"))) or _str(c.get("id")), scale)
                             for c in comps]
        out.append(row)
    return out


def changes_view(results: dict, indicators: list[dict] | None = None) -> dict | None:
    """What changed since the last completed run (results["changes"], issue-6 contract), or None
    when the document has no changes at all. The older shape (link URL lists, `baseline` flag,
    `persisting` as a count) is shown as link changes only."""
    changes = results.get("changes")
    if not isinstance(changes, dict) or not changes:
        return None
    indicators = indicators or []
    if "baseline_run" not in changes and "complete" not in changes:
        baseline = _num(changes.get("previous_run")) if changes.get("baseline") else None
        persisting = changes.get("persisting")
        return {
            "baseline_run": baseline, "baseline_reason": "", "complete": True, "legacy": True,
            "new": [], "resolved": [], "persisting": [], "omitted": {"new": 0, "resolved": 0, "persisting": 0},
            "links": {"new": _urls(changes.get("new")), "resolved": _urls(changes.get("resolved")),
                      "persisting": _urls(persisting),
                      "transitions": [], "confirmed": [], "flapping": []},
            "link_counts": {"new": len(_list(changes.get("new"))), "resolved": len(_list(changes.get("resolved"))),
                            "persisting": persisting if _num(persisting) is not None else len(_list(persisting)),
                            "transitions": len(_list(changes.get("changed"))), "confirmed": 0, "flapping": 0},
            "flap": {"window": FLAP_WINDOW, "n": FLAP_CHANGES},
            "scores": [],
            "counts": {"new": 0, "resolved": 0, "persisting": 0},
        }
    links = _dict(changes.get("links"))
    tables = {key: _finding_rows(changes.get(key), timezone_of(results)) for key in ("new", "resolved", "persisting")}
    complete = changes.get("complete") is not False
    transitions: list[dict[str, Any]] = [{"url": url_view(t.get("url")), "from": _str(t.get("from")), "to": _str(t.get("to")),
                                          "kind": _str(t.get("kind"))}
                                         for t in _dicts(links.get("transitions"))]
    flapping = [{"url": url_view(f.get("url")), "changes": _num(f.get("changes"))} for f in _dicts(links.get("flapping"))]
    transitions.sort(key=lambda t: (t["to"] == "", t["to"], t["url"]["raw"]))
    return {
        "baseline_run": _num(changes.get("baseline_run")),
        "baseline_reason": _str(changes.get("baseline_reason")),
        "complete": complete,
        "legacy": False,
        # an incomplete run never claims fixes, whatever the document says
        "new": tables["new"][0],
        "resolved": tables["resolved"][0] if complete else [],
        "persisting": tables["persisting"][0],
        "omitted": {k: v[1] for k, v in tables.items()},
        "counts": {"new": len(_list(changes.get("new"))),
                   "resolved": len(_list(changes.get("resolved"))) if complete else 0,
                   "persisting": len(_list(changes.get("persisting")))},
        "links": {"new": _urls(links.get("new")), "resolved": _urls(links.get("resolved")) if complete else [],
                  "persisting": _urls(links.get("persisting")), "transitions": transitions[:ROWS_MAX],
                  "confirmed": _urls(links.get("confirmed")), "flapping": flapping[:ROWS_MAX]},
        "link_counts": {"new": len(_list(links.get("new"))),
                        "resolved": len(_list(links.get("resolved"))) if complete else 0,
                        "persisting": len(_list(links.get("persisting"))), "transitions": len(transitions),
                        "confirmed": len(_list(links.get("confirmed"))), "flapping": len(flapping)},
        "flap": {"window": FLAP_WINDOW, "n": FLAP_CHANGES},
        "scores": _score_deltas(changes.get("scores"), indicators),
    }
