"""Crawl-health monitors (after Spidermon): small threshold checks over a run's stats.

A run whose crawl was unhealthy is `incomplete`: reported, but never the baseline for "fixed" claims.
Pure functions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from govaudit import cuts

OK, WARN, FAIL = "ok", "warn", "fail"
# Scrapy's finish reasons when the run's own budgets closed the crawl (reported as crawl cuts instead).
BUDGET_REASONS = ("closespider_timeout", "request_budget")  # crawler/budget.py


@dataclass(frozen=True)
class Monitor:
    monitor: str
    status: str
    message: str


def evaluate(stats: dict[str, Any], previous: dict[str, Any] | None, *, exit_code: int,
             start_status: str | None, max_error_ratio: float = 0.5, min_pages_ratio: float = 0.5) -> list[Monitor]:
    out = []
    reason = stats.get("finish_reason", "unknown")
    if exit_code != 0 or reason not in ("finished", "closespider_pagecount", *BUDGET_REASONS):
        out.append(Monitor("crawl_finished", FAIL, f"crawl ended abnormally ({reason}, exit code {exit_code})"))
    else:
        out.append(Monitor("crawl_finished", OK, "crawl finished"))
    if start_status not in ("ok", "redirected"):
        out.append(Monitor("start_page", FAIL, f"start page not fetched ({start_status or 'no result'})"))
    fetched = stats.get("pages_fetched", 0)
    errors = stats.get("page_errors", 0)
    attempted = fetched + errors
    if attempted and errors / attempted > max_error_ratio:
        out.append(Monitor("page_error_ratio", FAIL, f"{errors} of {attempted} page fetches failed"))
    elif attempted:
        out.append(Monitor("page_error_ratio", OK, f"{errors} of {attempted} page fetches failed"))
    for cut in cuts.from_stats(stats):
        # the crawl left part of the site out: said, never a silent `completed`; a run budget stops it short
        out.append(Monitor(f"crawl_cut.{cut.kind}", FAIL if cut.stops_run else WARN, cut.message))
    if previous and previous.get("pages_fetched"):
        before = previous["pages_fetched"]
        if fetched < before * min_pages_ratio:
            out.append(Monitor("pages_vs_previous", FAIL, f"{fetched} pages, last completed run had {before}"))
        else:
            out.append(Monitor("pages_vs_previous", OK, f"{fetched} pages, last completed run had {before}"))
    return out


def healthy(monitors: list[Monitor]) -> bool:
    return all(m.status != FAIL for m in monitors)


def as_dicts(monitors: list[Monitor]) -> list[dict]:
    return [asdict(m) for m in monitors]
