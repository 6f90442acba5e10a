"""Incremental nights: the site's pages are revalidated against the last completed run instead of
downloaded again (`If-None-Match` / `If-Modified-Since`), with Scrapy's own HTTP cache middleware.

Scrapy's HttpCacheMiddleware with RFC2616Policy does the HTTP part: it asks the storage for the stored
response, puts its validators on the request, and on a 304 hands the spider the stored response
(flagged "cached"). Three of its defaults are wrong for an audit and are changed here:
- freshness: RFC 2616 lets a cache answer without asking (max-age, Expires, or a heuristic from
  Last-Modified). An audit must see tonight's answer (a page may be gone), so every stored page is
  revalidated, never served fresh.
- a 5xx answer or a download error would be replaced by the stored page ("error recovery"): an audit
  reports the failure, so only a 304 validates.
- the storage is not a cache directory: it is the store's pages of the baseline run (their kept
  headers hold the validators, their bodies are stored once per hash). Storing is the spider's own
  writing of tonight's pages, so `store_response` keeps nothing.

Only the spider's GET requests of kind page and attachment are revalidated; every request still passes
the scope gate (crawler/scopegate.py, which runs first).
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from govaudit.models import Link, Page
from govaudit.store import Store, open_store

REVALIDATED = ("page", "attachment")  # request kinds asked conditionally
VALIDATORS = ("etag", "last-modified")


class Baseline:
    """The pages of the last completed run, each read when tonight's crawl asks for it (read all at the
    start, the heavy site's 2,080 pages held the first request back a third of a second); those that can
    be revalidated are the 2xx ones with a validator and a stored body."""

    def __init__(self, store_url: str, run_id: int) -> None:
        self.run_id = run_id
        self.store: Store = open_store(store_url)

    def page(self, url: str) -> Page | None:
        """The baseline's page at url if it can be revalidated (its body is read by `response`)."""
        page = self.store.page(self.run_id, url)
        if page is None or page.http_status is None or not 200 <= page.http_status < 300 or not page.body_hash:
            return None
        return page if any(page.headers.get(v) for v in VALIDATORS) else None

    def response(self, page: Page) -> Response | None:
        """The stored answer of a baseline page (None: its body was pruned)."""
        url = page.url
        if page.body_hash is None:
            return None
        body = self.store.body(page.body_hash)
        if body is None:
            return None
        headers = Headers({k.title(): v for k, v in page.headers.items()})
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, status=page.http_status or 200, headers=headers, body=body)

    def links(self, url: str) -> list[Link]:
        return self.store.page_links(self.run_id, url)

    def close(self) -> None:
        self.store.close()


class AuditPolicy(RFC2616Policy):
    """RFC2616Policy that always revalidates and accepts only a 304 as "unchanged"."""

    def should_cache_request(self, request: Request) -> bool:
        return request.method == "GET" and request.meta.get("kind") in REVALIDATED

    def should_cache_response(self, response: Response, request: Request) -> bool:
        return False  # tonight's pages are stored by the spider (see StoreStorage)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        return response.status == 304


class StoreStorage:
    """HTTPCACHE_STORAGE backed by the baseline run of govaudit's store (the spider's `baseline`)."""

    def __init__(self, settings: Any) -> None:
        self.baseline: Baseline | None = None

    def open_spider(self, spider: Any) -> None:
        self.baseline = getattr(spider, "baseline", None)

    def close_spider(self, spider: Any) -> None:
        self.baseline = None

    def retrieve_response(self, spider: Any, request: Request) -> Response | None:
        if self.baseline is None or (page := self.baseline.page(request.url)) is None:
            return None
        response = self.baseline.response(page)
        if response is not None:
            request.meta["baseline_page"] = page
        return response

    def store_response(self, spider: Any, request: Request, response: Response) -> None:
        pass


class RevalidateMiddleware(HttpCacheMiddleware):
    """Scrapy's HttpCacheMiddleware without its error recovery: a page that fails tonight is a failure."""

    def process_exception(self, request: Request, exception: Exception, spider: Any) -> None:
        request.meta.pop("cached_response", None)
        return None


def reused(response: Response) -> Page | None:
    """The baseline page a 304 answer stands for (None: the page was downloaded tonight)."""
    if "cached" not in response.flags:
        return None
    return response.meta.get("baseline_page")
