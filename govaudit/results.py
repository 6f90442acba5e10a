"""Assemble the results document (the results.json contract) for one run from the store.

Every writer renders this one dict, and `govaudit report --run ID` rebuilds it from the store alone,
so a report can be regenerated exactly, long after the crawl.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Container
from datetime import date
from typing import Any, NamedTuple

from govaudit import __version__, asof, diff, localtime, registry
from govaudit import transitions as tr
from govaudit.linkrules import matching_rule, suggest_fix
from govaudit.models import Run, RunStatus
from govaudit.store import RunReader

SCHEMA = "govaudit/results@2"
# Healthy targets linked from every page (menus) would list thousands of sources: keep a sample.
MAX_SOURCES_HEALTHY = 10


def result_key(target: str, fragment: str, results: Container[str]) -> str:
    """The result a link is judged by: its `URL#fragment` where the fragment was checked, else the URL."""
    if fragment:
        with_fragment = f"{target}#{fragment}"
        if with_fragment in results:
            return with_fragment
    return target


RESERVED = frozenset({"schema", "run", "links", "checks", "indicators", "codes", "changes", "trend", "page_titles"})


def ack_applies(ack: dict[str, Any], today: str | None = None) -> bool:
    """An ack holds until its `until` date (inclusive); none: for good."""
    return not ack.get("until") or ack["until"] >= (today or date.today().isoformat())


def accept_findings(checks: list[dict], acks: dict[str, dict], today: str | None = None) -> None:
    """Mark findings accepted (by an ack in the store or a profile ignore rule): shown apart, not counted."""
    for check in checks:
        for finding in check["findings"]:
            ack = acks.get(finding["fingerprint"])
            if ack is not None and ack_applies(ack, today):
                finding["accepted"] = {"by": "ack", "note": ack["note"], "until": ack.get("until")}
            elif (finding.get("evidence") or {}).get("accepted"):
                finding["accepted"] = finding["evidence"]["accepted"]
            else:
                finding["accepted"] = None


def merge_section(into: dict, data: dict) -> None:
    """Deep-merge a check's data into the document: several checks may fill one section (dicts merge,
    anything else is replaced), so e.g. the metadata and ODF checks both land under "disclosure"."""
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge_section(into[key], value)
        else:
            into[key] = value


def retention_info(run: Run) -> dict[str, Any]:
    """Pinned for an assessment? What retention removed (None / "bodies" / "detail") and when."""
    return {"pinned": run.pinned, "pin_note": run.pin_note or "",
            "pruned": {1: "bodies", 2: "detail"}.get(run.pruned or 0), "pruned_at": run.pruned_at}


class LinkSources(NamedTuple):
    """Where each checked target is linked from: a sample of its sources (every one for a failing
    target) and how many there are, by result key."""

    sources: dict[str, list[dict]]
    totals: dict[str, int]


class LinkRows(NamedTuple):
    """The run's link table read once, before its results are final: for each (target, fragment), how
    many links there are and the first MAX_SOURCES_HEALTHY of them (with their places in links() order)."""

    first: dict[tuple[str, str], list[tuple[int, dict]]]
    counts: dict[tuple[str, str], int]


def link_rows(store: RunReader, run_id: int) -> LinkRows:
    """One pass over the run's whole link table (on a big site most of what building the document costs:
    the runner starts it in the background once the crawl has stored every link)."""
    # by URL id, named at the end: the few kept rows' URLs, not two URL strings for each of the many rows
    first: dict[tuple[int, str], list[tuple[int, int, str, str, str, str, int]]] = defaultdict(list)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for place, (source, target, fragment, text, tag, attr, line) in enumerate(store.links_by_id(run_id)):
        key = (target, fragment)
        counts[key] += 1
        kept = first[key]
        if len(kept) < MAX_SOURCES_HEALTHY:
            kept.append((place, source, fragment, text, tag, attr, line))
    names = store.url_names({target for target, _ in counts} | {row[1] for kept in first.values() for row in kept})
    return LinkRows({(names[target], fragment): [(place, _source(names[source], fr, text, tag, attr, line))
                                                 for place, source, fr, text, tag, attr, line in kept]
                     for (target, fragment), kept in first.items()},
                    {(names[target], fragment): count for (target, fragment), count in counts.items()})


ROWS_FORMAT = 1  # of encode_rows: a read kept in another format is not taken (rows_key)


def rows_key(links_digest: str) -> str:
    """What the read of a link table with that digest is kept under (store.keep_link_read)."""
    return f"{ROWS_FORMAT}:{MAX_SOURCES_HEALTHY}:{links_digest}"


def encode_rows(rows: LinkRows) -> bytes:
    first = [[target, fragment, [[place, s["page"], s["text"], s["tag"], s["attr"], s["line"]] for place, s in kept]]
             for (target, fragment), kept in rows.first.items()]
    counts = [[target, fragment, count] for (target, fragment), count in rows.counts.items()]
    doc = json.dumps({"first": first, "counts": counts}, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(doc.encode("utf-8", "surrogatepass"), 1)


def decode_rows(data: bytes) -> LinkRows:
    try:
        raw = zlib.decompress(data)
    except zlib.error as exc:
        raise ValueError(f"not a kept read of a link table: {exc}") from None
    doc = json.loads(raw.decode("utf-8", "surrogatepass"))
    return LinkRows({(target, fragment): [(place, _source(page, fragment, text, tag, attr, line))
                                          for place, page, text, tag, attr, line in kept]
                     for target, fragment, kept in doc["first"]},
                    {(target, fragment): count for target, fragment, count in doc["counts"]})


def _source(page: str, fragment: str, text: str, tag: str, attr: str, line: int) -> dict:
    return {"page": page, "text": text, "tag": tag, "attr": attr, "line": line, "fragment": fragment}


def link_sources(store: RunReader, run_id: int, rows: LinkRows | None = None) -> LinkSources:
    """Where each target is linked from, by result key, once the results are final: a sample of the
    sources of a healthy target, every source of a failing one. `rows`: link_rows() read already."""
    rows = rows if rows is not None else link_rows(store, run_id)
    results = {r.url: r for r in store.link_results(run_id)}
    failing = {url for url, r in results.items() if r.failing}
    merged: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for (target, fragment), count in rows.counts.items():
        key = result_key(target, fragment, results)
        totals[key] += count
        merged[key] += rows.first[target, fragment]
    ordered = {key: [s for _, s in sorted(kept, key=lambda item: item[0])] for key, kept in merged.items()}
    sources = {key: kept if key in failing else kept[:MAX_SOURCES_HEALTHY] for key, kept in ordered.items()}
    # a failing target shows every source: read again the few whose links were more than the sample
    short = {key for key in failing & merged.keys() if totals[key] > len(merged[key])}
    if short:
        for key in short:
            sources[key] = []
        wanted = {target for target, fragment in rows.counts if result_key(target, fragment, results) in short}
        for source, target, fragment, text, tag, attr, _rel, line, _position in store.links_to(run_id, wanted):
            key = result_key(target, fragment, results)
            if key in short:
                sources[key].append(_source(source, fragment, text, tag, attr, line))
    return LinkSources(sources, dict(totals))


def build(store: RunReader, run_id: int, *, codes: dict[str, dict] | None = None,
          linked: LinkSources | None = None) -> dict[str, Any]:
    """The document of run `run_id`; `linked`: its link_sources() taken already (they are final once the
    crawl process has ended)."""
    run = store.run(run_id)
    results = {r.url: r for r in store.link_results(run_id)}
    sources, totals = linked if linked is not None else link_sources(store, run_id)
    failing = {url for url, r in results.items() if r.failing}
    stored = store.check_results(run_id)
    checks = [
        {"id": c["check_id"], "version": c["version"], "status": c["status"], "metrics": c["metrics"],
         "duration": c["duration"], "error": c["error"], "findings": c["findings"]}
        for c in stored
    ]
    # Acks are judged as of the audit's date, like its findings: a rebuilt report shows what the run did.
    today = asof.audit_date(run).isoformat()
    accept_findings(checks, store.acks(), today)
    accepted_findings: dict[str, list[bool]] = defaultdict(list)
    link_checks = registry.link_finding_checks()
    for check in checks:
        if check["id"] in link_checks:
            for f in check["findings"]:
                accepted_findings[f["target"]].append(bool(f["accepted"]))
    ignore = ((run.profile or {}).get("links") or {}).get("ignore") or []
    stats = run.stats
    # the targets each check looked up are the next night's bookkeeping (govaudit/reuse.py), a list as
    # long as a site's language switches: not part of the document
    if "lookups" in (night := stats.get("night") or {}):
        stats = {**stats, "night": {k: v for k, v in night.items() if k != "lookups"}}
    indicators = [
        {"id": s["indicator_id"], "label": s["label"], "score": s["score"], "max": s["max"], "status": s["status"],
         "coverage": s["coverage"], "rubric": s["rubric"], "components": s["components"]}
        for s in store.scores(run_id)
    ]
    changes = build_changes(store, run, checks, indicators, {url: r.status for url, r in results.items()}, today)
    new = set(changes["links"]["new"])
    links = []
    for url, r in results.items():
        is_failing = r.failing
        flags = accepted_findings.get(url)
        accepted = is_failing and (bool(matching_rule(ignore, url, r.status)) or bool(flags and all(flags)))
        links.append({
            "url": url, "status": r.status, "http_status": r.http_status, "final_url": r.final_url,
            "error": r.error, "error_kind": r.error_kind, "redirect_chain": r.redirect_chain,
            "method": r.method, "internal": r.internal, "elapsed": round(r.elapsed or 0, 3),
            "checked_at": r.checked_at, "sources": sources.get(url, []), "sources_total": totals.get(url, 0),
            "first_seen": r.first_seen, "nights": r.nights or 0, "cached": r.cached,
            "new": url in new, "accepted": accepted,
            "fix": suggest_fix(r) if is_failing else None,
        })
    doc = {
        "schema": SCHEMA,
        "run": {
            "id": run.id, "site": run.site, "start_url": run.start_url, "status": run.status,
            "started_at": run.started_at, "finished_at": run.finished_at,
            # the date the checks judged the site as of when it was pinned (audit.as_of); null: the start's day
            "as_of": pinned.isoformat() if (pinned := asof.pinned(run)) else None,
            "pages_crawled": stats.get("pages_fetched", store.count("pages", run_id)),
            "links_checked": len(links), "tool_version": run.tool_version,
            "report_tool_version": __version__, "profile_hash": run.profile_hash, "rubric": run.rubric,
            "previous_run": run.previous_run, "error": run.error, "stats": stats, "health": run.health,
            "retention": retention_info(run),
            # the zone the report and notifications show times in (times here stay ISO 8601 with offset)
            "timezone": ((run.profile or {}).get("site") or {}).get("timezone") or localtime.DEFAULT_TIMEZONE,
            # the profile's sign-off block for the report's cover, only when it has one
            **({"signoff": signoff} if (signoff := ((run.profile or {}).get("report") or {}).get("signoff")) else {}),
        },
        "links": links,
        "checks": checks,
        "indicators": indicators,
        "codes": codes or {},
        "changes": changes,
        "trend": build_trend(store, run, today),
    }
    # Titles of the pages that hold a failing link: the report names each page beside its URL.
    doc["page_titles"] = store.page_titles(
        run_id, {s["page"] for url, srcs in sources.items() if url in failing for s in srcs})
    sections: dict[str, Any] = {}
    for c in stored:
        merge_section(sections, {k: v for k, v in c["data"].items() if k not in RESERVED})
    doc.update(sections)
    return doc


def _indicators(scores: list[dict]) -> list[dict]:
    return [{"id": s["indicator_id"], "score": s["score"], "rubric": s["rubric"], "components": s["components"]}
            for s in scores]


def _incomplete_reason(run: Run) -> str:
    why = [m["message"] for m in run.health or [] if m.get("status") == "fail"]
    if run.error:
        why.append(run.error)
    detail = f" ({'; '.join(why)})" if why else ""
    return f"this run is {run.status}{detail}: reported, but it claims no fixes and is never a baseline"


def build_changes(store: RunReader, run: Run, checks: list[dict], indicators: list[dict],
                  statuses: dict[str, str], today: str | None = None) -> dict[str, Any]:
    """results.json "changes": this run against the last completed run of the same site (never an
    incomplete or failed one). `checks` carry `accepted` (accept_findings); accepted findings are
    listed with it and not counted by the summary."""
    run_id = run.id
    complete = run.status == RunStatus.COMPLETED
    site_runs = [r for r in store.runs() if r["site"] == run.site]
    earlier = [r for r in reversed(site_runs) if r["id"] < run_id and r["status"] == RunStatus.COMPLETED]
    baseline = earlier[0]["id"] if earlier else None
    current = diff.finding_items(checks)
    ran_now = {c["id"] for c in checks if c["status"] in diff.RAN}
    base_items = prev_links = prev_scores = None
    not_compared: list[str] = []
    if baseline is None:
        before = [r for r in site_runs if r["id"] < run_id]
        reason = "first run of this site" if not before else "no completed run of this site before this one"
    else:
        reason = None
        base_checks = [{"id": c["check_id"], "status": c["status"], "findings": c["findings"]}
                       for c in store.check_results(baseline)]
        accept_findings(base_checks, store.acks(), today)
        base_items = diff.finding_items(base_checks)
        not_compared = sorted({c["id"] for c in base_checks if c["status"] in diff.RAN} - ran_now)
        prev_links = store.link_statuses(baseline)
        prev_scores = _indicators(store.scores(baseline))
    if not complete:
        reason = _incomplete_reason(run) + (f"; {reason}" if reason else "")
    link_checks = registry.link_finding_checks()
    found = diff.compare_findings(base_items, current, complete=complete, ran_now=ran_now, link_checks=link_checks)

    def history():
        for r in earlier:
            yield r["started_at"], store.finding_fingerprints(r["id"])

    streak = diff.streaks(set(current) | {i["fingerprint"] for i in found["resolved"]}
                          | {i["previous_fingerprint"] for i in found["persisting"] if "previous_fingerprint" in i},
                          history())
    diff.with_persistence(found["new"] + found["persisting"], streak, this_run=run.started_at,
                          counting_this_run=True)
    diff.with_persistence(found["resolved"], streak, this_run=run.started_at, counting_this_run=False)
    return {
        "baseline_run": baseline, "baseline_reason": reason, "complete": complete, **found,
        "not_compared": not_compared,
        "links": diff.compare_links(prev_links, statuses, complete=complete,
                                    flapping=_flapping(store, earlier, prev_links, statuses)),
        "scores": diff.compare_scores(prev_scores, indicators),
    }


def _flapping(store: RunReader, earlier: list[dict], baseline: dict[str, str] | None,
              statuses: dict[str, str]) -> dict[str, int]:
    """transitions.flapping over tonight and the completed runs before it (newest first in `earlier`;
    the baseline's statuses already read)."""
    if baseline is None:
        return {}
    window = earlier[: tr.FLAP_WINDOW - 1]
    nights = [baseline] + [store.link_statuses(r["id"]) for r in window[1:]]
    nights = [*reversed(nights), statuses]
    seen = {url for night in nights for url, status in night.items() if tr.failing(status)}
    return tr.flapping(tr.histories(nights, seen))


def build_trend(store: RunReader, run: Run, today: str | None = None) -> list[dict]:
    """results.json "trend": the site's completed runs, oldest first, ending with this run (whatever its
    status), the last 60 and every pinned one; broken and findings counted as the summary counts them."""
    acked = {fp for fp, ack in store.acks().items() if ack_applies(ack, today)}
    site_runs = [r for r in store.runs() if r["site"] == run.site]
    link_checks = registry.link_finding_checks()
    points = []
    for r in diff.trend_runs(site_runs, run.id):
        scores = store.scores(r["id"])
        counts = diff.tally(store.link_statuses(r["id"], "broken"), store.finding_marks(r["id"]), acked,
                            link_checks)
        points.append({"run": r["id"], "finished_at": r["finished_at"], "status": r["status"],
                       "indicators": {s["indicator_id"]: s["score"] for s in scores}, **counts})
    return points
