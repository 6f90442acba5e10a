"""The date an audit judges the site as of: the profile's `audit.as_of` (`--as-of`) when pinned, else the
day its run started. One place, so that freshness, certificate expiry, stale Art. 7 items and acks agree,
and read from the run's stored profile, so that a rebuilt report or re-run check judges as the run did."""

from __future__ import annotations

import datetime as dt

from govaudit.models import Run


def pinned(run: Run) -> dt.date | None:
    """The run's `audit.as_of`; None when it judges as of the day it started."""
    value = ((run.profile or {}).get("audit") or {}).get("as_of")
    return dt.date.fromisoformat(str(value)) if value else None


def audit_date(run: Run) -> dt.date:
    """What a check calls "today" for this run."""
    return pinned(run) or dt.datetime.fromisoformat(run.started_at).date()
