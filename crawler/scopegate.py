"""The crawl's scope gate: a downloader middleware every request passes before anything else (the
spider's pages, checks, attachments, probes, robots.txt, sitemaps and redirect hops, and the robots.txt
requests Scrapy makes itself). A request govaudit.scope does not allow is dropped with OutOfScope (an
IgnoreRequest, so its errback records why) and counted in the crawl stats (`scope/refused/<kind>`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from govaudit.scope import Kind, Scope, Verdict

PRIORITY = 50  # before Scrapy's robots.txt middleware (100): an out-of-scope page asks for no robots.txt


class OutOfScope(IgnoreRequest):
    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


def request_kind(meta: dict, url: str) -> str:
    """The spider's requests carry their kind; Scrapy's own (robots.txt) do not."""
    kind = meta.get("kind")
    if kind:
        return kind
    return Kind.ROBOTS if urlsplit(url).path == "/robots.txt" else Kind.PAGE


class ScopeGateMiddleware:
    def __init__(self, crawler) -> None:
        self.scope = Scope.from_job(crawler.settings["GOVAUDIT_JOB"])
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        kind = request_kind(request.meta, request.url)
        verdict = self.scope.allows(request.url, kind)
        if not verdict.allowed:
            self.stats.inc_value(f"scope/refused/{kind}")
            raise OutOfScope(verdict)
