"""Checks whose inputs did not change since the baseline run take its result instead of running again.

A check declares what its result is a function of (Check.inputs); its options, the rest of the profile
and the tool version are covered by the run's profile hash and version, which must match the baseline's
(an incremental night's `reuse_parsed`). After the crawl the runner digests each declared input of
tonight's run (`digests`, I/O) and keeps the digests in run.stats.night.inputs, where the next night
finds them; `reusable` (pure) says which checks' stored results are copied forward. A check declaring
LINK_LOOKUPS is compared on the results of the targets it looked up: the run keeps which
(run.stats.night.lookups, `looked_up`), the next night digests the same targets. Like a build system
that records what a step read: the check is deterministic, so while what it read reads the same, it
would look up the same targets and give the same result.

The digests leave out per-night bookkeeping that no declaring check reads: a page's fetch time, elapsed
time, referrer and kept headers; a link result's check time, elapsed time and `cached` flag (its first
seen and failing nights are an input of their own, link_history). A check
that reads any of those declares no inputs (it always runs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final

from govaudit.models import CheckResult, CheckStatus, Finding, LinkResult, Severity
from govaudit.store import RunReader

PAGES: Final = "pages"  # the page rows (status, type, title, meta, anchors, depth, body hash, facts) and so bodies
LINKS: Final = "links"  # every link row (and so ctx.navigation())
LINK_RESULTS: Final = "link_results"  # every target's verdict (status, HTTP status, error, redirects, details)
# every target's status alone (status, HTTP status, final URL, error kind, internal): for the checks that
# show no error text or details (a failure's wording may differ from night to night; its count of
# nights is never in it, see LinkResult.nights_note)
LINK_STATUSES: Final = "link_statuses"
# when each failing target was first seen failing, and for how many nights in a row: a night apart for
# every failing link, so only the checks that show it declare it
LINK_HISTORY: Final = "link_history"
CRAWL_CUTS: Final = "crawl_cuts"  # what the crawl left out (run.stats cuts)
START_URL: Final = "start_url"
AUDIT_DAY: Final = "audit_day"  # the date the run judges the site as of (ctx.audit_date())
# the verdicts of the targets the check looked up one by one (CheckContext.link_result), per check: the run
# keeps which targets each check looked up (run.stats.night.lookups), and the next night digests the same
# targets. A check that reads link results only this way stands when a dead link on an article page is
# confirmed broken; one that reads them all (ctx.link_results) declares LINK_RESULTS or LINK_STATUSES.
LINK_LOOKUPS: Final = "link_lookups"
INPUTS: Final = frozenset({PAGES, LINKS, LINK_RESULTS, LINK_STATUSES, LINK_HISTORY, LINK_LOOKUPS, CRAWL_CUTS,
                           START_URL, AUDIT_DAY})


def declares_lookups(inputs: Collection[str] | None) -> bool:
    """The check (by its Check.inputs) reads link results only one target at a time, recorded."""
    return inputs is not None and LINK_LOOKUPS in inputs


def lookup_input(check_id: str) -> str:
    """The name of one check's looked-up targets among a run's input digests (run.stats.night.inputs)."""
    return f"{LINK_LOOKUPS}:{check_id}"


def compared(check_id: str, inputs: frozenset[str] | None) -> frozenset[str] | None:
    """The input digests a check's result is compared on: LINK_LOOKUPS stands for its own lookups."""
    if inputs is None or not declares_lookups(inputs):
        return inputs
    return (inputs - {LINK_LOOKUPS}) | {lookup_input(check_id)}


def looked_up(results: Iterable[CheckResult], declaring: Collection[str],
              copied: Mapping[str, Collection[str]]) -> dict[str, list[str]]:
    """The targets each check of `declaring` (those declaring LINK_LOOKUPS) looked up tonight, sorted: its
    own record where it ran, and where its result was copied forward the baseline's (`copied`: it would
    have looked up the same). None for a check that ended in an error (never copied forward)."""
    out = {}
    for result in results:
        if result.check_id in declaring and result.status != CheckStatus.ERROR:
            urls = copied[result.check_id] if result.check_id in copied else result.looked_up
            out[result.check_id] = sorted(urls)
    return out


def _digest(rows: Iterable[Any], *, flat: bool = False) -> str:
    """sha256 of the rows in a canonical order (the store's order is not promised). flat: rows of plain
    strings and numbers only, whose repr is canonical (cheaper than JSON for the link table)."""
    encode = repr if flat else (lambda row: json.dumps(row, sort_keys=True, ensure_ascii=False, default=str))
    encoded = sorted(map(encode, rows))
    h = hashlib.sha256()
    for line in encoded:
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def digests(store: RunReader, run_id: int, wanted: Collection[str], audit_day: dt.date,
            lookups: Mapping[str, Collection[str]] | None = None) -> dict[str, str]:
    """The digest of each wanted input of the run, read from the store; with `lookups` (check id → the
    targets it looked up), the digest of each check's targets too (under lookup_input(check id))."""
    out: dict[str, str] = {}
    if PAGES in wanted:
        out[PAGES] = _digest((p.url, p.requested_url, p.http_status, p.content_type, p.charset, p.lang, p.title,
                              p.meta, p.anchors, p.depth, p.body_hash, p.size, p.facts) for p in store.pages(run_id))
    if LINKS in wanted:
        out[LINKS] = store.links_digest(run_id)
    if {LINK_RESULTS, LINK_STATUSES, LINK_HISTORY} & set(wanted) or lookups:
        results = list(store.link_results(run_id))
        if lookups:
            by_url = {r.url: r for r in results}
            for check_id, urls in lookups.items():
                out[lookup_input(check_id)] = _digest(
                    (url, *(_verdict(by_url[url]) if url in by_url else ())) for url in urls)
        if LINK_STATUSES in wanted:
            out[LINK_STATUSES] = _digest(((r.url, str(r.status), r.http_status, r.final_url, r.error_kind,
                                           r.internal) for r in results), flat=True)
        if LINK_RESULTS in wanted:
            out[LINK_RESULTS] = _digest((r.url, *_verdict(r)) for r in results)
        if LINK_HISTORY in wanted:
            out[LINK_HISTORY] = _digest((r.url, r.first_seen, r.nights) for r in results if r.first_seen or r.nights)
    run = store.run(run_id) if (CRAWL_CUTS in wanted or START_URL in wanted) else None
    if run is not None and CRAWL_CUTS in wanted:
        out[CRAWL_CUTS] = _digest([(run.stats or {}).get("cuts") or []])
    if run is not None and START_URL in wanted:
        out[START_URL] = _digest([run.start_url])
    if AUDIT_DAY in wanted:
        out[AUDIT_DAY] = audit_day.isoformat()
    return out


def _verdict(r: LinkResult) -> tuple[Any, ...]:
    """What a check may read of a target's result (not when or how fast it was checked)."""
    return (str(r.status), r.http_status, r.final_url, r.redirect_chain, r.error_kind, r.error, r.method,
            r.internal, r.details)


def reusable(declared: Mapping[str, frozenset[str] | None], depends_on: Mapping[str, frozenset[str]],
             tonight: Mapping[str, str], baseline: Mapping[str, str], usable: Collection[str]) -> list[str]:
    """The checks (ids of `declared`, dependencies first) whose baseline result stands: each declares
    its inputs, every one digests the same tonight as in the baseline, the baseline has a result of it
    that may be taken (`usable`: same check version, not an error), and every check it depends on is
    reused too (a dependency run again may give its dependants another result)."""
    out: list[str] = []
    for check_id, inputs in declared.items():
        if inputs is None or check_id not in usable:
            continue
        if any(name not in tonight or tonight[name] != baseline.get(name) for name in inputs):
            continue
        if not depends_on.get(check_id, frozenset()) <= set(out):
            continue
        out.append(check_id)
    return out


def stored_results(store: RunReader, run_id: int) -> dict[str, CheckResult]:
    """The run's check results as records (with their findings), for copying forward."""
    out = {}
    for row in store.check_results(run_id):
        findings = tuple(Finding(check_id=row["check_id"], code=f["code"], severity=Severity(f["severity"]),
                                 message=f["message"], page=f.get("page") or "", target=f.get("target") or "",
                                 evidence=f.get("evidence") or {}, tags=tuple(f.get("tags") or ()))
                         for f in row["findings"])
        out[row["check_id"]] = CheckResult(row["check_id"], row["version"], CheckStatus(row["status"]),
                                           row.get("metrics") or {}, findings, 0.0, row.get("error") or "",
                                           row.get("data") or {})
    return out
