"""The officer's review of a run's failing links: one row per failing link and source page, carrying the
fingerprint `govaudit ack` takes, so that what `govaudit links` shows can be accepted as it is shown.

Pure functions over the results document (govaudit.results.build); the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from govaudit import registry

ORDER = {"broken": 0, "unverified": 1, "redirected": 2}


@dataclass(frozen=True)
class FailureRow:
    status: str
    http_status: int | None
    target: str
    page: str
    text: str
    error: str
    nights: int
    new: bool
    accepted: bool
    fingerprint: str  # of the link finding for this page and target ("" when none: e.g. a redirect not reported)


def link_fingerprints(doc: dict) -> dict[tuple[str, str], str]:
    """(target, source page) → fingerprint of the link-checking checks' findings in the document."""
    link_checks = registry.link_finding_checks()
    return {(f.get("target") or "", f.get("page") or ""): f["fingerprint"]
            for c in doc.get("checks") or [] if c["id"] in link_checks for f in c["findings"]}


def failure_rows(doc: dict, statuses: set[str], *, only_new: bool = False) -> list[FailureRow]:
    prints = link_fingerprints(doc)
    rows = []
    for link in doc["links"]:
        if link["status"] not in statuses or (only_new and not link["new"]):
            continue
        for src in link["sources"] or [{"page": "", "text": ""}]:
            rows.append(FailureRow(
                link["status"], link["http_status"], link["url"], src["page"], src["text"] or "", link["error"] or "",
                link["nights"] or 0, bool(link["new"]), bool(link["accepted"]),
                prints.get((link["url"], src["page"]), "")))
    rows.sort(key=lambda r: (ORDER.get(r.status, 3), r.target, r.page))
    return rows


def until_date(text: str | None, today: date) -> str | None:
    """`ack --until`: an ISO date, today or later (an ack that ended yesterday would accept nothing)."""
    if not text:
        return None
    try:
        until = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--until: not a date (YYYY-MM-DD): {text!r}") from None
    if until < today:
        raise ValueError(f"--until: {until.isoformat()} is in the past (today is {today.isoformat()})")
    return until.isoformat()
