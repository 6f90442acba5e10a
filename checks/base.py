"""The check interface: one module per check, one uniform result.

A check reads the store through a read-only CheckContext and returns a CheckResult. It never writes
the store and does no network I/O of its own. "The check could not run" (error / skipped) is never
"the site lacks it" (failed): the runner turns an exception into status `error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from govaudit.context import CheckContext, NotApplicable
from govaudit.models import CheckResult, CheckStatus, Finding, Severity

__all__ = ["Check", "CheckContext", "Code", "NotApplicable"]


@dataclass(frozen=True)
class Code:
    severity: Severity
    description: str
    description_zh: str = ""


class Check:
    id: ClassVar[str]
    title: ClassVar[str]
    title_zh: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    requires: ClassVar[frozenset[str]] = frozenset()
    # False for a check that reads only pages, their facts, bodies and links (never ctx.link_results()):
    # the runner may then run it as soon as the crawl has stored every page, while the crawl's last link
    # checks (retries waiting out a backoff or a Retry-After) are still out.
    reads_link_results: ClassVar[bool] = True
    default_options: ClassVar[dict[str, Any]] = {}
    codes: ClassVar[dict[str, Code]] = {}
    indicator_tags: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        """Optional page analyzer, run in the crawler on every parsed HTML page with the lxml document
        that link extraction already built (pages are parsed once). Return JSON-able facts (or None) and
        read them back in run() through ctx.facts(self.id). Must be a pure function of (doc, url): it may
        run in another process, and it must not modify doc. A check that needs nothing per page leaves
        this as is."""
        return None

    def __init__(self, options: dict[str, Any] | None = None):
        """Raise ValueError for bad options (reported as a profile error)."""
        unknown = set(options or {}) - set(self.default_options)
        if unknown:
            raise ValueError(f"check {self.id}: unknown option(s) {', '.join(sorted(unknown))}")
        self.options = {**self.default_options, **(options or {})}

    def run(self, ctx: CheckContext) -> CheckResult:
        raise NotImplementedError

    # helpers for subclasses
    def finding(self, code: str, message: str, **fields: Any) -> Finding:
        return Finding(check_id=self.id, code=code, severity=self.codes[code].severity, message=message,
                       tags=self.indicator_tags, **fields)

    def result(self, status: CheckStatus, metrics: dict[str, Any], findings: list[Finding]) -> CheckResult:
        return CheckResult(check_id=self.id, version=self.version, status=status, metrics=metrics,
                           findings=tuple(findings))
