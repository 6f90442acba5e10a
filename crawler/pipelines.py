"""Item pipeline: pages, links and link results into SQLite in batched transactions."""

from __future__ import annotations

import time

from govaudit.store import Store


class StorePipeline:
    BATCH = 500  # items per transaction
    MAX_AGE = 1.0  # seconds an item may wait, so a killed crawl loses at most this much

    def __init__(self, job: dict) -> None:
        self.job = job
        self.pages: list[dict] = []
        self.links: list[tuple] = []
        self.results: list[dict] = []
        self.probes: list[dict] = []
        self.last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.spidercls.job_for(crawler))

    def open_spider(self, spider=None) -> None:  # Scrapy < 2.14 passes the spider
        self.run_id = self.job["run_id"]
        self.store = Store(self.job["db"])

    def close_spider(self, spider=None) -> None:
        self.flush()
        self.store.close()

    def process_item(self, item: dict, spider=None):
        kind = item.get("_type")
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
