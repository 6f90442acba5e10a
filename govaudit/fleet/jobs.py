"""What travels between the enqueuer, the worker's task and the audit process: typed, JSON on the wire."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from govaudit.fleet.sites import FleetSite

# Why an audit ended as it did, beyond the run's own status:
# audited: a run was recorded (its status says how it went); unreachable: the start page did not answer
# (retried by Celery, recorded as a failed run on the last try); busy: another audit of the same site held
# the store's lock (retried); config: the profile or start URL is wrong (recorded, not retried);
# crashed: the audit process died without a word (its run, if any, is marked by fail_stale_runs).
OutcomeKind = Literal["audited", "unreachable", "busy", "config", "crashed"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuditJob(_Wire):
    """One task's argument: the site, its merged profile (so a worker needs no profile files), the night
    it belongs to, and where to write. `db` "" means the worker's own --db."""

    site: FleetSite
    profile: dict[str, Any]
    night: str
    db: str = ""
    offline: bool = False


class AuditOutcome(_Wire):
    """The task's result (and the audit process's last word, written to a file)."""

    site: str
    group: str
    kind: OutcomeKind
    run_id: int | None = None
    status: str = ""  # the run's status when a run was recorded
    exit_code: int | None = None
    error: str = ""
    worker: str = ""  # the Celery worker host name that ran the last attempt
    attempts: int = 1
