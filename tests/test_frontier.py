"""The crawl's frontier (crawler/spider.py): what waits, at what depth, and what goes out first. A spider
over a real SQLite store, its collect/schedule/release called directly: no request leaves the process."""

from __future__ import annotations

from govaudit.crawler import parsepool
from govaudit.crawler.spider import SiteSpider
from govaudit.jobs import CrawlJob
from govaudit.models import Page
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.testdb import db_at

SITE = "http://127.0.0.1:9/"


def _spider(tmp_path, concurrency: int = 1) -> SiteSpider:
    db = db_at(tmp_path / "a.sqlite")
    with open_store(db):
        pass
    profile = load_profile(None).with_overrides(crawl={"concurrency": concurrency})
    job = CrawlJob.from_profile(profile, store=str(db), run_id=1, site="x", start_url=SITE, offline=True,
                                analyzers=())
    return SiteSpider(job)


def test_a_page_found_again_nearer_the_start_waits_at_that_depth(tmp_path):
    # A deeper page parsed first finds it first; the page one click from home finds it later. Its depth is
    # its clicks from the start page either way, and it is requested once.
    spider = _spider(tmp_path)
    spider.pages_in_flight = spider.window  # the window is full: both wait in the frontier
    assert list(spider.collect(SITE + "t.html", depth=3, referrer=SITE + "deep.html")) == []
    assert list(spider.collect(SITE + "t.html", depth=1, referrer=SITE)) == []
    assert list(spider.collect(SITE + "t.html", depth=2, referrer=SITE + "b.html")) == []  # not deeper again
    spider.pages_in_flight = 0
    released = list(spider._release())
    assert [(r.url, r.meta["depth"], r.meta["referrer"]) for r in released] == [(SITE + "t.html", 1, SITE)]
    assert spider.open_pages == 1 and not spider.frontier  # one request, counted once


def test_a_pages_targets_go_out_best_first_not_first_seen(tmp_path):
    # The 政府資訊公開 hub is linked last on the page; with one place left it is the one that goes.
    spider = _spider(tmp_path)
    spider.pages_in_flight = spider.window - 1
    others = [SITE + f"other-{i}.html" for i in range(5)]
    found = parsepool.Found(targets=[*others, SITE + "hub.html"], anchored=[], hubs=[SITE + "hub.html"],
                            same_depth=[], dropped=0)
    item = parsepool.ParseItem(Page(url=SITE, requested_url=SITE, http_status=200), b"", "text/html", depth=1)
    released = list(spider.schedule(found, item))
    assert [r.url for r in released] == [SITE + "hub.html"]
    assert len(spider.frontier) == len(others)


def test_depths_are_corrected_to_clicks_from_the_start_page(tmp_path):
    # Crawled as parses came back: c.html from the deep page (depth 3) before b.html (depth 1) was parsed;
    # d.html behind c.html; a pager link (p2) costs no depth.
    spider = _spider(tmp_path)
    spider.graph = {
        SITE: (0, [SITE + "a.html", SITE + "b.html"], frozenset()),
        SITE + "a.html": (1, [SITE + "deep.html"], frozenset()),
        SITE + "deep.html": (2, [SITE + "c.html"], frozenset()),
        SITE + "b.html": (1, [SITE + "c.html", SITE + "p2.html"], frozenset({SITE + "p2.html"})),
        SITE + "c.html": (3, [SITE + "d.html", SITE + "gone.html", SITE + "f.pdf"], frozenset()),
        SITE + "d.html": (4, [], frozenset()),
        SITE + "p2.html": (2, [], frozenset()),
    }
    spider.leaves_at = {SITE + "f.pdf": 5}  # an attachment (or an error answer): a page row, no links followed
    assert spider.shortest_depths() == {SITE + "c.html": 2, SITE + "d.html": 3, SITE + "p2.html": 1,
                                        SITE + "f.pdf": 3}
