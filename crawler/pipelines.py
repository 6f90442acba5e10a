"""Where the crawl's output goes. `StoreWriter`: pages, links, link results and soft-404 probes into
SQLite in batched transactions, called by the spider directly. `ParsePipeline`: the one item Scrapy
carries, a page for the parse pool (crawler.parsepool); a worker parses and stores it, its new targets
come back here to be collected by the spider. That item stays a Scrapy item on purpose: while a worker
holds the page, its response counts against Scrapy's scraper limits, which is what keeps the pool's
queue (bodies in memory) bounded."""

from __future__ import annotations

import logging
import time
from typing import cast

from twisted.internet import defer, reactor
from twisted.internet.interfaces import IReactorThreads, IReactorTime
from twisted.python.failure import Failure

from govaudit.crawler import parsepool
from govaudit.crawler.progress import stop_disk_full
from govaudit.files import disk_full
from govaudit.models import Link, LinkResult, Page
from govaudit.store import CrawlSink, open_store

log = logging.getLogger(__name__)
# Twisted types the installed reactor as a module; the object provides these interfaces.
clock, threads = cast(IReactorTime, reactor), cast(IReactorThreads, reactor)
PARSE_TIMEOUT = 300  # seconds a page may take in a parse worker


def _fire(d: defer.Deferred, result) -> None:
    if not d.called:  # not already timed out
        if isinstance(result, Failure):
            d.errback(result)
        else:
            d.callback(result)


class StoreWriter:
    BATCH = 500  # rows per transaction (a page's links count as one in fifty)
    MAX_AGE = 1.0  # seconds a row may wait, so a killed crawl loses at most this much

    def __init__(self, store_url: str, run_id: int) -> None:
        self.store_url, self.run_id = store_url, run_id
        self.store: CrawlSink | None = None
        self.pages: list[tuple[Page, bytes | None]] = []
        self.link_rows: list[Link] = []
        self.results: list[LinkResult] = []
        self.probes: list[dict] = []
        self.last_flush = time.monotonic()

    def page(self, page: Page, body: bytes | None, links: list[Link]) -> None:
        """A page with its body and its links (written with it)."""
        self.link_rows.extend(links)
        self.pages.append((page, body))
        self._maybe_flush()

    def links(self, rows: list[Link]) -> None:
        self.link_rows.extend(rows)
        self._maybe_flush()

    def result(self, result: LinkResult) -> None:
        self.results.append(result)
        self._maybe_flush()

    def probe(self, probe: dict) -> None:
        self.probes.append(probe)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        pending = len(self.pages) + len(self.results) + len(self.link_rows) // 50
        if pending >= self.BATCH or time.monotonic() - self.last_flush > self.MAX_AGE:
            self.flush()

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not (self.pages or self.link_rows or self.results or self.probes):
            return
        try:
            if self.store is None:
                self.store = open_store(self.store_url)
            with self.store.transaction():
                if self.pages:
                    self.store.add_pages(self.run_id, self.pages)
                if self.link_rows:
                    self.store.add_links(self.run_id, self.link_rows)
                if self.results:
                    self.store.add_link_results(self.run_id, self.results)
                if self.probes:
                    self.store.add_probes(self.run_id, self.probes)
        except Exception as exc:
            if disk_full(exc):
                stop_disk_full()
            raise
        self.pages, self.link_rows, self.results, self.probes = [], [], [], []

    def set_depths(self, depths: dict[str, int]) -> None:
        """Correct stored pages' depths (after every page row is written)."""
        self.flush()
        if not depths:
            return
        try:
            if self.store is None:
                self.store = open_store(self.store_url)
            with self.store.transaction():
                self.store.set_depths(self.run_id, depths)
        except Exception as exc:
            if disk_full(exc):
                stop_disk_full()
            raise

    def close(self, spider=None, reason=None) -> None:
        self.flush()
        if self.store is not None:
            self.store.close()
            self.store = None


class ParsePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: object, spider=None):
        if not isinstance(item, parsepool.ParseItem):
            raise ValueError(f"unexpected item {type(item).__name__}: the spider writes its output itself")
        return self._offload(item)

    def _offload(self, item: parsepool.ParseItem) -> defer.Deferred:
        """Parse and store the page in a worker; the item is done when its new targets are collected."""
        d: defer.Deferred = defer.Deferred()
        parsepool.submit(item, lambda targets: threads.callFromThread(_fire, d, targets),
                         lambda exc: threads.callFromThread(_fire, d, Failure(exc)))
        # A worker that dies mid-page (a crash in a C library) never answers: do not wait for it forever.
        d.addTimeout(PARSE_TIMEOUT, clock)
        d.addCallback(self._collect, item)
        d.addErrback(self._parse_failed, item)
        d.addBoth(self._settle)
        return d

    def _settle(self, _result) -> None:
        self.crawler.spider.settle("page")

    def _collect(self, found: parsepool.Found, item: parsepool.ParseItem) -> None:
        spider = self.crawler.spider
        for request in spider.schedule(found, item):
            self.crawler.engine.crawl(request)

    def _parse_failed(self, failure, item: parsepool.ParseItem) -> None:
        if disk_full(failure.value):  # the worker could not store the page: neither will the next ones
            stop_disk_full()
        log.error("parse worker failed on %s: %s", item.page.url, failure.getErrorMessage())
