"""Assemble the results document (the results.json contract) for one run from the store.

Every writer renders this one dict, and `govaudit report --run ID` rebuilds it from the store alone,
so a report can be regenerated exactly, long after the crawl.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from govaudit import __version__
from govaudit.models import LinkStatus
from govaudit.store import Store

SCHEMA = "govaudit/results@1"
FAILING = frozenset({LinkStatus.BROKEN, LinkStatus.UNVERIFIED, LinkStatus.REDIRECTED})
# Healthy targets linked from every page (menus) would list thousands of sources: keep a sample.
MAX_SOURCES_HEALTHY = 10


def result_key(link: dict, results: dict[str, dict]) -> str:
    """The result a link is judged by: its `URL#fragment` where the fragment was checked, else the URL."""
    if link["fragment"]:
        with_fragment = f"{link['target']}#{link['fragment']}"
        if with_fragment in results:
            return with_fragment
    return link["target"]


RESERVED = frozenset({"schema", "run", "links", "checks", "indicators", "codes"})


def merge_section(into: dict, data: dict) -> None:
    """Deep-merge a check's data into the document: several checks may fill one section (dicts merge,
    anything else is replaced), so e.g. the metadata and ODF checks both land under "disclosure"."""
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge_section(into[key], value)
        else:
            into[key] = value


def build(store: Store, run_id: int, *, codes: dict[str, dict] | None = None) -> dict[str, Any]:
    run = store.run(run_id)
    results = {r["url"]: r for r in store.link_results(run_id)}
    sources: dict[str, list[dict]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for link in store.links(run_id):
        key = result_key(link, results)
        totals[key] += 1
        if results.get(key, {}).get("status") in FAILING or len(sources[key]) < MAX_SOURCES_HEALTHY:
            sources[key].append({"page": link["source"], "text": link["text"], "tag": link["tag"],
                                 "attr": link["attr"], "line": link["line"], "fragment": link["fragment"]})
    links = []
    for url, r in results.items():
        links.append({
            "url": url, "status": r["status"], "http_status": r["http_status"], "final_url": r["final_url"],
            "error": r["error"], "error_kind": r["error_kind"], "redirect_chain": r["redirect_chain"],
            "method": r["method"], "internal": r["internal"], "elapsed": round(r["elapsed"] or 0, 3),
            "checked_at": r["checked_at"], "sources": sources.get(url, []), "sources_total": totals.get(url, 0),
        })
    stats = run["stats"]
    stored = store.check_results(run_id)
    checks = [
        {"id": c["check_id"], "version": c["version"], "status": c["status"], "metrics": c["metrics"],
         "duration": c["duration"], "error": c["error"], "findings": c["findings"]}
        for c in stored
    ]
    indicators = [
        {"id": s["indicator_id"], "label": s["label"], "score": s["score"], "max": s["max"], "status": s["status"],
         "coverage": s["coverage"], "rubric": s["rubric"], "components": s["components"]}
        for s in store.scores(run_id)
    ]
    doc = {
        "schema": SCHEMA,
        "run": {
            "id": run["id"], "site": run["site"], "start_url": run["start_url"], "status": run["status"],
            "started_at": run["started_at"], "finished_at": run["finished_at"],
            "pages_crawled": stats.get("pages_fetched", store.count("pages", run_id)),
            "links_checked": len(links), "tool_version": run["tool_version"],
            "report_tool_version": __version__, "profile_hash": run["profile_hash"], "rubric": run["rubric"],
            "previous_run": run["previous_run"], "error": run["error"], "stats": stats, "health": run["health"],
        },
        "links": links,
        "checks": checks,
        "indicators": indicators,
        "codes": codes or {},
    }
    sections: dict[str, Any] = {}
    for c in stored:
        merge_section(sections, {k: v for k, v in c["data"].items() if k not in RESERVED})
    doc.update(sections)
    return doc
