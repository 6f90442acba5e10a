"""Every request's defaults (User-Agent, Accept, Accept-Language, read timeout) and the download counts
the run's stats report (body bytes), in one downloader middleware.

It stands in for five of Scrapy's (UserAgent, DefaultHeaders, DownloadTimeout, HttpAuth, DownloaderStats):
Scrapy calls each middleware method once per request through its Deferred machinery, and on a crawl of
thousands of small pages that machinery, not the network, is what the crawl process spends its time on.
robots.txt requests, which Scrapy makes itself, pass through here too, so they carry our User-Agent.
"""

from __future__ import annotations

from scrapy import signals

from govaudit import ACCEPT_LANGUAGE

ACCEPT = b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class RequestDefaultsMiddleware:
    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.user_agent = settings["USER_AGENT"].encode("utf-8")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.stats = crawler.stats
        self.requests = self.responses = self.bytes = 0
        crawler.signals.connect(self._publish, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        headers = request.headers
        headers.setdefault(b"User-Agent", self.user_agent)
        headers.setdefault(b"Accept", ACCEPT)
        headers.setdefault(b"Accept-Language", ACCEPT_LANGUAGE.encode("ascii"))
        request.meta.setdefault("download_timeout", self.timeout)
        self.requests += 1

    def process_response(self, request, response, spider=None):
        self.responses += 1
        self.bytes += len(response.body)
        return response

    def _publish(self, spider=None, reason=None) -> None:
        self.stats.set_value("downloader/request_count", self.requests)
        self.stats.set_value("downloader/response_count", self.responses)
        self.stats.set_value("downloader/response_bytes", self.bytes)

