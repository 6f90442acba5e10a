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

import contextlib
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from govaudit.crawler.traps import FACTS
from govaudit.models import Link, Page, PageHead
from govaudit.store import Store, open_store

REVALIDATED = ("page", "attachment")  # request kinds asked conditionally
VALIDATORS = ("etag", "last-modified")


class Baseline:
    """The pages of the last completed run that can be revalidated: the 2xx ones with a validator whose
    body is still stored. Their heads are read in one query (per request, the lookups were a tenth of the
    crawl process's work on an unchanged night), without their parse, which the parse worker reads for a
    page that answers 304 (crawler/parsepool.py). That query runs in a thread from the start, while
    robots.txt is fetched: at the first page request it held the start page back 0.1-0.2 s."""

    def __init__(self, store_url: str, run_id: int) -> None:
        self.run_id = run_id
        self.store: Store = open_store(store_url)
        self._heads: dict[str, PageHead] | None = None
        self._read: dict[str, PageHead] | None = None
        self._reading = threading.Thread(target=self._read_heads, args=(store_url,), name="baseline-heads",
                                         daemon=True)
        self._reading.start()

    def _read_heads(self, store_url: str) -> None:
        # (a failure leaves _read None: page() reads them itself and meets whatever stopped this thread)
        with contextlib.suppress(Exception), open_store(store_url, readonly=True) as store:
            self._read = self._revalidable(store)

    def _revalidable(self, store: Store) -> dict[str, PageHead]:
        return {head.url: _kept(head) for head in store.page_heads(self.run_id) if _revalidable(head)}

    def page(self, url: str) -> PageHead | None:
        """The baseline's page at url if it can be revalidated."""
        if self._heads is None:
            self._reading.join()
            self._heads = self._read if self._read is not None else self._revalidable(self.store)
            self._read = None
        return self._heads.get(url)

    def response(self, head: PageHead) -> Response:
        """The stored answer of a baseline page. Its body is read from the store only if something reads
        it: a 304 whose stored parse is taken needs none of it (its body hash, size and content key are
        the head's)."""
        headers = Headers({k.title(): v for k, v in head.headers.items()})
        cls = responsetypes.from_args(headers=headers, url=head.url)
        if cls is Response:  # the headers do not say: the class is decided by the body, as Scrapy does
            body = self.store.body(head.body_hash) or b""
            cls = responsetypes.from_args(headers=headers, url=head.url, body=body)
            return cls(url=head.url, status=head.http_status or 200, headers=headers, body=body)
        response = _stored(cls)(url=head.url, status=head.http_status or 200, headers=headers)
        cast(_StoredBody, response)._load = lambda: self.store.body(head.body_hash) or b""
        return response

    def full(self, url: str) -> Page | None:
        """The baseline's whole page row (its parse), for a page that answered 304."""
        return self.store.page(self.run_id, url)

    def links(self, url: str) -> list[Link]:
        return self.store.page_links(self.run_id, url)

    def close(self) -> None:
        self._reading.join()
        self.store.close()


def _revalidable(head: PageHead) -> bool:
    return head.http_status is not None and 200 <= head.http_status < 300 \
        and any(head.headers.get(v) for v in VALIDATORS)


def _kept(head: PageHead) -> PageHead:
    """The head as held for the night: of its facts, only the crawl's own (the checks' are many kB a page)."""
    return replace(head, facts={FACTS: head.facts[FACTS]} if FACTS in head.facts else {})


class _StoredBody:
    """A stored answer whose body is read from the store when first used (Baseline.response)."""

    _load: Callable[[], bytes] | None = None
    if TYPE_CHECKING:  # of the Response class it is mixed into
        _body: bytes

        def _set_body(self, body: bytes | None) -> None: ...

    @property
    def body(self) -> bytes:
        if self._load is not None:
            load, self._load = self._load, None
            self._set_body(load())
        return self._body


_STORED: dict[type, type] = {}


def _stored(cls: type[Response]) -> type[Response]:
    """`cls` (HtmlResponse, TextResponse, ...) with its body read when first used."""
    if cls not in _STORED:
        _STORED[cls] = type(f"Stored{cls.__name__}", (_StoredBody, cls), {})
    return _STORED[cls]


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
        if self.baseline is None or (head := self.baseline.page(request.url)) is None:
            return None
        request.meta["baseline_page"] = head
        return self.baseline.response(head)

    def store_response(self, spider: Any, request: Request, response: Response) -> None:
        pass


class RevalidateMiddleware(HttpCacheMiddleware):
    """Scrapy's HttpCacheMiddleware without its error recovery: a page that fails tonight is a failure."""

    def process_exception(self, request: Request, exception: Exception, spider: Any) -> None:
        request.meta.pop("cached_response", None)
        return None


def reused(response: Response) -> PageHead | None:
    """The baseline page a 304 answer stands for (None: the page was downloaded tonight)."""
    if "cached" not in response.flags:
        return None
    return response.meta.get("baseline_page")
