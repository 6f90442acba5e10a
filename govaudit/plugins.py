"""The plug-in contract: what a check and a writer declare and implement.

A check reads the store through a read-only CheckContext and returns a CheckResult. It never writes
the store and does no network I/O of its own. "The check could not run" (error / skipped) is never
"the site lacks it" (failed): the runner turns an exception into status `error`. Everything the core
needs to know about a check (what it needs, what it costs, what it shares, what it reads from other
checks) is declared here as data, so that an outside plug-in declares it the same way as a built-in.

A writer renders the whole results document into one file of the report directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from govaudit.context import CheckContext, NotApplicable
from govaudit.models import CheckResult, CheckStatus, Finding, Severity

__all__ = ["BrowserTarget", "Check", "CheckContext", "Code", "DependencyError", "NotApplicable", "Writer",
           "run_order"]


@dataclass(frozen=True)
class Code:
    severity: Severity
    description: str
    description_zh: str = ""


@dataclass(frozen=True, slots=True)
class BrowserTarget:
    """A page a browser check wants tested (Check.sample), and why; the browser stage stores both with
    the page's results."""

    url: str
    reason: str = ""  # home, a key page's kind, template, given, ...
    template: str = ""  # the page's template signature, when the check knows it


class Check:
    id: ClassVar[str]
    title: ClassVar[str]
    title_zh: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    # What the run must provide, e.g. {"browser"}: without it the check is skipped, not failed.
    requires: ClassVar[frozenset[str]] = frozenset()
    # False for a check that reads only pages, their facts, bodies and links (never ctx.link_results()):
    # the runner may then run it as soon as the crawl has stored every page, while the crawl's last link
    # checks (retries waiting out a backoff or a Retry-After) are still out.
    reads_link_results: ClassVar[bool] = True
    # Relative post-crawl cost on a large site (measured on the benchmark's heavy variant): the parallel
    # runner balances its processes by it. 0.5 is a light check.
    cost: ClassVar[float] = 0.5
    # The CheckContext.shared keys this check reads (e.g. "navigation"): checks whose shared reads
    # overlap run in the same process, so the expensive read is done once.
    shared_reads: ClassVar[frozenset[str]] = frozenset()
    # Ids of the checks whose CheckResult this one reads through ctx.result_of(id): they run first, in
    # the same process or before it. A dependency that is not installed, or disabled in the profile, is
    # a configuration error; so is a cycle.
    depends_on: ClassVar[frozenset[str]] = frozenset()
    # What the result is a function of, besides the check's options, the profile and the tool version
    # (govaudit/reuse.py: pages, links, link_results, link_statuses, link_history, link_lookups,
    # crawl_cuts, start_url, audit_day). On a night where
    # none of them changed since the baseline run (same version and profile), the baseline's result is
    # copied forward instead of run again. None (the default): not declared, always run.
    inputs: ClassVar[frozenset[str] | None] = None
    # True for the check whose findings are the per-link rows of results.json (a finding's target is
    # the link's URL): accepting all of a link's findings accepts the link.
    link_findings: ClassVar[bool] = False
    # Top-level results.json sections this check's CheckResult.data fills; `govaudit a11y` writes the
    # sections of the check that requires the browser.
    sections: ClassVar[tuple[str, ...]] = ()
    # The report section that shows this check's evidence when it has none named by its id ("" = its
    # own table of findings).
    report_anchor: ClassVar[str] = ""
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

    def sample(self, ctx: CheckContext) -> list[BrowserTarget]:
        """For a check that requires the browser: the pages the browser stage should test after the
        crawl. The default wants none."""
        return []

    def run(self, ctx: CheckContext) -> CheckResult:
        raise NotImplementedError

    # helpers for subclasses
    def finding(self, code: str, message: str, **fields: Any) -> Finding:
        return Finding(check_id=self.id, code=code, severity=self.codes[code].severity, message=message,
                       tags=self.indicator_tags, **fields)

    def result(self, status: CheckStatus, metrics: dict[str, Any], findings: list[Finding]) -> CheckResult:
        return CheckResult(check_id=self.id, version=self.version, status=status, metrics=metrics,
                           findings=tuple(findings))


class DependencyError(ValueError):
    """A check depends on a check that is not there, or checks depend on each other in a cycle."""


def run_order(depends_on: Mapping[str, frozenset[str]]) -> list[str]:
    """The check ids in an order where every check comes after the checks it depends on; otherwise in
    the given order (a check moves only as far as its dependencies make it)."""
    order: list[str] = []
    state: dict[str, bool] = {}  # False while being placed (a cycle when met again), True once placed

    def place(cid: str, path: tuple[str, ...]) -> None:
        if state.get(cid):
            return
        if cid in state:
            raise DependencyError("checks depend on each other: " + " → ".join((*path[path.index(cid):], cid)))
        state[cid] = False
        for dep in sorted(depends_on[cid]):
            if dep not in depends_on:
                raise DependencyError(f"check {cid} depends on {dep}, which is not installed or not enabled")
            place(dep, (*path, cid))
        state[cid] = True
        order.append(cid)

    for cid in depends_on:
        place(cid, ())
    return order


class Writer(Protocol):
    """One report file rendered from the whole results document (results.build). The writers render a
    document, not a stream: the HTML report and results.json lay out and cross-reference all of it,
    and the document is in memory already, so there is one call, not start / record / end. A writer
    is registered under its id (entry-point group govaudit.writers), the value `--format` selects."""

    id: ClassVar[str]
    filename: ClassVar[str]  # the file it writes in the report directory

    def write(self, results: dict[str, Any], out_dir: Path, *, lang: str = "zh-TW") -> Path: ...

    # Optional: `prepare()`, a classmethod doing what needs no run (compiling templates). The runner calls it
    # in a thread of its own while the crawl runs, so that writing the reports after the checks costs less.
