"""The crawl's request budgets, in one downloader middleware: the whole run's (crawl.max_requests: the
crawl stops, the run is `incomplete`) and each outside host's (crawl.max_requests_per_host: further
targets there are recorded as not checked). Each hit is a crawl cut (govaudit/cuts.py). The time budget
is Scrapy's CLOSESPIDER_TIMEOUT (crawler/settings.py)."""

from __future__ import annotations

from collections import Counter

from scrapy.exceptions import IgnoreRequest

from govaudit import urls
from govaudit.scope import Scope

REQUEST_BUDGET = "request_budget"  # the finish reason when max_requests closed the crawl


class OverBudget(IgnoreRequest):
    """A request a budget refused (the spider records its target as excluded: crawl_limit)."""


class BudgetMiddleware:
    def __init__(self, crawler) -> None:
        job = crawler.settings["GOVAUDIT_JOB"]
        self.crawler = crawler
        self.max_requests = job.crawl.max_requests
        self.per_host = job.crawl.max_requests_per_host
        self.gate = Scope.from_job(job)
        self.sent = 0
        self.hosts: Counter[str] = Counter()
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if self.sent >= self.max_requests:
            if not self.closing:
                self.closing = True
                spider = self.crawler.spider
                spider.cuts.add("requests", limit=self.max_requests)
                self.crawler.engine.close_spider(spider, REQUEST_BUDGET)
            raise OverBudget(f"not checked: the crawl's request budget is spent (crawl.max_requests = {self.max_requests})")
        if not self.gate.is_site(request.url):
            host = urls.host_of(request.url)
            if self.hosts[host] >= self.per_host:
                self.crawler.spider.cuts.add("host_requests", request.url, limit=self.per_host)
                raise OverBudget(f"not checked: {self.per_host} requests to {host} already"
                                 " (crawl.max_requests_per_host)")
            self.hosts[host] += 1
        self.sent += 1
        return None
