"""The data model every stage shares: frozen records and the string enums that name their states.

Values of the enums are stable: they appear in results.json, links.csv and the SQLite store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"  # crawl unhealthy: reported, never a baseline
    FAILED = "failed"  # crashed or interrupted


class LinkStatus(StrEnum):
    OK = "ok"
    REDIRECTED = "redirected"  # reachable only through a permanent redirect: update the link
    BROKEN = "broken"  # a definitive failure
    UNVERIFIED = "unverified"  # bot-blocked, rate-limited, transient: never counts against the score
    EXCLUDED = "excluded"  # not checked on purpose (offline, robots.txt, profile rule)
    UNSUPPORTED = "unsupported"  # a scheme we cannot check (javascript:, ftp:, data:)


class ErrorKind(StrEnum):
    """Why a target failed; the permanent / transient split drives LinkStatus."""

    HTTP_STATUS = "http_status"
    DNS = "dns"
    REFUSED = "connection_refused"
    RESET = "connection_reset"
    TIMEOUT = "timeout"
    TLS = "tls"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    MISSING_FRAGMENT = "missing_fragment"
    SOFT_404 = "soft404"  # answers 200 with the same page a certainly-missing address gets
    HIJACKED = "hijacked"  # the domain now serves gambling / adult spam or a parking page
    INVALID_URL = "invalid_url"
    RATE_LIMITED = "rate_limited"
    BOT_BLOCKED = "bot_blocked"
    OFFLINE = "offline"
    ROBOTS = "robots"
    PROFILE_RULE = "profile_rule"
    SCHEME = "scheme"
    OTHER = "other"


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"  # the check could not run: never "the site lacks it"
    SKIPPED = "skipped"  # a requirement (e.g. a browser) is missing


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


class IndicatorStatus(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    UNMET = "unmet"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True, slots=True)
class Finding:
    check_id: str
    code: str  # stable, e.g. "link.broken"
    severity: Severity
    message: str
    page: str = ""
    target: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Stable across runs: the same problem on the same page gets the same id every night."""
        key = "\x1f".join((self.check_id, self.code, self.page, self.target))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CheckResult:
    check_id: str
    version: str
    status: CheckStatus
    metrics: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    duration: float = 0.0
    error: str = ""
    # Sections of results.json this check contributes, e.g. {"disclosure": {"categories": [...]}};
    # results.build deep-merges every check's data into the document.
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ComponentScore:
    id: str
    label: str
    weight: float
    status: IndicatorStatus
    score: float | None  # 0..1 where assessed
    reason: str = ""
    check: str = ""
    metric: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    id: str
    label: str
    score: float | None
    max: float
    status: IndicatorStatus
    coverage: float  # share of the rubric weight that could be assessed
    components: tuple[ComponentScore, ...]
    rubric: str = ""
