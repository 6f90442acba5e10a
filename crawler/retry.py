"""Retries with exponential backoff that honour Retry-After (Scrapy's RetryMiddleware retries at once
and ignores the header), and a download handler with a connect timeout of its own.

A 429 or 503 that asks for a wait longer than links.retry_after_max is not retried sooner than asked:
the answer stands (unverified, rate-limited). Probes and pages' own-site requests use the same rules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import cast

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, ScrapyAgent
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater

from govaudit.crawler import classify
from govaudit.crawler.sendnow import PromptFactory
from govaudit.jobs import CrawlJob
from govaudit.models import ErrorKind

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
RETRY_ERRORS = frozenset({ErrorKind.TIMEOUT, ErrorKind.REFUSED, ErrorKind.RESET})


def retry_after(value: bytes | str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class BackoffRetryMiddleware:
    def __init__(self, crawler) -> None:
        job: CrawlJob = crawler.settings["GOVAUDIT_JOB"]
        links = job.links
        self.retries = links.retries
        self.backoff = links.retry_backoff
        self.max_wait = links.retry_after_max
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _retry(self, request, wait: float):
        """The request again, after `wait` seconds (a Deferred: the slot is free meanwhile)."""
        tries = request.meta.get("retry_times", 0) + 1
        new = request.replace(dont_filter=True)
        new.meta["retry_times"] = tries
        new.priority = request.priority - 1
        self.stats.inc_value("retry/count")
        if not wait:
            return new
        from twisted.internet import reactor  # noqa: PLC0415  (the one the crawl installed)

        # Twisted types the installed reactor as a module; the object provides IReactorTime.
        return deferLater(cast(IReactorTime, reactor), wait, lambda: new)

    # Plain methods, not coroutines: Scrapy wraps every coroutine a middleware returns in an asyncio
    # future, per request, and almost every answer passes straight through.
    def process_response(self, request, response, spider):
        if response.status not in RETRY_STATUSES or request.meta.get("dont_retry"):
            return response
        tries = request.meta.get("retry_times", 0)
        if tries >= self.retries:
            return response
        wait = self.backoff * 2 ** tries
        asked = retry_after(response.headers.get(b"Retry-After")) if response.status in (429, 503) else None
        if asked is not None:
            if asked > self.max_wait:
                request.meta["retry_after_refused"] = asked  # not retried sooner than the server asked
                return response
            wait = asked
        return self._retry(request, wait)

    def process_exception(self, request, exception, spider):
        if request.meta.get("dont_retry") or classify.error_kind(exception) not in RETRY_ERRORS:
            return None
        tries = request.meta.get("retry_times", 0)
        if tries >= self.retries:
            return None
        return self._retry(request, self.backoff * 2 ** tries)


class _Agent(ScrapyAgent):
    def _get_agent(self, request, timeout):
        # Twisted's connectTimeout covers the TCP (and TLS) connect; download_timeout the whole answer.
        connect = request.meta.get("connect_timeout")
        return super()._get_agent(request, min(connect, timeout) if connect else timeout)


class DownloadHandler(HTTP11DownloadHandler):
    """HTTP/1.1 handler whose connect timeout is links.connect_timeout, separate from the read timeout, and
    whose connections send a request at once (crawler/sendnow.py)."""

    def __init__(self, settings, crawler) -> None:
        super().__init__(settings, crawler)
        self._pool._factory = PromptFactory

    def download_request(self, request, spider):
        agent = _Agent(
            contextFactory=self._contextFactory, pool=self._pool,
            maxsize=request.meta.get("download_maxsize", getattr(spider, "download_maxsize", self._default_maxsize)),
            warnsize=getattr(spider, "download_warnsize", self._default_warnsize),
            fail_on_dataloss=self._fail_on_dataloss, crawler=self._crawler,
        )
        return agent.download_request(request)
