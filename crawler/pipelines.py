"""Item pipeline: pages, links and link results into SQLite in batched transactions; pages the spider
offloads to the parse pool (crawler.parsepool) are parsed and stored by a worker, and their new targets
come back here to be collected by the spider."""

from __future__ import annotations

import logging
import time

from scrapy.http import Request
from twisted.internet import defer, reactor
from twisted.python.failure import Failure

from crawler import parsepool
from govaudit.store import Store

log = logging.getLogger(__name__)
PARSE_TIMEOUT = 300  # seconds a page may take in a parse worker


def _fire(d: defer.Deferred, result) -> None:
    if not d.called:  # not already timed out
        if isinstance(result, Failure):
            d.errback(result)
        else:
            d.callback(result)


class StorePipeline:
    BATCH = 500  # items per transaction
    MAX_AGE = 1.0  # seconds an item may wait, so a killed crawl loses at most this much

    def __init__(self, job: dict, crawler=None) -> None:
        self.job = job
        self.crawler = crawler
        self.pages: list[dict] = []
        self.links: list[tuple] = []
        self.results: list[dict] = []
        self.probes: list[dict] = []
        self.last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.spidercls.job_for(crawler), crawler)

    def open_spider(self, spider=None) -> None:  # Scrapy < 2.14 passes the spider
        self.run_id = self.job["run_id"]
        self.store = Store(self.job["db"])

    def close_spider(self, spider=None) -> None:
        self.flush()
        self.store.close()

    def process_item(self, item: dict, spider=None):
        kind = item.get("_type")
        if kind == "parse":
            return self._offload(item)
        if kind == "page":
            self.links.extend(item.pop("links"))
            self.pages.append(item)
        elif kind == "page_links":
            self.links.extend(item["links"])
        elif kind == "result":
            self.results.append(item)
        elif kind == "probe":
            self.probes.append(item)
        pending = len(self.pages) + len(self.results) + len(self.links) // 50
        if pending >= self.BATCH or time.monotonic() - self.last_flush > self.MAX_AGE:
            self.flush()
        return None

    def flush(self) -> None:
        if not (self.pages or self.links or self.results or self.probes):
            return
        with self.store.transaction():
            if self.pages:
                self.store.add_pages(self.run_id, self.pages)
            if self.links:
                self.store.add_links(self.run_id, self.links)
            if self.results:
                self.store.add_link_results(self.run_id, self.results)
            if self.probes:
                self.store.add_probes(self.run_id, self.probes)
        self.pages, self.links, self.results, self.probes = [], [], [], []
        self.last_flush = time.monotonic()

    # -- the parse pool ------------------------------------------------------------------------------
    def _offload(self, item: dict) -> defer.Deferred:
        """Parse and store the page in a worker; the item is done when its new targets are collected."""
        d: defer.Deferred = defer.Deferred()
        parsepool.submit(item, lambda targets: reactor.callFromThread(_fire, d, targets),
                         lambda exc: reactor.callFromThread(_fire, d, Failure(exc)))
        # A worker that dies mid-page (a crash in a C library) never answers: do not wait for it forever.
        d.addTimeout(PARSE_TIMEOUT, reactor)
        d.addCallback(self._collect, item)
        d.addErrback(self._parse_failed, item)
        return d

    def _collect(self, found: tuple[list[str], list[str]], item: dict) -> None:
        spider = self.crawler.spider
        targets, anchored = found
        spider.note_anchored(anchored)
        seen, referrer, depth = spider.seen, item["page"]["url"], item["depth"]
        for target in targets:
            if target in seen:
                continue
            for out in spider.collect(target, depth=depth, referrer=referrer):
                if isinstance(out, Request):
                    self.crawler.engine.crawl(out)
                else:
                    self.process_item(out)

    def _parse_failed(self, failure, item: dict) -> None:
        log.error("parse worker failed on %s: %s", item["page"]["url"], failure.getErrorMessage())
