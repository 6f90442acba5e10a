"""What changed since the last completed run of the same site: pure functions over two runs' findings,
link results and scores (results.build reads the store and fills results.json "changes" with them).

Findings are matched by their identity (transitions.finding_identity: the fingerprint, or for a per-link
check the check, page and target, so a link going unverified → broken stays one finding; such an item
carries `previous_code` and `previous_fingerprint`). `new`: reported now, not in the baseline;
`persisting`: in both; `resolved`: in the baseline, not now, for a check that ran this
time. An incomplete run reports new and persisting findings but never claims a fix: `resolved` is []
(a page the crawl did not reach has no findings, which is not the same as fixed).

Links are keyed by their result URL (with #fragment where one was checked). `new`: failing now, not
before; `resolved`: failing before, not now; `persisting`: failing both times; `transitions`: every
status change in which either side is a failure ("" = the URL was not linked in that run), each with
its `kind` (transitions.Transition); `confirmed` / `still_failing`: the URLs of those kinds; `flapping`:
the links that flap (transitions.flapping).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from govaudit import transitions as tr
from govaudit.models import FAILING_LINK_STATUSES, SEVERITY_ORDER

# A check with one of these statuses ran: its silence about a page means "nothing found".
RAN = frozenset({"passed", "failed", "needs_review", "not_applicable"})


# -- findings -------------------------------------------------------------------------------------------

def finding_items(checks: list[dict]) -> dict[str, dict]:
    """fingerprint → change item, from results-document checks ({"id", "findings": [...]}) whose findings
    carry `accepted` (results.accept_findings). nights / first_seen are filled by `with_persistence`."""
    out: dict[str, dict] = {}
    for check in checks:
        for f in check["findings"]:
            out.setdefault(f["fingerprint"], {
                "fingerprint": f["fingerprint"], "check": check["id"], "code": f["code"],
                "severity": f["severity"], "message": f["message"], "target": f.get("target") or None,
                "page": f.get("page") or None, "first_seen": None, "nights": 1,
                "accepted": f.get("accepted") or None,
            })
    return out


def streaks(fingerprints: Iterable[str], history: Iterable[tuple[str, set[str]]]) -> dict[str, tuple[int, str]]:
    """For each fingerprint, in how many consecutive runs of `history` (newest first: (started_at,
    fingerprints) of the site's completed runs) it was reported, counting from the newest, and the
    start of the earliest of them. Consumes `history` only as far as some fingerprint is still in a
    streak, so a store-backed generator reads no more runs than needed."""
    alive = set(fingerprints)
    count: dict[str, int] = {}
    since: dict[str, str] = {}
    for started_at, present in history:
        alive &= present
        if not alive:
            break
        for fp in alive:
            count[fp] = count.get(fp, 0) + 1
            since[fp] = started_at
    return {fp: (n, since[fp]) for fp, n in count.items()}


def _order(item: dict) -> tuple:
    return (SEVERITY_ORDER.get(item["severity"], 9), item["check"], item["code"], item["page"] or "", item["target"] or "", item["fingerprint"])


def compare_findings(baseline: Mapping[str, dict] | None, current: Mapping[str, dict], *, complete: bool,
                     ran_now: set[str], link_checks: Collection[str] = ()) -> dict[str, list[dict]]:
    """baseline / current: fingerprint → item (finding_items). baseline None: no baseline, so nothing
    is new and nothing resolved; every finding is listed as persisting. Resolved findings come only
    from govaudit.checks that ran this time (`ran_now`), and only when this run is complete. Findings
    are matched by transitions.finding_identity (link_checks: the per-link checks); a persisting item
    whose code changed gets `previous_code` and `previous_fingerprint`."""
    if baseline is None:
        return {"new": [], "resolved": [], "persisting": sorted(current.values(), key=_order)}
    before = {tr.finding_identity(item, link_checks): item for item in baseline.values()}
    now = {tr.finding_identity(item, link_checks) for item in current.values()}
    new, persisting = [], []
    for item in current.values():
        old = before.get(tr.finding_identity(item, link_checks))
        if old is None:
            new.append(item)
            continue
        if old["fingerprint"] != item["fingerprint"]:
            item["previous_code"], item["previous_fingerprint"] = old["code"], old["fingerprint"]
        persisting.append(item)
    resolved = [item for key, item in before.items()
                if complete and key not in now and item["check"] in ran_now]
    return {"new": sorted(new, key=_order), "resolved": sorted(resolved, key=_order),
            "persisting": sorted(persisting, key=_order)}


def with_persistence(items: Iterable[dict], found: Mapping[str, tuple[int, str]], *, this_run: str | None,
                     counting_this_run: bool) -> None:
    """Fill nights / first_seen from `streaks` over the completed runs before this one. A finding of this
    run counts this run too (nights = 1 + its streak up to the baseline); a resolved finding counts
    only the runs that reported it."""
    for item in items:
        streak = found.get(item["fingerprint"]) or found.get(item.get("previous_fingerprint") or "")
        before, since = streak if streak is not None else (0, None)
        item["nights"] = before + (1 if counting_this_run else 0)
        item["first_seen"] = since if before else this_run


# -- links ----------------------------------------------------------------------------------------------

def compare_links(previous: Mapping[str, str] | None, current: Mapping[str, str], *, complete: bool,
                  flapping: Mapping[str, int] | None = None) -> dict:
    """previous / current: url → status of every link result of the run. previous None: no baseline.
    flapping: url → changes (transitions.flapping over the recent nights)."""
    now_failing = {u for u, s in current.items() if s in FAILING_LINK_STATUSES}
    flaps = [{"url": url, "changes": n} for url, n in sorted((flapping or {}).items())]
    if previous is None:
        return {"new": [], "resolved": [], "persisting": sorted(now_failing), "transitions": [],
                "confirmed": [], "still_failing": [], "flapping": flaps}
    was_failing = {u for u, s in previous.items() if s in FAILING_LINK_STATUSES}
    kinds = tr.link_transitions(previous, current, complete=complete)
    transitions = [{"url": url, "from": previous.get(url, tr.ABSENT), "to": current.get(url, tr.ABSENT),
                    "kind": kind.value}
                   for url, kind in kinds.items() if kind != tr.Transition.PERSISTING]
    return {
        "new": sorted(now_failing - was_failing),
        "resolved": sorted(was_failing - now_failing) if complete else [],
        "persisting": sorted(now_failing & was_failing),
        "transitions": transitions,
        "confirmed": [url for url, kind in kinds.items() if kind == tr.Transition.CONFIRMED],
        "still_failing": [url for url, kind in kinds.items() if kind == tr.Transition.STILL_FAILING],
        "flapping": flaps,
    }


def new_broken(transitions: Iterable[dict]) -> list[str]:
    """URLs broken now that were not failing in the baseline, or were redirected (absent, ok, redirected:
    transition `new`), from changes.links.transitions. A transient failure confirmed tonight is not
    new: see confirmed_broken."""
    return sorted(t["url"] for t in transitions if t["to"] == "broken" and t["kind"] == tr.Transition.NEW)


def confirmed_broken(transitions: Iterable[dict]) -> list[str]:
    """URLs unverified in the baseline and broken now (transition `confirmed`)."""
    return sorted(t["url"] for t in transitions if t["kind"] == tr.Transition.CONFIRMED)


# -- scores ---------------------------------------------------------------------------------------------

def _delta(score: float | None, previous: float | None, digits: int) -> float | None:
    if not isinstance(score, int | float) or not isinstance(previous, int | float):
        return None
    return round(score - previous, digits)


def compare_scores(previous: list[dict] | None, current: list[dict]) -> list[dict]:
    """Per indicator of this run (results-document indicators: id, score, rubric, components): score,
    previous score and delta, and the same per component (0..1). null where not comparable: no
    baseline, not assessed on either side, or scored by another rubric."""
    before = {i["id"]: i for i in previous or []}
    out = []
    for indicator in current:
        old = before.get(indicator["id"])
        if old is not None and old.get("rubric") != indicator.get("rubric"):
            old = None  # scored by another rubric: not comparable
        old_components = {c["id"]: c for c in (old or {}).get("components") or []}
        prev_score = old["score"] if old is not None else None
        out.append({
            "indicator": indicator["id"], "score": indicator["score"], "previous": prev_score,
            "delta": _delta(indicator["score"], prev_score, 2),
            "components": [
                {"id": c["id"], "score": c.get("score"), "previous": old_components.get(c["id"], {}).get("score"),
                 "delta": _delta(c.get("score"), old_components.get(c["id"], {}).get("score"), 4)}
                for c in indicator.get("components") or []
            ],
        })
    return out


def score_drop(scores: list[dict]) -> float:
    """The largest drop of any indicator against the baseline, ≥ 0 (0 without a comparable baseline)."""
    return max([0.0, *(-s["delta"] for s in scores if isinstance(s["delta"], int | float))])


# -- trend ----------------------------------------------------------------------------------------------

def tally(statuses: Mapping[str, str], marks: Iterable[tuple[str, str, str, bool]], acked: set[str],
          link_checks: Collection[str]) -> dict:
    """Broken links and findings of one run as the nightly summary counts them (accepted ones apart):
    statuses url → link status; marks (check, fingerprint, target, accepted in evidence); acked: the
    fingerprints an ack currently accepts; link_checks: the checks whose findings are link rows
    (Check.link_findings). A broken link is accepted when all its link findings are."""
    findings = 0
    link_accepted: dict[str, bool] = {}
    for check, fp, target, by_rule in marks:
        accepted = by_rule or fp in acked
        findings += not accepted
        if check in link_checks:
            link_accepted[target] = link_accepted.get(target, True) and accepted
    broken = sum(1 for url, s in statuses.items() if s == "broken" and not link_accepted.get(url, False))
    return {"broken": broken, "findings": findings}


def trend_runs(runs: list[dict], run_id: int, *, cap: int = 60) -> list[dict]:
    """The runs a trend shows: completed runs of the site before run_id plus run_id itself (whatever its
    status), oldest first, the last `cap` of them; pinned completed runs are always kept.
    runs: the site's runs (id, status, pinned)."""
    earlier = [r for r in runs if r["id"] < run_id and r["status"] == "completed"]
    this = [r for r in runs if r["id"] == run_id]
    recent = earlier[-(cap - len(this)):] if cap > len(this) else []
    keep = {r["id"] for r in recent} | {r["id"] for r in earlier if r.get("pinned")}
    return sorted([r for r in earlier if r["id"] in keep] + this, key=lambda r: r["id"])
