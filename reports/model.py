"""The view model of the human reports, built from the results dict (results.json shape).

Pure functions, no I/O. Every key of the input may be missing, None or of the wrong type: the
report must still render, so each accessor degrades to an empty value instead of raising.
Strings that came from crawled pages are passed through untouched; escaping is the template's job.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from typing import Any

from govaudit import localtime, registry
from govaudit.models import LinkStatus
from govaudit.reports import assessment, messages, summary
from govaudit.reports.i18n import labels, normalize_lang
from govaudit.reports.sections import sections
from govaudit.reports.values import (
    _dict,
    _dicts,
    _list,
    _num,
    _rank,
    _severity_rank,
    _str,
    format_time,
    timezone_of,
    url_view,
)

FAILURE_STATUSES = (LinkStatus.BROKEN.value, LinkStatus.UNVERIFIED.value, LinkStatus.REDIRECTED.value)
LINK_STATUSES = tuple(s.value for s in LinkStatus)
ANCHOR_TEXT_MAX = 300
FINDINGS_PER_CHECK_MAX = 1000
EVIDENCE_MAX = 5


# -- run -----------------------------------------------------------------------------------------


def run_view(results: dict) -> dict:
    run = _dict(results.get("run"))
    stats = _dict(run.get("stats"))
    status = _str(run.get("status"))
    tz = timezone_of(results)
    as_of = _day(run.get("as_of"))
    return {
        "id": run.get("id"),
        "agency": _str(run.get("agency") or run.get("site")),
        "start_url": url_view(run.get("start_url")),
        "status": status,
        "banner": status in ("incomplete", "failed", "interrupted", "unreachable", "running"),
        "started_at": format_time(run.get("started_at"), tz),
        "finished_at": format_time(run.get("finished_at"), tz),
        # the assessment's date in the 民國 calendar, in the site's zone (115年12月7日)
        "date_roc": localtime.roc_date(run.get("finished_at") or run.get("started_at"), tz),
        "window_roc": _window_roc(run.get("started_at"), run.get("finished_at"), tz),
        # the date the audit judged the site as of, when pinned (audit.as_of): said on the cover
        "as_of": as_of.isoformat() if as_of else "",
        "as_of_roc": localtime.roc_day(as_of) if as_of else "",
        "timezone": tz,
        "pages_crawled": _num(run.get("pages_crawled")),
        "pages_failed": _num(stats.get("pages_failed")),
        "links_checked": _num(run.get("links_checked")),
        "elapsed_s": _num(stats.get("elapsed_s")),
        "tool_version": _str(run.get("tool_version")),
        "profile_hash": _str(run.get("profile_hash")),
        "rubric": _str(run.get("rubric")),
        "previous_run": run.get("previous_run"),
        "health": [
            {"monitor": _str(h.get("monitor")), "status": _str(h.get("status")), "message": _str(h.get("message"))}
            for h in _dicts(run.get("health"))
        ],
    }


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _window_roc(start: Any, end: Any, tz: str) -> str:
    """民國115年12月7日 06:36 至 06:37 (the end's date too when it is another day), in tz."""
    begin, until = localtime.local(start, tz), localtime.local(end, tz)
    if begin is None:
        return ""
    text = f"民國{localtime.roc_date(start, tz)} {begin:%H:%M}"
    if until is not None:
        same = until.date() == begin.date()
        text += f" 至 {'' if same else '民國' + localtime.roc_date(end, tz) + ' '}{until:%H:%M}"
    return text


# -- links ---------------------------------------------------------------------------------------


def _links(results: dict) -> list[dict]:
    return _dicts(results.get("links"))


def link_summary(links: list[dict]) -> dict:
    """Counts of distinct targets by status, split internal / external; known statuses first."""
    total: Counter = Counter()
    internal: Counter = Counter()
    occurrences: Counter = Counter()
    for link in links:
        status = _str(link.get("status")) or "unknown"
        total[status] += 1
        internal[status] += bool(link.get("internal"))
        occurrences[status] += len(_list(link.get("sources")))
    order = [s for s in LINK_STATUSES if s in total] + sorted(s for s in total if s not in LINK_STATUSES)
    rows = [
        {
            "status": s,
            "count": total[s],
            "internal": internal[s],
            "external": total[s] - internal[s],
            "occurrences": occurrences[s],
        }
        for s in order
    ]
    return {
        "rows": rows,
        "total": sum(total.values()),
        "occurrences": sum(occurrences.values()),
        "counts": {s: total.get(s, 0) for s in (*LINK_STATUSES, *order)},
    }


def _anchor_text(value: Any) -> str:
    text = " ".join(_str(value).split())
    return text if len(text) <= ANCHOR_TEXT_MAX else text[: ANCHOR_TEXT_MAX - 1] + "…"


def _chain(value: Any) -> list[dict]:
    hops = []
    for hop in _list(value):
        hop = _list(hop)
        if len(hop) >= 2:
            hops.append({"code": hop[0], "url": url_view(hop[1])})
    return hops


def _failure_row(link: dict, source: dict, tz: str = localtime.DEFAULT_TIMEZONE) -> dict:
    fragment = _str(source.get("fragment"))
    target = _str(link.get("url"))
    line = _num(source.get("line"))
    final = link.get("final_url")
    return {
        "status": _str(link.get("status")),
        # A checked fragment is already part of the result's URL; otherwise show the link as written.
        "target": url_view(f"{target}#{fragment}" if fragment and "#" not in target else target),
        "text": _anchor_text(source.get("text")),
        "element": f"{_str(source.get('tag')) or 'a'}@{_str(source.get('attr')) or 'href'}",
        "line": int(line) if line else None,
        "http_status": link.get("http_status"),
        "error_kind": _str(link.get("error_kind")),
        "reason": _str(link.get("reason")),
        "error": _str(link.get("error")),
        "final_url": url_view(final) if final and final != target else None,
        "redirect_chain": _chain(link.get("redirect_chain")),
        "internal": bool(link.get("internal")),
        "first_seen": localtime.day(link.get("first_seen"), tz) or _str(link.get("first_seen"))[:10],
        "nights": _num(link.get("nights")),
        "new": bool(link.get("new")),
        "fix": {k: _str(v) for k, v in _dict(link.get("fix")).items()},
    }


def _failing(links: list[dict], statuses: tuple[str, ...]) -> list[dict]:
    """Failing links still to act on: accepted ones (acks, profile rules) are listed apart."""
    return [link for link in links if _str(link.get("status")) in statuses and not link.get("accepted")]


def accepted_links(links: list[dict], tz: str = localtime.DEFAULT_TIMEZONE) -> list[dict]:
    rows = []
    for link in links:
        if link.get("accepted") and _str(link.get("status")) in FAILURE_STATUSES:
            for source in _dicts(link.get("sources")) or [{}]:
                rows.append(_failure_row(link, source, tz) | {"page": url_view(_str(source.get("page")))})
    return rows


def accepted_findings(results: dict) -> list[dict]:
    out = []
    for check in _dicts(results.get("checks")):
        for f in _dicts(check.get("findings")):
            accepted = _dict(f.get("accepted"))
            if accepted:
                out.append({"code": _str(f.get("code")), "page": url_view(_str(f.get("page"))),
                            "target": _str(f.get("target")), "note": _str(accepted.get("note")),
                            "by": _str(accepted.get("by")), "until": _str(accepted.get("until"))})
    return out


def failures_by_page(links: list[dict], statuses: tuple[str, ...] = FAILURE_STATUSES,
                     tz: str = localtime.DEFAULT_TIMEZONE) -> list[dict]:
    """Problem links grouped by the page they are on.

    Pages with the most broken links come first (then most problems, then URL) so the worst pages
    lead; within a page rows go broken, unverified, redirected, then in document (line) order.
    A link without sources is listed under an unknown page ("" URL) so it is never dropped.
    """
    groups: dict[str, list[dict]] = defaultdict(list)
    for link in _failing(links, statuses):
        sources = _dicts(link.get("sources")) or [{}]
        for source in sources:
            groups[_str(source.get("page"))].append(_failure_row(link, source, tz))
    pages: list[dict[str, Any]] = []
    for page, rows in groups.items():
        rows.sort(key=lambda r: (_rank(statuses, r["status"]), r["line"] or 0, r["target"]["raw"]))
        counts = Counter(r["status"] for r in rows)
        pages.append({"page": url_view(page), "known": bool(page), "rows": rows, "counts": dict(counts)})
    broken = LinkStatus.BROKEN.value
    pages.sort(key=lambda p: (not p["known"], -p["counts"].get(broken, 0), -len(p["rows"]), p["page"]["raw"]))
    return pages


def failures_by_target(links: list[dict], statuses: tuple[str, ...] = FAILURE_STATUSES) -> list[dict]:
    """One row per failing target with how many distinct pages link to it, most-linked first."""
    rows: list[dict[str, Any]] = []
    for link in _failing(links, statuses):
        sources = _dicts(link.get("sources"))
        rows.append(
            {
                "target": url_view(link.get("url")),
                "status": _str(link.get("status")),
                "http_status": link.get("http_status"),
                "error_kind": _str(link.get("error_kind")),
                "reason": _str(link.get("reason")) or _str(link.get("error")),
                "internal": bool(link.get("internal")),
                "pages": len({_str(s.get("page")) for s in sources}),
                "occurrences": len(sources),
            }
        )
    rows.sort(key=lambda r: (-r["pages"], -r["occurrences"], r["target"]["raw"]))
    return rows


# -- checks, findings, codes ---------------------------------------------------------------------


def _scalar_metrics(metrics: Any) -> list[dict]:
    # nested metrics belong in results.json; the table shows what fits in a cell
    return [
        {"name": _str(k), "value": v}
        for k, v in _dict(metrics).items()
        if isinstance(v, str | int | float | bool) or v is None
    ]


def check_titles(lang: str) -> dict[str, str]:
    """Check id → its title in `lang` (zh-TW: title_zh, else the English title)."""
    return {cid: (cls.title if lang == "en" else cls.title_zh) or cls.title for cid, cls in registry.checks().items()}


def checks_table(results: dict) -> list[dict]:
    rows = []
    for check in _dicts(results.get("checks")):
        findings = _dicts(check.get("findings"))
        by_severity = Counter(_str(f.get("severity")) for f in findings)
        rows.append(
            {
                "id": _str(check.get("id")),
                "title": _str(check.get("title")) or _str(check.get("id")),
                "version": _str(check.get("version")),
                "status": _str(check.get("status")),
                "findings": len(findings),
                "by_severity": sorted(by_severity.items(), key=lambda kv: _severity_rank(kv[0])),
                "duration": _num(check.get("duration")),
                "error": _str(check.get("error")),
                "metrics": _scalar_metrics(check.get("metrics")),
            }
        )
    return rows


def other_findings(results: dict, links: list[dict]) -> list[dict]:
    """Findings per check, minus those already shown as a problem-link row (same page and target)."""
    shown = {
        (_str(s.get("page")), _str(link.get("url")))
        for link in _failing(links, FAILURE_STATUSES)
        for s in _dicts(link.get("sources"))
    }
    out = []
    for check in _dicts(results.get("checks")):
        findings = [
            f
            for f in _list(check.get("findings"))
            if isinstance(f, dict) and (_str(f.get("page")), _str(f.get("target"))) not in shown
        ]
        if not findings:
            continue
        findings.sort(key=lambda f: (_severity_rank(_str(f.get("severity"))), _str(f.get("page")), _str(f.get("target"))))
        out.append(
            {
                "id": _str(check.get("id")),
                "title": _str(check.get("title")) or _str(check.get("id")),
                "findings": [
                    {
                        "severity": _str(f.get("severity")),
                        "code": _str(f.get("code")),
                        "page": url_view(f.get("page")),
                        "target": url_view(f.get("target")),
                        "message": _str(f.get("message")),
                        "raw": f,
                    }
                    for f in findings[:FINDINGS_PER_CHECK_MAX]
                ],
                "omitted": max(0, len(findings) - FINDINGS_PER_CHECK_MAX),
            }
        )
    return out


def code_legend(results: dict) -> list[dict]:
    """The code catalogue plus any code seen in a finding but missing from it, with use counts."""
    used: Counter = Counter()
    seen: dict[str, dict] = {}
    for check in _dicts(results.get("checks")):
        for f in _dicts(check.get("findings")):
            code = _str(f.get("code"))
            if code:
                used[code] += 1
                seen.setdefault(code, {"severity": _str(f.get("severity")), "check": _str(check.get("id"))})
    catalogue = _dict(results.get("codes"))
    rows: list[dict[str, Any]] = []
    for code in set(catalogue) | set(seen):
        entry = _dict(catalogue.get(code)) or seen.get(code, {})
        rows.append(
            {
                "code": _str(code),
                "severity": _str(entry.get("severity")),
                "description": _str(entry.get("description")),
                "check": _str(entry.get("check")),
                "used": used.get(code, 0),
            }
        )
    rows.sort(key=lambda r: (_severity_rank(r["severity"]), r["code"]))
    return rows


# -- indicators ----------------------------------------------------------------------------------


def _component(comp: dict) -> dict:
    status = _str(comp.get("status"))
    score = _num(comp.get("score"))
    evidence = [url_view(u) for u in _list(comp.get("evidence"))]
    return {
        "id": _str(comp.get("id")),
        "label": _str(comp.get("label")) or _str(comp.get("id")),
        "weight": _num(comp.get("weight")),
        "status": status,
        # not assessed means "no evidence", never 0: drop any score that came along with it
        "score_pct": None if status == "not_assessed" or score is None else round(score * 100, 1),
        "reason": _str(comp.get("reason")),
        "check": _str(comp.get("check")),
        "metric": _str(comp.get("metric")),
        "evidence": evidence[:EVIDENCE_MAX],
        "evidence_more": max(0, len(evidence) - EVIDENCE_MAX),
    }


def indicators_view(results: dict) -> list[dict]:
    out = []
    for ind in _dicts(results.get("indicators")):
        status = _str(ind.get("status"))
        score = _num(ind.get("score"))
        coverage = _num(ind.get("coverage"))
        out.append(
            {
                "id": _str(ind.get("id")),
                "label": _str(ind.get("label")) or _str(ind.get("id")),
                "score": None if status == "not_assessed" or score is None else round(score, 1),
                "max": _num(ind.get("max")),
                "status": status,
                "coverage_pct": None if coverage is None else round(coverage * 100),
                "components": [_component(c) for c in _dicts(ind.get("components"))],
            }
        )
    return out


# -- everything ----------------------------------------------------------------------------------


_GLOSS = re.compile(r"（[A-Za-z][A-Za-z ]*）")


def _localise(view: dict, results: dict, lang: str) -> None:
    """Texts a person reads, in lang through the catalogue: finding messages, the code legend,
    crawl health. The checks' own English messages stay in results.json and in --lang en."""
    codes = _dict(results.get("codes"))
    desc_key = "description" if lang == "en" else "description_zh"

    def description(code: str) -> str:
        entry = _dict(codes.get(code))
        return _str(entry.get(desc_key)) or _str(entry.get("description"))

    by_fingerprint = {_str(f.get("fingerprint")): f for c in _dicts(results.get("checks"))
                      for f in _dicts(c.get("findings")) if f.get("fingerprint")}
    for group in view["findings"]:
        for f in group["findings"]:
            f["message"] = messages.finding_message(f.pop("raw"), lang, description(f["code"]))
    changes = view.get("changes") or {}
    for key in ("new", "resolved", "persisting"):
        for row in changes.get(key) or []:
            raw = by_fingerprint.get(row["fingerprint"]) or {"code": row["code"], "message": row["message"]}
            row["message"] = messages.finding_message(raw, lang, description(row["code"]))
    for row in view["codes"]:
        row["description"] = description(row["code"]) or row["description"]
        if lang != "en":  # an English gloss in brackets (「（serious）」) repeats what the Chinese says
            row["description"] = _GLOSS.sub("", row["description"])
    for h in view["run"]["health"]:
        h["label"], h["text"] = messages.health(h["monitor"], h["status"], h["message"], lang)
    titles = check_titles(lang)
    for row in (*view["checks"], *view["findings"]):
        row["title"] = titles.get(row["id"]) or row["title"]
    notes = messages.rubric_notes(view["method"]["id"], lang)
    for ind in view["method"]["indicators"]:
        for comp in ind["components"]:
            comp["note"] = notes.get(f"{ind['id']}/{comp['id']}", comp["note"] if lang == "en" else "")


def build(results: Any, *, rubric: Any = None, lang: str = "zh-TW") -> dict:
    """The whole view model of report.html. `rubric`: the rubric the run was scored with (a dict of its
    YAML) for the method part, when the caller could find it; results.json alone is enough otherwise."""
    lang = normalize_lang(lang)
    D = labels(lang)["d"]
    results = _dict(results)
    links = _links(results)
    indicators = indicators_view(results)
    found = sections(results)
    evidence = assessment.component_evidence(results, {s["name"] for s in found})
    method = assessment.method_view(results, rubric)
    checks_by_id = {_str(c.get("id")): c for c in _dicts(results.get("checks"))}
    L = labels(lang)
    titles = {s["name"]: s["labels"][lang]["title"] for s in found} | {"failures": L["h"]["failures_by_page"]}
    named = check_titles(lang)
    titles |= {f"check-{row['id']}": named.get(row["id"]) or row["title"] for row in checks_table(results)}
    english = {m["id"]: m for m in method["indicators"]}
    for ind in indicators:
        spec = english.get(ind["id"], {})
        ind["label_en"] = spec.get("label_en", "")
        comp_en = {c["id"]: c["label_en"] for c in spec.get("components", [])}
        for comp in ind["components"]:
            comp["label_en"] = comp_en.get(comp["id"], "")
            comp["evidence_in"] = evidence.get(f"{ind['id']}/{comp['id']}", {"anchor": "", "check_status": "",
                                                                            "figures": []})
            comp["evidence_in"]["title"] = titles.get(comp["evidence_in"]["anchor"], "")
            comp["words"] = summary.component_words(comp, ind, checks_by_id.get(comp["check"], {}), D)
    view = {
        "schema": _str(results.get("schema")),
        "run": run_view(results),
        "cover": assessment.cover_view(results, indicators),
        "method": method,
        "trend": assessment.trend_view(results, indicators),
        "has_links": bool(links),
        "link_summary": link_summary(links),
        "failures_by_page": failures_by_page(links, tz=timezone_of(results)),
        "dead_targets": failures_by_target(links, (LinkStatus.BROKEN.value,)),
        "accepted_links": accepted_links(links, timezone_of(results)),
        "accepted_findings": accepted_findings(results),
        "changes": assessment.changes_view(results, indicators),
        "checks": checks_table(results),
        "findings": other_findings(results, links),
        "indicators": indicators,
        "codes": code_legend(results),
        "failure_statuses": FAILURE_STATUSES,
        "sections": found,
        "page_titles": {_str(k): _str(v) for k, v in _dict(results.get("page_titles")).items()},
        "summary": summary.summary_view(results, indicators, lang, D),
        "rubric_description": summary.rubric_description(assessment.rubric_ref(results)[0], lang, method["label"]),
        "signoff": _signoff(_dict(results.get("run")).get("signoff")),
    }
    _localise(view, results, lang)
    return view


def _signoff(value: Any) -> dict | None:
    """The profile's sign-off block (report.signoff): names may be blank lines to sign on paper."""
    if not isinstance(value, dict):
        return None
    return {k: _str(value.get(k)) for k in ("preparer", "supervisor", "date")}
