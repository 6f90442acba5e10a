"""crawl_coverage on a seeded run: the crawl's cuts (stored on the run by the runner) become findings,
traps as `crawl.trap`, budgets as `crawl.cut`, in the officer's words."""

from __future__ import annotations

from collections.abc import Callable

from govaudit import cuts
from govaudit.checks.crawl_coverage import CrawlCoverage
from govaudit.models import CheckStatus
from govaudit.reports import messages
from tests.checks.seed import SeededSite, codes


def _with_cuts(site: SeededSite, log: cuts.CutLog) -> None:
    site.store.save_stats(site.run_id, {"finish_reason": "finished", "cuts": log.as_stats()})


def test_a_crawl_without_cuts_passes(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    _with_cuts(site, cuts.CutLog())
    result = site.run(CrawlCoverage())
    assert result.status == CheckStatus.PASSED and result.findings == ()


def test_traps_and_budgets_become_findings(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    log = cuts.CutLog()
    for n in range(118):
        log.add("max_depth", site.url(f"/p/{n:03d}"), limit=10)
    log.add("calendar", site.url("/calendar?ym=209901"))
    log.add("crowded", "/list?page=", limit=5000, count=4982, total=5000)
    _with_cuts(site, log)
    result = site.run(CrawlCoverage())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["crawl.cut", "crawl.cut", "crawl.trap"]
    by_cut = {f.evidence["cut"]: f for f in result.findings}
    depth = by_cut["max_depth"]
    assert depth.target == site.url("/p/000") and depth.evidence["count"] == 118
    zh = messages.finding_message({"code": depth.code, "evidence": depth.evidence}, "zh-TW")
    assert zh.startswith("118 頁超過最大深度") and "crawl.max_depth = 10" in zh
    crowded = messages.finding_message({"code": "crawl.cut", "evidence": by_cut["crowded"].evidence}, "zh-TW")
    assert crowded.startswith("5,000 頁中 4,982 頁位於 /list?page=")
    assert by_cut["crowded"].message.startswith("4,982 of 5,000 pages spent under /list?page=")
    assert by_cut["calendar"].severity == "medium" and result.metrics["traps"] == 1


def test_only_budget_cuts_need_review(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    log = cuts.CutLog()
    log.add("sitemap_files", site.url("/sm/50.xml"), limit=50, count=19_950)
    log.add("requests", limit=500)
    _with_cuts(site, log)
    result = site.run(CrawlCoverage())
    assert result.status == CheckStatus.NEEDS_REVIEW and codes(result) == ["crawl.cut", "crawl.cut"]
    assert result.metrics["stopped"] is True
    files = next(f for f in result.findings if f.evidence["cut"] == "sitemap_files")
    assert "19,950" in files.evidence["detail"] and "crawl.sitemap_max_files = 50" in files.evidence["detail"]
