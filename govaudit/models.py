"""The data model every stage shares: frozen records and the string enums that name their states.

Values of the enums are stable: they appear in results.json, links.csv and the SQLite store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"  # crawl unhealthy: reported, never a baseline
    FAILED = "failed"  # crashed
    INTERRUPTED = "interrupted"  # stopped by SIGTERM/SIGINT, or its process died (found at the next start)
    UNREACHABLE = "unreachable"  # the start page did not answer after every try: nothing crawled, exit 4


class LinkStatus(StrEnum):
    OK = "ok"
    REDIRECTED = "redirected"  # reachable only through a permanent redirect: update the link
    BROKEN = "broken"  # a definitive failure
    UNVERIFIED = "unverified"  # bot-blocked, rate-limited, transient: never counts against the score
    EXCLUDED = "excluded"  # not checked on purpose (offline, robots.txt, profile rule)
    UNSUPPORTED = "unsupported"  # a scheme we cannot check (javascript:, ftp:, data:)


# The statuses a link is reported for (counted, compared across runs, listed with their sources).
FAILING_LINK_STATUSES = frozenset({LinkStatus.BROKEN, LinkStatus.UNVERIFIED, LinkStatus.REDIRECTED})

HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str | bytes) -> bool:
    """An HTML answer (no Content-Type at all counts as HTML: browsers sniff it as such)."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    content_type = (content_type or "").lower()
    return not content_type or any(t in content_type for t in HTML_TYPES)


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
    CRAWL_LIMIT = "crawl_limit"  # left out by a crawl budget or as a spider trap (govaudit/cuts.py)
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
class Run:
    """A row of the runs table: one audit of one site."""

    id: int
    site: str
    start_url: str
    status: RunStatus
    started_at: str
    finished_at: str | None
    tool_version: str
    profile_hash: str
    profile: dict[str, Any]
    rubric: str
    stats: dict[str, Any]
    health: list[dict[str, Any]]
    previous_run: int | None
    error: str
    pinned: bool = False
    pin_note: str = ""
    pinned_at: str | None = None
    pruned: int = 0  # store.PRUNED_*: what retention removed
    pruned_at: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page (or attachment) of the site; its body is stored once per body_hash."""

    url: str
    requested_url: str
    http_status: int | None
    content_type: str = ""
    charset: str = ""
    lang: str = ""
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    anchors: list[str] = field(default_factory=list)
    depth: int = 0
    referrer: str = ""
    body_hash: str | None = None
    size: int = 0
    elapsed: float = 0.0
    fetched_at: str = ""
    facts: dict[str, Any] = field(default_factory=dict)  # check id → what its page analyzer found

    @property
    def is_html(self) -> bool:
        return is_html(self.content_type)


@dataclass(frozen=True, slots=True)
class PageHead:
    """A stored page without its parse: what a later crawl needs to ask for it conditionally and to take
    a 304 for it (crawler/revalidate.py). Only pages whose body is still stored have one."""

    url: str
    http_status: int | None
    headers: dict[str, str]
    body_hash: str
    size: int
    facts: dict[str, Any]  # the page's facts (the crawl's own content key among them)


class Link(NamedTuple):
    """One link on a page. A NamedTuple, not a dataclass: a link table has hundreds of thousands of rows,
    read and written as plain tuples on the hot paths (results.build, the crawl's batches)."""

    source: str
    target: str
    fragment: str
    text: str
    tag: str
    attribute: str
    rel: str
    line: int
    position: int


TRANSIENT_ERRORS = frozenset({ErrorKind.TIMEOUT, ErrorKind.REFUSED, ErrorKind.RESET})


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The verdict on one unique target URL (with `#fragment` where the fragment was checked)."""

    url: str
    status: LinkStatus
    http_status: int | None = None
    final_url: str | None = None
    redirect_chain: list[list[Any]] = field(default_factory=list)  # [[http status, next URL], ...]
    error_kind: str | None = None
    error: str = ""
    method: str = ""
    elapsed: float = 0.0
    checked_at: str = ""
    internal: bool = False
    first_seen: str | None = None
    nights: int = 0  # consecutive runs it has been failing
    cached: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failing(self) -> bool:
        return self.status in FAILING_LINK_STATUSES

    @property
    def transient(self) -> bool:
        """A failure that may be a fluke: 5xx, timeout, connection refused or reset (not 429, 403, TLS)."""
        kind = self.error_kind
        if kind in TRANSIENT_ERRORS:
            return True
        return kind == ErrorKind.HTTP_STATUS and (self.http_status or 0) >= 500

    def nights_note(self, confirm_runs: int) -> str:
        """How far a transient failure is in its confirmation, for a message: "(1 of 2 nights)" while
        unverified, "(failing 3 consecutive runs)" once broken; "" for any other result. Kept out of
        `error`, which holds only the cause, so a verdict reads the same every night it stands."""
        if not self.transient or not self.nights:
            return ""
        if self.status == LinkStatus.UNVERIFIED and self.nights < confirm_runs:
            return f"({self.nights} of {confirm_runs} nights)"
        if self.status == LinkStatus.BROKEN and confirm_runs > 1:
            return f"(failing {self.nights} consecutive runs)"
        return ""


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
    # The link targets the check looked up one by one (CheckContext.link_result), kept by the runner in
    # the run's stats for the next night (govaudit/reuse.py, LINK_LOOKUPS); not stored with the result.
    looked_up: frozenset[str] = frozenset()


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
