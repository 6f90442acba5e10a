"""Read a fleet's agencies out of the store into typed records for govaudit.fleet.summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from govaudit.fleet.sites import FleetSite
from govaudit.fleet.summary import AUDITED, AgencyRecord, Indicator
from govaudit.models import LinkStatus
from govaudit.profile import ConfigError, load_rubric
from govaudit.store import RunReader

HISTORY = 12  # earlier audited runs kept for the trend


def collect(store: RunReader, sites: Sequence[FleetSite] | None = None, *,
            report_link: Callable[[str, str], str] = lambda name, url: "") -> tuple[list[AgencyRecord], list[Indicator]]:
    """Each agency's latest run (the site list's agencies, with those never audited; else every site in
    the store, as its own group), and the indicators in the order the rubric gives them.
    `report_link(name, start_url)`: the link to the agency's own report ("" when it has none)."""
    runs = store.runs()  # oldest first
    by_site: dict[str, list[dict]] = {}
    for run in runs:
        by_site.setdefault(run["site"], []).append(run)
    wanted = [(s.name, s.group, s.start_url) for s in sites] if sites is not None else \
        [(name, "", rows[-1]["start_url"]) for name, rows in sorted(by_site.items())]
    indicators: dict[str, str] = {}
    english: dict[str, str] = {}
    agencies = []
    for name, group, start_url in wanted:
        rows = by_site.get(name, [])
        if not rows:
            agencies.append(AgencyRecord(name=name, group=group, start_url=start_url,
                                         error="no run recorded"))
            continue
        latest = rows[-1]
        run_id, status = latest["id"], str(latest["status"])
        record = store.run(run_id)
        scores = {}
        for row in store.scores(run_id):
            indicators.setdefault(row["indicator_id"], row["label"])
            english.setdefault(row["indicator_id"], _label_en(record.rubric, row["indicator_id"]))
            scores[row["indicator_id"]] = row["score"]
        history = tuple({r["indicator_id"]: r["score"] for r in store.scores(r_["id"])}
                        for r_ in [r for r in rows[:-1] if r["status"] in AUDITED][-HISTORY:])
        broken: frozenset[str] = frozenset()
        missing: tuple[tuple[str, str], ...] = ()
        if status in AUDITED:
            broken = frozenset(r.url for r in store.link_results(run_id)
                               if r.status == LinkStatus.BROKEN and not r.internal)
            missing = _missing_art7(store.check_results(run_id))
        agencies.append(AgencyRecord(
            name=name, group=group, start_url=start_url or latest["start_url"], run_id=run_id,
            status=status, started_at=latest["started_at"] or "", error=record.error, scores=scores,
            history=history, broken_external=broken, missing_art7=missing,
            report=report_link(name, start_url or latest["start_url"])))
    return agencies, [Indicator(i, label, english.get(i, "")) for i, label in indicators.items()]


@cache
def _label_en(rubric_ref: str, indicator_id: str) -> str:
    """The English label of an indicator in the bundled rubric a run was scored with ("" if none)."""
    try:
        rubric = load_rubric(rubric_ref.partition("@")[0]) if rubric_ref else None
    except ConfigError:
        return ""
    found = [i.label_en for i in (rubric.indicators if rubric else ()) if i.id == indicator_id]
    return found[0] if found else ""


def _missing_art7(checks: list[dict]) -> tuple[tuple[str, str], ...]:
    for check in checks:
        if check["check_id"] == "disclosure":
            categories = ((check.get("data") or {}).get("disclosure") or {}).get("categories") or []
            return tuple((str(c["id"]), str(c.get("label") or c.get("short") or c["id"])) for c in categories
                         if c.get("status") == "missing")
    return ()
