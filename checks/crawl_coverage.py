"""Crawl coverage: what the crawl left out of the site, as findings the officer reads in the report.

Each crawl cut (govaudit/cuts.py) the crawl recorded becomes one finding: `crawl.trap` where the site
itself generates endless addresses (calendars beyond any plausible year, session ids in URLs, paths
repeating a segment), `crawl.cut` where one of our budgets stopped the crawl short (depth, pages, a
page's link cap, sitemap budgets, the run's request or time budget). The runner stores the crawl's
stats on the run before the checks run (store.save_stats); this check reads their cuts from there.

Scores nothing: it says how much of the site the other checks' figures are over.
"""

from __future__ import annotations

from govaudit import cuts
from govaudit.models import CheckResult, CheckStatus, Severity
from govaudit.plugins import Check, CheckContext, Code
from govaudit.reuse import CRAWL_CUTS


class CrawlCoverage(Check):
    id = "crawl_coverage"
    inputs = frozenset({CRAWL_CUTS})
    title = "Crawl coverage: traps and budgets that cut the crawl"
    title_zh = "爬取涵蓋範圍：網址陷阱與爬取上限"
    version = "1"
    cost = 0.01
    codes = {
        "crawl.trap": Code(Severity.MEDIUM, "The site generates endless addresses (a spider trap); they were not crawled",
                           "網站產生無限網址（爬蟲陷阱，如行事曆、工作階段代碼、重複路徑），未爬取"),
        "crawl.cut": Code(Severity.INFO, "A crawl budget left part of the site out of this audit",
                          "爬取上限使部分網站未納入本次檢測"),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        found = cuts.from_stats(ctx.store.run(ctx.run_id).stats or {})
        findings = [
            self.finding("crawl.trap" if cut.trap else "crawl.cut", cut.message_en,
                         target=cut.example if "://" in cut.example else "",
                         evidence={"cut": cut.kind, "count": cut.count, "limit": cut.limit, "total": cut.total,
                                   "setting": cuts.KINDS[cut.kind].setting, "example": cut.example,
                                   "detail": cut.message})
            for cut in found
        ]
        traps = sum(f.code == "crawl.trap" for f in findings)
        status = CheckStatus.FAILED if traps else CheckStatus.NEEDS_REVIEW if findings else CheckStatus.PASSED
        return self.result(status, {"cuts": len(findings), "traps": traps,
                                    "stopped": any(cut.stops_run for cut in found)}, findings)
