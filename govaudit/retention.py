"""Retention: old runs lose their page bodies, then their per-page and per-link rows; nothing else.

A run is pruned only when it is older than the profile's limit (`retention:`), not among the newest
`keep_runs_full` runs of its site, not pinned (`govaudit pin`) and not running. The run record, its
link results, check results, findings and scores always stay, so trends, changes and a rebuilt report
(with a note that page-level detail was pruned) keep working. Bodies are stored once per content hash;
the store deletes only those no unpruned run references, in one transaction (Store.prune).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from govaudit.models import RunStatus
from govaudit.profile import Profile, Retention
from govaudit.store import PRUNED_BODIES, PRUNED_DETAIL, Store


@dataclass
class Plan:
    bodies: list[int] = field(default_factory=list)  # runs that lose their page bodies
    detail: list[int] = field(default_factory=list)  # runs that lose page, link and browser rows too


def _started(run: dict) -> datetime | None:
    try:
        when = datetime.fromisoformat(run["started_at"])
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def plan(runs: list[dict], policy: Retention, *, now: datetime | None = None) -> Plan:
    """Which of `runs` (all of one site, as Store.runs() gives them) to prune under `policy`."""
    now = now or datetime.now(UTC)
    out = Plan()
    newest_first = sorted(runs, key=lambda r: r["id"], reverse=True)
    for run in newest_first[policy.keep_runs_full:]:
        if run.get("pinned") or run["status"] == RunStatus.RUNNING:
            continue
        started = _started(run)
        if started is None:
            continue
        age = now - started
        level = run.get("pruned") or 0
        if policy.keep_detail_days is not None and age > timedelta(days=policy.keep_detail_days):
            if level < PRUNED_DETAIL:
                out.detail.append(run["id"])
        elif policy.keep_bodies_days is not None and age > timedelta(days=policy.keep_bodies_days):
            if level < PRUNED_BODIES:
                out.bodies.append(run["id"])
    return out


def policies(store: Store, profile: Profile | None) -> dict[str, Retention]:
    """Site → retention: the given profile's for every site, else each site's latest run's stored profile."""
    latest = {run["site"]: run["id"] for run in store.runs()}  # runs come oldest first
    out: dict[str, Retention] = {}
    for site, run_id in latest.items():
        if profile is not None:
            out[site] = profile.retention
            continue
        stored = (store.run(run_id).profile or {}).get("retention") or {}
        try:
            out[site] = Retention.model_validate(stored)
        except ValueError:
            out[site] = Retention()
    return out


def prune(store: Store, by_site: dict[str, Retention], *, dry_run: bool = False,
          now: datetime | None = None) -> dict:
    """Prune every site in by_site under its policy. Returns counts plus the run ids per level."""
    runs_of: dict[str, list[dict]] = defaultdict(list)
    for run in store.runs():
        runs_of[run["site"]].append(run)
    total = Plan()
    for site, policy in by_site.items():
        part = plan(runs_of.get(site, []), policy, now=now)
        total.bodies += part.bodies
        total.detail += part.detail
    counts = store.prune(total.bodies, total.detail, dry_run=dry_run)
    return {**counts, "bodies_runs": sorted(total.bodies), "detail_runs": sorted(total.detail)}


def after_audit(store: Store, site: str, profile: Profile, status: str) -> dict | None:
    """Called by the runner after a completed audit's reports are written (inside the database lock).
    A failure is logged and never costs the run: the prune is one transaction, rolled back whole."""
    if status != RunStatus.COMPLETED or not profile.retention.auto:
        return None
    try:
        return prune(store, {site: profile.retention})
    except Exception as exc:  # noqa: BLE001 - retention must never lose or fail the audit
        print(f"govaudit: retention: pruning failed, nothing was removed: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return None
