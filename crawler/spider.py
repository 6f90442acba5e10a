"""The site spider: crawls in-scope HTML pages and checks every unique link target once, in one Scrapy run.

Stages per response: extract (lxml, once per page) → collect (dedupe targets, decide page / check /
excluded) → check (HTTP result → LinkStatus). Scrapy's redirect middleware is off: redirects are
followed here so that every hop is recorded and loops are named as loops.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import re
import secrets
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Request, Response

from govaudit import attachments, urls
from govaudit.analyzers import page_analyzers
from govaudit.crawler import classify, pageprobe, parsepool, revalidate, traps
from govaudit.crawler.budget import OverBudget
from govaudit.crawler.charset import decode
from govaudit.crawler.css import css_refs
from govaudit.crawler.extract import Extracted, parse, resolve
from govaudit.crawler.pipelines import StoreWriter
from govaudit.crawler.progress import emit
from govaudit.crawler.scopegate import OutOfScope
from govaudit.crawler.sitemap import parse_sitemap
from govaudit.cuts import CutLog
from govaudit.jobs import CrawlJob
from govaudit.models import ErrorKind, Link, LinkResult, LinkStatus, Page, PageHead, is_html
from govaudit.profile import HostRule
from govaudit.scope import Kind, Scope, Verdict
from govaudit.store import open_store

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Targets with these endings are checked, never crawled as pages.
NOT_PAGES = frozenset(
    "pdf doc docx odt ods odp odg xls xlsx ppt pptx csv txt rtf zip rar 7z gz tgz bz2 xz tar iso exe msi dmg"
    " apk jpg jpeg png gif svg webp ico bmp tif tiff css js mjs json xml rss atom mp3 mp4 m4a wav avi mov"
    " wmv webm ogg flv swf woff woff2 ttf eot otf epub kml kmz shp".split()
)
# Requests whose answer may store a page row or links (or lead to more such requests).
PAGE_KINDS = frozenset({"page", "attachment", "robots", "sitemap", "css"})
# Scheduling priority (higher first; a page's is minus its depth): the 政府資訊公開 hub, then its children,
# before the rest of the site, so the disclosure check gets its pages within max_pages.
HUB_BOOST, HUB_CHILD_BOOST = 1000, 500
# A body this small is read to its end rather than cut off after the headers: cutting it aborts the
# connection, and Twisted then re-sends the next request that pooled connection carried (the server
# saw a second GET for most targets).
SMALL_BODY = 64 * 1024
KEPT_HEADERS = ("content-type", "content-length", "last-modified", "etag", "server", "location",
                "content-disposition", "x-robots-tag", "retry-after")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _header(response: Response, name: bytes) -> str:
    """A response header as text ("" when absent)."""
    return (response.headers.get(name) or b"").decode("latin-1")


def _kept_headers(response: Response) -> dict[str, str]:
    return {k: value.decode("latin-1") for k in KEPT_HEADERS if (value := response.headers.get(k))}


def _size(response: Response) -> int:
    """The body's length; for a 304, the stored page's, without reading its body (revalidate.Baseline)."""
    stored = revalidate.reused(response)
    return stored.size if stored is not None else len(response.body)


def _method(response: Response) -> str:
    assert response.request is not None  # a callback's response always carries its request
    return response.request.method


def looks_like_page(url: str) -> bool:
    path = urlsplit(url).path
    last = path.rsplit("/", 1)[-1]
    return "." not in last or last.rsplit(".", 1)[-1].lower() not in NOT_PAGES


class SiteSpider(scrapy.Spider):
    name = "govaudit"

    def __init__(self, job: CrawlJob, **kwargs: Any):
        super().__init__(**kwargs)
        # The job read once into attributes: the callbacks below run per request.
        crawl, links = job.crawl, job.links
        self.job = job
        self.start_url = job.start_url
        self.gate = Scope.from_job(job)  # the one scope decision (govaudit/scope.py)
        self.max_depth = crawl.max_depth
        self.max_pages = crawl.max_pages
        self.sitemap = crawl.sitemap and self.max_depth > 0
        self.exclude = [re.compile(p) for p in crawl.exclude]
        self.sitemap_max_depth = crawl.sitemap_max_depth
        self.sitemap_max_bytes = crawl.sitemap_max_bytes
        self.sitemap_files_left = crawl.sitemap_max_files
        self.sitemap_entries_left = crawl.sitemap_max_entries
        self.max_redirects = links.max_redirects
        self.check_external = links.check_external
        self.accepted = frozenset(links.accepted_status)
        self.host_rules = {h.lower(): rule for h, rule in links.hosts.items()}
        self.connect_timeout = links.connect_timeout
        self.scan_bytes = links.hijack_scan_bytes
        self.soft404 = links.soft404
        self.attachments = links.attachments
        self.max_attachment = links.max_attachment_bytes
        self.external_anchors = links.check_fragments and links.check_external_fragments
        self.want_anchors: set[str] = set()  # external targets linked with a #fragment
        self.probed: set[str] = set()  # hosts probed for soft-404 answers
        self.cache = self._load_cache(job.store, 0 if job.recheck_cached else links.cache_max_age)
        # Results, pages and probes go straight to the store's batches, not through Scrapy's item
        # pipeline: a Deferred chain and a signal per item cost more than the result itself.
        self.writer = StoreWriter(job.store, job.run_id)
        self.seen: set[str] = set()  # targets already decided or scheduled (without fragment)
        # One page under several query orders (urls.identity): fetched once, under the first spelling
        # met; each later spelling is a link target of its own and gets that one's result.
        self.first_spelling: dict[str, str] = {}  # identity → the first target with it
        self.waiting: dict[str, list[str]] = {}  # first target → later spellings waiting for its result
        self.said: dict[str, LinkResult] = {}  # results of targets with more than one query parameter
        self.session_free: set[str] = set()  # targets without their session id, crawled once each
        self.bodies: dict[str, str] = {}  # sha256 of a crawled page's body -> its URL (duplicates folded)
        self.cuts = CutLog()  # what the crawl left out (govaudit/cuts.py)
        self.budget = traps.PatternBudget(crawl.max_pages_per_pattern)  # crawled pages per address pattern
        # Pages to crawl wait here, best first (see _release): (order, seq, target, depth, referrer, pager, boost)
        self.frontier: list[tuple[int, int, str, int, str, int, int]] = []
        self.queued_at: dict[str, int] = {}  # target in the frontier -> the depth it waits at
        # Each parsed page: (the depth it was crawled at, its targets, those that cost no depth): its depth
        # is corrected once every page is parsed (shortest_depths)
        self.graph: dict[str, tuple[int, list[str], frozenset[str]]] = {}
        self.leaves_at: dict[str, int] = {}  # page rows with no links followed (attachments, error answers)
        self.pages_in_flight = 0  # page requests made and not yet answered (or failed)
        self.concurrency = crawl.concurrency
        self.window = 3 * crawl.concurrency
        self.max_pagination = crawl.max_pagination
        self.max_links = crawl.max_links_per_page
        self.this_year = max(datetime.now(UTC).year, job.audit.as_of.year if job.audit.as_of else 0)
        # Requests of PAGE_KINDS not yet settled (answered, and their page parsed and its targets
        # collected): at zero every page and its links are in the store (see settle).
        self.open_pages = 0
        self.pages_stored = False
        self.depths_set = False  # shortest_depths() written to the store
        self.counts = {"pages": 0, "results": 0, "page_errors": 0, "pages_folded": 0, "pages_reused": 0,
                       "targets_cached": 0, "targets_same_page": 0}
        # An incremental night: the last completed run's pages, revalidated (crawler/revalidate.py)
        self.baseline = revalidate.Baseline(job.store, job.revalidate_from) if job.revalidate_from else None

    @functools.cached_property
    def analyzers(self) -> dict[str, Any]:
        # Only when pages are parsed in this process: with parse workers, importing every check here
        # would only delay the crawl's first request.
        return page_analyzers(self.job.analyzers)

    @staticmethod
    def _load_cache(store_url: str, hours: float) -> dict[str, LinkResult]:
        if hours <= 0:
            return {}
        with open_store(store_url) as store:
            return store.cached_results(hours * 3600)

    def _rule(self, url: str) -> HostRule | None:
        """The profile's links.hosts rule for url's host (host:port first, then the host name)."""
        if not self.host_rules:
            return None
        return self.host_rules.get(urls.host_of(url)) or self.host_rules.get(urls.hostname_of(url))

    def _accepted(self, url: str) -> frozenset[int]:
        rule = self._rule(url)
        return self.accepted | frozenset(rule.accepted_status) if rule else self.accepted


    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._headers_received, signal=signals.headers_received)
        crawler.signals.connect(spider._bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(spider.writer.close, signal=signals.spider_closed)
        crawler.signals.connect(spider._received, signal=signals.response_received)
        return spider

    # -- requests ----------------------------------------------------------------------------------
    def _request(self, url: str, *, kind: str, depth: int, referrer: str, method: str = "GET",
                 origin: str | None = None, chain: tuple = (), callback=None, boost: int = 0) -> Request:
        internal = self.gate.is_site(url)
        meta = {
            "kind": kind, "depth": depth, "referrer": referrer, "origin": origin or url, "chain": chain,
            "internal": internal, "handle_httpstatus_all": True, "dont_redirect": True,
            # robots.txt is our crawl's manners on the site; it does not govern checking a link elsewhere.
            "dont_obey_robotstxt": not internal or kind == "robots",
            "connect_timeout": self.connect_timeout,
        }
        if kind in PAGE_KINDS:
            self.open_pages += 1
        if kind == "page":
            self.pages_in_flight += 1
        rule = self._rule(url)
        if rule is not None and rule.timeout:
            meta["download_timeout"] = rule.timeout
        if kind == "attachment":
            meta["download_maxsize"] = 0  # bounded by _bytes_received instead: a big file is no error
        elif kind == "probe":
            meta["dont_retry"] = True
        # Pages breadth-first (shallower first): a page's depth is that of the page it was first found on,
        # plus one, and max_depth counts clicks from the start page. Scrapy's default order is depth-first,
        # which can reach a page through a long chain (pagination) before its short path, and then treat
        # it as too deep to crawl; which one comes first would depend on timing.
        priority = -depth + boost if kind in ("page", "attachment") else 0
        return Request(url, method=method, meta=meta, dont_filter=True, callback=callback or self.on_response,
                       errback=self.on_error, headers={"Referer": referrer} if referrer else None, priority=priority)

    async def start(self):
        if self.job.recheck:  # `govaudit recheck`: these targets only, each decided as a link, no page crawled
            for target in self.job.recheck:
                for request in self.collect(target, depth=self.max_depth + 2, referrer=""):
                    yield request
            return
        self.seen.add(self.start_url)
        self._spelt_before(self.start_url)  # the start page's own query order is its first spelling
        yield self._request(self.start_url, kind="page", depth=0, referrer="")
        if self.soft404:
            for probe in self._probe(self.start_url):
                yield probe
        if self.sitemap:
            robots = urls.normalize_url("/robots.txt", self.start_url)
            yield self._request(robots, kind="robots", depth=0, referrer="", callback=self.on_robots)

    def _headers_received(self, headers, body_length, request, spider) -> None:
        """Checks need only the status line (external pages: a bounded prefix, for the hijack scan and
        the soft-404 comparison); pages that turn out not to be HTML need no body either."""
        meta = request.meta
        kind = meta.get("kind")
        if kind == "page":
            if (not is_html(headers.get(b"Content-Type", b"")) or self.counts["pages"] >= self.max_pages) \
                    and not 0 <= body_length <= SMALL_BODY:
                raise StopDownload(fail=False)  # (over max_pages: the page is only checked, see _page)
        elif kind == "attachment":
            if body_length and body_length > self.max_attachment:
                meta["truncated"] = True
                raise StopDownload(fail=False)
        elif kind in ("check", "probe"):
            if (not meta.get("scan") or not is_html(headers.get(b"Content-Type", b""))) \
                    and not 0 <= body_length <= SMALL_BODY:
                raise StopDownload(fail=False)

    def _bytes_received(self, data, request, spider) -> None:
        meta = request.meta
        kind = meta.get("kind")
        if kind == "attachment":
            got = meta["received"] = meta.get("received", 0) + len(data)
            if got > self.max_attachment:
                meta["truncated"] = True
                raise StopDownload(fail=False)
        elif kind in ("check", "probe") and meta.get("scan") and not meta.get("anchors"):
            got = meta["received"] = meta.get("received", 0) + len(data)
            if got >= max(self.scan_bytes, 4096):
                raise StopDownload(fail=False)

    # -- collect: one decision per unique target ---------------------------------------------------
    def schedule(self, found: parsepool.Found, item: parsepool.ParseItem):
        """The requests for what a parsed page links to (in-process or from a parse worker)."""
        if found.dropped:
            self.cuts.add("links_per_page", item.page.url, limit=self.max_links, count=found.dropped)
        self.note_anchored(found.anchored)
        same_depth, hubs = set(found.same_depth), set(found.hubs)
        # (interned: a menu's targets arrive as new strings from every page's parse: one copy each)
        self.graph[item.page.url] = (item.depth - 1, [sys.intern(t) for t in found.targets],
                                     frozenset(sys.intern(t) for t in same_depth))
        for target in found.targets:
            if target in self.seen:
                continue
            pager = target in same_depth
            boost = HUB_BOOST if target in hubs else HUB_CHILD_BOOST if item.hub else 0
            yield from self.collect(target, depth=item.depth - 1 if pager else item.depth, referrer=item.page.url,
                                    pager=item.pager + 1 if pager else 0, boost=boost, release=False)
        # once every page it links to waits in the frontier: the best of them go first, not the first seen
        yield from self._release()

    def _shallower(self, target: str, depth: int, referrer: str, pager: int, boost: int) -> None:
        """A page still waiting in the frontier is linked again from a page nearer the start page: it waits
        at that depth instead. Its depth is then its clicks from the start page, not the order parses
        came back in (a deeper page parsed first found it first), and it is the same every night."""
        if depth < self.queued_at.get(target, depth):
            self.queued_at[target] = depth
            heapq.heappush(self.frontier, (depth - boost, len(self.seen), target, depth, referrer, pager, boost))

    def collect(self, target: str, *, depth: int, referrer: str, pager: int = 0, boost: int = 0,
                release: bool = True):
        """Decide what to do with a target seen for the first time: yields the requests to make, and
        records the result of a target decided without one (excluded, cached, not HTTP). A page to crawl
        waits in the frontier; `release`: the frontier's best go out now (schedule() does it once a
        page's targets are all in)."""
        if target in self.seen:
            self._shallower(target, depth, referrer, pager, boost)
            return
        self.seen.add(target)
        if first := self._spelt_before(target):
            self._same_page(target, first)
            return
        if urls.scheme_of(target) not in urls.HTTP_SCHEMES:
            status, kind, message = classify.check_non_http(target)
            self._result(target, status, error_kind=kind, error=message, method="syntax")
            return
        internal = self.gate.is_site(target)
        if any(p.search(target) for p in self.exclude):
            self._excluded(target, ErrorKind.PROFILE_RULE, "excluded by profile rule", internal)
        elif not (verdict := self.gate.allows(target, Kind.CHECK)):
            self._excluded(target, *self._refusal(verdict, "offline"), internal)
        elif not internal and not self.check_external:
            self._excluded(target, ErrorKind.PROFILE_RULE, "external links not checked", internal)
        elif (rule := self._rule(target)) is not None and not rule.check:
            self._excluded(target, ErrorKind.PROFILE_RULE, "host not checked (links.hosts rule)", internal)
        elif not internal and target in self.cache and target not in self.want_anchors:
            self.counts["results"] += 1
            self.counts["targets_cached"] += 1
            self._write(replace(self.cache[target], url=target, cached=True))
        elif internal and (trap := self._trap(target)):
            self._excluded(target, ErrorKind.CRAWL_LIMIT, trap, internal)
        elif internal and looks_like_page(target) and self.budget.spent(target):
            self._pattern_cut(target)
        elif internal and looks_like_page(target) and self._crawlable(target, depth, pager):
            self.open_pages += 1  # waiting in the frontier: a page still to come
            heapq.heappush(self.frontier, (depth - boost, len(self.seen), target, depth, referrer, pager, boost))
            self.queued_at[target] = depth
            if release:
                yield from self._release()
        elif internal and self.attachments and attachments.kind_of("", target) and depth <= self.max_depth + 1:
            yield self._request(target, kind="attachment", depth=depth, referrer=referrer)
        elif internal and urlsplit(target).path.lower().endswith(".css"):
            # the site's own stylesheet: read for the url()s it references (their source is the CSS file)
            yield self._request(target, kind="css", depth=depth, referrer=referrer, callback=self.on_css)
        elif not internal and looks_like_page(target) and (self.scan_bytes or self.soft404
                                                             or target in self.want_anchors):
            # GET a bounded prefix: the hijack scan and the soft-404 comparison read the body.
            request = self._request(target, kind="check", depth=depth, referrer=referrer)
            request.meta["scan"] = True
            request.meta["anchors"] = target in self.want_anchors
            yield request
            if self.soft404:
                yield from self._probe(target)
        else:
            # The site's own targets with one GET whose body is not read (no HEAD first: a 404 would be
            # asked again with GET); other hosts with HEAD, since a GET there may be a large download.
            yield self._request(target, kind="check", depth=depth, referrer=referrer,
                                method="GET" if internal else "HEAD")

    def _release(self, limit: int | None = None):
        """Page requests out of the frontier, best first, while fewer than `limit` (the window) pages
        are in flight. Scrapy's scheduler would hand the downloader up to CONCURRENT_REQUESTS requests at
        once, into a FIFO per host: priorities would decide nothing, and max_pages would go to whatever
        came first."""
        while self.frontier and self.pages_in_flight < (self.window if limit is None else limit):
            _, _, target, depth, referrer, pager, boost = heapq.heappop(self.frontier)
            if self.queued_at.get(target) != depth:
                continue  # found again nearer the start page: that entry stands
            del self.queued_at[target]
            self.open_pages -= 1  # (counted again by _request)
            if self.budget.spent(target):  # its pattern was spent while it waited
                self._pattern_cut(target)
                continue
            request = self._request(target, kind="page", depth=depth, referrer=referrer, boost=boost)
            request.meta["pager"] = pager
            request.meta["hub"] = boost > 0
            yield request

    def _trap(self, target: str) -> str:
        """Why target is a spider trap not to fetch ("" when it is not); counted as a crawl cut."""
        key = traps.session_free(target)
        if key != target:
            if key in self.session_free or key in self.seen:
                self.cuts.add("session_id", target)
                return "crawl trap: the same address with another session id"
            self.session_free.add(key)
        kind = traps.trap_kind(target, self.this_year)
        if kind:
            self.cuts.add(kind, target)
            return f"crawl trap: {kind.replace('_', ' ')}"
        return ""

    def _pattern_cut(self, target: str) -> None:
        self.cuts.add("pattern", target, limit=self.budget.limit)
        self._excluded(target, ErrorKind.CRAWL_LIMIT, f"crawl trap: the pages under {traps.pattern(target)} repeat one"
                       f" another (crawl.max_pages_per_pattern = {self.budget.limit})", True)

    def _crawlable(self, target: str, depth: int, pager: int) -> bool:
        """A page of the site within the depth and pagination limits (beyond them it is only checked)."""
        if depth > self.max_depth:
            self.cuts.add("max_depth", target, limit=self.max_depth)
            return False
        if pager > self.max_pagination:
            self.cuts.add("pagination", target, limit=self.max_pagination)
            return False
        return True

    def _probe(self, url: str):
        """Once per host: a path that cannot exist. A host answering it 200 serves soft 404s."""
        host = urls.host_of(url)
        if host in self.probed:
            return
        self.probed.add(host)
        probe = f"{urls.scheme_of(url)}://{host}/govaudit-404-probe-{secrets.token_hex(6)}"
        request = self._request(probe, kind="probe", depth=0, referrer="", callback=self.on_probe)
        request.meta["scan"] = True
        yield request

    def on_probe(self, response: Response):
        meta = response.meta
        title, text = "", ""
        if response.status == 200 and response.body:
            content_type = _header(response, b"Content-Type")
            title, text = pageprobe.summarize(response.body, content_type)
        self.writer.probe({"host": urls.host_of(meta["origin"]), "url": meta["origin"],
                           "http_status": response.status, "redirected": bool(meta["chain"]), "title": title,
                           "text": text[:pageprobe.SAMPLE]})

    @staticmethod
    def _refusal(verdict: Verdict, offline_message: str) -> tuple[ErrorKind, str]:
        """What a target the scope gate refuses is recorded as (excluded, with the verdict's reason)."""
        if verdict.offline:
            return ErrorKind.OFFLINE, offline_message
        return ErrorKind.PROFILE_RULE, verdict.reason


    def _take_sitemap(self, url: str) -> bool:
        """One more sitemap file may be fetched (sitemap_max_files); a crawl cut if not."""
        if self.sitemap_files_left <= 0:
            self.cuts.add("sitemap_files", url, limit=self.job.crawl.sitemap_max_files)
            return False
        self.sitemap_files_left -= 1
        return True

    def _excluded(self, url: str, kind: ErrorKind, message: str, internal: bool) -> None:
        status, kind, message = classify.from_error(kind, message)
        self._result(url, status, error_kind=kind, error=message, internal=internal)

    def _result(self, url: str, status: LinkStatus, **fields: Any) -> None:
        """Record a target's result (written in the writer's next batch)."""
        self.counts["results"] += 1
        self._write(LinkResult(url=url, status=status, checked_at=_now(), **fields))

    def _write(self, result: LinkResult) -> None:
        self.writer.result(result)
        if "&" in result.url.partition("?")[2]:  # a query that another link may spell in another order
            self.said[result.url] = result
            for later in self.waiting.pop(result.url, ()):
                self._copy(result, later)

    def _spelt_before(self, target: str) -> str:
        """The target already met with the same identity under another query order ("" if none)."""
        if "&" not in target.partition("?")[2]:
            return ""
        first = self.first_spelling.setdefault(urls.identity(target), target)
        return "" if first == target else first

    def _same_page(self, target: str, first: str) -> None:
        """target is first with its query parameters in another order: not fetched again; its result is
        first's, now or when first has one."""
        self.counts["targets_same_page"] += 1
        if first in self.said:
            self._copy(self.said[first], target)
        else:
            self.waiting.setdefault(first, []).append(target)

    def _copy(self, result: LinkResult, target: str) -> None:
        self.counts["results"] += 1
        self.writer.result(replace(result, url=target, details={**(result.details or {}), "same_as": result.url}))

    # -- responses ---------------------------------------------------------------------------------
    # Scrapy calls these; each settles its request (see settle) after its own output is out.
    def on_response(self, response: Response):
        self._answered(response.request)
        try:
            yield from self._on_response(response)
        finally:
            if not response.meta.get("settled_by_parse"):
                self.settle(response.meta["kind"])

    def on_css(self, response: Response):
        try:
            yield from self._on_css(response)
        finally:
            self.settle(response.meta["kind"])

    def on_robots(self, response: Response):
        try:
            yield from self._on_robots(response)
        finally:
            self.settle(response.meta["kind"])

    def on_sitemap(self, response: Response):
        try:
            yield from self._on_sitemap(response)
        finally:
            self.settle(response.meta["kind"])

    def on_error(self, failure):
        self._answered(failure.request)
        try:
            return self._on_error(failure)
        finally:
            self.settle(failure.request.meta["kind"])

    def settle(self, kind: str) -> None:
        """A request of `kind` is done with, its new requests made. When no request that could store a
        page is left, every page and its links are written (here and by the parse workers) and the
        runner is told ("pages_stored"): checks that read no link results may start."""
        if kind not in PAGE_KINDS:
            return
        self.open_pages -= 1
        if kind == "page":  # its targets are in the frontier now
            self._release_to_engine()
        if self.open_pages == 0 and not self.pages_stored:
            self.pages_stored = True
            self.writer.flush()
            parsepool.flush_all(self._pages_flushed)

    def _received(self, response: Response, request: Request, spider=None) -> None:
        meta = request.meta
        if (meta.get("kind") == "page" and meta.get("internal") and 200 <= response.status < 300
                and _size(response) and is_html(_header(response, b"Content-Type"))):
            # The pattern budget counts the page now, as its place in the window is given up (the callback
            # comes 0.1 s later, by Scrapy's design): what is released next already sees it.
            self.budget.crawled(urls.normalize_url(response.url), self._content_key(response))
            meta["budgeted"] = True
        self._answered(request)

    def _answered(self, request: Request | None) -> None:
        """A request was answered (the downloader's response_received signal) or failed: a page's download
        slot is free. Scrapy calls a spider callback 0.1 s after its response (scrapy.utils.defer's
        _DEFER_DELAY), and a page held its place in the window until then and until parsed: at most
        window / 0.1 s pages a second, which halved an unchanged night (answers 304 in milliseconds).
        The slot is refilled now, but only up to the site's concurrency: the rest of the window waits
        for the parse, so that what the page links to (the 政府資訊公開 hub's children) competes for it.
        Counted once per request."""
        if request is None or request.meta.get("kind") != "page" or request.meta.get("answered"):
            return
        request.meta["answered"] = True
        self.pages_in_flight -= 1
        self._release_to_engine(self.concurrency)

    def _release_to_engine(self, limit: int | None = None) -> None:
        if self.frontier and self.crawler.engine is not None:
            for request in self._release(limit):
                self.crawler.engine.crawl(request)

    def shortest_depths(self) -> dict[str, int]:
        """The crawled pages whose depth, as crawled, is more than their clicks from the start page (pagers
        and meta refresh cost none) over the links of the crawled pages: a page requested from a deeper
        page before the nearer one that also links it was parsed. Corrected, a page's depth is the same
        every night, whatever order the parses came back in (and so an unchanged night's pages digest
        the same: govaudit/reuse.py)."""
        crawled = {**self.leaves_at, **{url: depth for url, (depth, _, _) in self.graph.items()}}
        best = dict(crawled)
        queue = [(best[url], url) for url in self.graph]
        heapq.heapify(queue)
        while queue:
            depth, url = heapq.heappop(queue)
            if depth > best[url]:
                continue
            for target in self.graph[url][1]:
                reach = depth + (0 if target in self.graph[url][2] else 1)
                if reach < best.get(target, -1):
                    best[target] = reach
                    if target in self.graph:  # a leaf links nothing further
                        heapq.heappush(queue, (reach, target))
        return {url: depth for url, depth in best.items() if depth < crawled[url]}

    def _pages_flushed(self, ok: bool) -> None:
        if ok:
            self.writer.set_depths(self.shortest_depths())
            self.depths_set = True
            parsepool.retire()  # no page is left to parse: the workers' memory goes back before checks start
            emit({"event": "pages_stored", "pages": self.counts["pages"]})

    def _on_response(self, response: Response):
        meta = response.meta
        chain = meta["chain"]
        if response.status in REDIRECTS and b"Location" in response.headers:
            yield from self._follow_redirect(response)
            return
        elapsed = meta.get("download_latency", 0.0)
        method = _method(response)
        if meta["kind"] == "check" and method == "HEAD" and response.status >= 400:
            # Many servers refuse or mishandle HEAD: ask again with GET before judging.
            yield self._request(response.url, kind="check", depth=meta["depth"], referrer=meta["referrer"],
                                origin=meta["origin"], chain=chain)
            return
        status, kind, message = classify.from_http(response.status, list(chain), self._accepted(response.url))
        if meta.get("retry_after_refused"):
            message += f" (asked to wait {meta['retry_after_refused']:.0f} s, more than links.retry_after_max)"
        final = urls.normalize_url(response.url)
        details: dict[str, Any] = {}
        if meta.get("scan") and 200 <= response.status < 300 and response.body:
            content_type = _header(response, b"Content-Type")
            title, text = pageprobe.summarize(response.body, content_type)
            details = {"title": title, "text": text[:pageprobe.SAMPLE]}
            hijacked = pageprobe.hijack_terms(title, text) if self.scan_bytes else None
            if hijacked:
                status, kind = LinkStatus.BROKEN, ErrorKind.HIJACKED
                message = f"the domain now serves {hijacked[0]} content ({'、'.join(hijacked[1][:5])})"
                details["hijack"] = {"kind": hijacked[0], "terms": hijacked[1]}
            if meta.get("anchors"):
                details["anchors"] = parse(decode(response.body, content_type)[0], final).anchors
        alias_of = self._alias_of(response, final)
        if alias_of:
            details["alias_of"] = alias_of  # the same page under another address: folded into that one
        self._result(meta["origin"], status, http_status=response.status, final_url=final,
                     redirect_chain=[list(h) for h in chain], error_kind=kind and kind.value,
                     error=message, method=method, elapsed=elapsed, internal=meta["internal"],
                     details=details)
        if meta["kind"] == "attachment" and 200 <= response.status < 300:
            yield from self._attachment(response, final)
            return
        if meta["kind"] == "page" and meta["internal"] and not alias_of:
            if final != meta["origin"]:
                if (final in self.seen or self._spelt_before(final)) and chain:
                    return  # reached by redirect, and crawled on its own already (in some query order)
                if chain and not 200 <= response.status < 300:
                    return  # a redirect to an error: one failure, on the link that points to it
                self.seen.add(final)
                if chain:  # the landing page is a target in its own right, reached without redirects
                    own, own_kind, own_message = classify.from_http(response.status, [], self.accepted)
                    self._result(final, own, http_status=response.status, final_url=final,
                                 error_kind=own_kind and own_kind.value, error=own_message, method=method,
                                 elapsed=elapsed, internal=True)
            yield from self._page(response, final)

    def _alias_of(self, response: Response, final: str) -> str:
        """The page already crawled with the same body as this one ("" if none): `/` and `/index.html`
        are one page. Only pages of the site answering 2xx HTML are compared."""
        meta = response.meta
        if meta["kind"] != "page" or not meta["internal"] or not 200 <= response.status < 300 or not _size(response):
            return ""
        if not is_html(_header(response, b"Content-Type")) or self.counts["pages"] >= self.max_pages:
            return ""
        digest = self._body_hash(response)
        first = self.bodies.setdefault(digest, final)
        if first == final:
            return ""
        self.counts["pages_folded"] += 1
        return first

    def _follow_redirect(self, response: Response):
        meta = response.meta
        location = _header(response, b"Location")
        chain = meta["chain"]
        try:
            nxt = urls.normalize_url(location, response.url)
        except urls.InvalidURL:
            nxt = ""
        hop = (response.status, nxt or location)
        chain = (*chain, hop)
        visited = {meta["origin"], *(url for _, url in chain[:-1])}
        fail = None
        if not nxt:
            fail = (ErrorKind.INVALID_URL, f"HTTP {response.status} to an unusable Location {location!r}")
        elif nxt in visited:
            fail = (ErrorKind.REDIRECT_LOOP, f"redirect loop after {len(chain)} hops")
        elif len(chain) > self.max_redirects:
            fail = (ErrorKind.TOO_MANY_REDIRECTS, f"more than {self.max_redirects} redirects")
        if not fail:
            next_kind = "check" if meta["kind"] == "page" and not self.gate.is_site(nxt) else meta["kind"]
            if not (verdict := self.gate.allows(nxt, next_kind)):
                fail = self._refusal(verdict, "offline: redirects to a host that is not contacted")
        if fail:
            status, kind, message = classify.from_error(*fail)
            self._result(meta["origin"], status, http_status=response.status, final_url=nxt or None,
                         redirect_chain=[list(h) for h in chain], error_kind=kind.value, error=message,
                         method=_method(response), internal=meta["internal"])
            return
        request_kind = meta["kind"]
        if request_kind == "page" and not self.gate.is_site(nxt):
            request_kind = "check"  # left the site: verify it, do not crawl it
        method = "GET" if response.status == 303 or _method(response) == "GET" else "HEAD"
        request = self._request(nxt, kind=request_kind, depth=meta["depth"], referrer=meta["referrer"], method=method,
                                origin=meta["origin"], chain=chain)
        request.meta["internal"] = meta["internal"]  # the link's own scope, not the hop's
        yield request

    def note_anchored(self, anchored: list[str]) -> None:
        """Targets a page links with a #fragment: external ones are read for anchors when asked to
        (before collect() decides how to fetch them)."""
        if self.external_anchors:
            self.want_anchors.update(t for t in anchored if not self.gate.is_site(t))

    def _page(self, response: Response, url: str):
        meta = response.meta
        content_type = _header(response, b"Content-Type")
        headers = _kept_headers(response)
        size = _size(response)  # (a 304's stored body is not read for it: see revalidate.Baseline.response)
        html = is_html(content_type) and size > 0
        # As fetched: parsing (here or in a parse worker) fills in charset, lang, title, ...
        page = Page(
            url=url, requested_url=meta["origin"], http_status=response.status, content_type=content_type,
            headers=headers, depth=meta["depth"], referrer=meta["referrer"], size=size,
            elapsed=meta.get("download_latency", 0.0), fetched_at=_now(),
            body_hash=self._body_hash(response) if html else None,
        )
        if response.status >= 500:
            self.counts["page_errors"] += 1
        if 200 <= response.status < 300 and is_html(content_type) and self.counts["pages"] >= self.max_pages:
            self.cuts.add("max_pages", url, limit=self.max_pages)  # checked above, not crawled
            return
        if not html or not 200 <= response.status < 300:
            self.leaves_at[url] = meta["depth"]
            self.writer.page(page, response.body if html else b"", [])
            return
        self.counts["pages"] += 1  # crawled = answered 2xx with HTML and parsed
        if not meta.get("budgeted"):
            self.budget.crawled(url, self._content_key(response))
        # the page row keeps its content key: a 304 tomorrow takes it instead of reading the body again
        page = replace(page, facts={traps.FACTS: {"content_key": self._content_key(response)}})
        item = parsepool.ParseItem(page, b"", content_type, meta["depth"] + 1, meta.get("pager", 0),
                                   bool(meta.get("hub")))
        stored = self._reusable(response)
        if parsepool.POOL is not None:  # a worker process parses and stores it (crawler/parsepool.py)
            if stored is not None:  # unchanged since the baseline run (304): the worker reads its stored parse
                assert self.baseline is not None  # (and, should it parse the page again, its stored body)
                item = replace(item, stored=stored, baseline_run=self.baseline.run_id)
            else:
                item = replace(item, body=response.body)
            meta["settled_by_parse"] = True  # ParsePipeline settles it once its targets are collected
            yield item
            return
        body = response.body
        reparsed = self._reparsed(stored, page) if stored is not None else None
        # Unchanged since the baseline run (304): its stored parse stands, the body is stored already. (A page
        # cut at max_links_per_page is parsed again, so that tonight's crawl cuts name it too.)
        if reparsed is not None and len(reparsed.links) < self.max_links:
            parsed, found = parsepool.found(reparsed, self.max_links)
            requests = list(self.schedule(found, item))
            self.writer.page(parsed.page, None, parsed.links)
            yield from requests
            return
        parsed, found = parsepool.found(parsepool.extract_page(page, body, content_type, self.analyzers),
                                        self.max_links)
        requests = list(self.schedule(found, item))
        # the page (and its links) before the results that point at them
        self.writer.page(parsed.page, body, parsed.links)
        yield from requests

    def _attachment(self, response: Response, url: str):
        """A download of the site (PDF, ODF, OOXML): stored as a page row, its links checked with it as source."""
        meta = response.meta
        content_type = _header(response, b"Content-Type")
        kind = attachments.kind_of(content_type, url)
        if meta.get("truncated") or not kind or not response.body:
            return  # too big to read (its link was still checked), or not a document after all
        headers = _kept_headers(response)
        body = response.body
        page = Page(
            url=url, requested_url=meta["origin"], http_status=response.status, content_type=content_type or kind,
            headers=headers, depth=meta["depth"], referrer=meta["referrer"], size=len(body),
            elapsed=meta.get("download_latency", 0.0), fetched_at=_now(),
            body_hash=hashlib.sha256(body).hexdigest(), facts={"attachment": kind},
        )
        self.leaves_at[url] = meta["depth"]  # a page row too: its depth is corrected with the pages'
        if (stored := self._reusable(response)) is not None and (kept := self._reparsed(stored, page)) is not None:
            links = kept.links  # unchanged (304): its links as stored
        else:
            stored = None
            _, raw_links = attachments.extract(body, content_type, url, want_text=False)
            links = [Link(url, target, fragment, raw.text, raw.tag, raw.attr, raw.rel, raw.line, position)
                     for position, (target, fragment, raw) in enumerate(resolve(Extracted(links=raw_links), url))]
        requests = []
        for link in links:
            requests.extend(self.collect(link.target, depth=meta["depth"] + 1, referrer=url))
        self.writer.page(page, None if stored else body, links)
        yield from requests

    @staticmethod
    def _body_hash(response: Response) -> str:
        """sha256 of the body: the baseline's for a 304 (its body is the stored one), computed once else."""
        meta = response.meta
        if "body_hash" not in meta:
            stored = revalidate.reused(response)
            meta["body_hash"] = stored.body_hash if stored is not None and stored.body_hash \
                else hashlib.sha256(response.body).hexdigest()
        return meta["body_hash"]

    @staticmethod
    def _content_key(response: Response) -> str:
        """The pattern budget's key of a page's body (crawler/traps.py): the baseline page's for a 304,
        computed once else (the regular expressions over a whole page are most of a 304's cost here)."""
        meta = response.meta
        if "content_key" not in meta:
            stored = revalidate.reused(response)
            kept = (stored.facts.get(traps.FACTS) or {}).get("content_key") if stored is not None else None
            meta["content_key"] = kept or traps.content_key(response.body)
        return meta["content_key"]

    def _reusable(self, response: Response) -> PageHead | None:
        """The baseline's page when tonight's answer was a 304 and its stored parse may be taken:
        the same tool version and profile parsed it (the runner says so in job.reuse_parsed)."""
        stored = revalidate.reused(response)
        if stored is None or self.baseline is None or not self.job.reuse_parsed:
            return None
        self.counts["pages_reused"] += 1
        return stored

    def _reparsed(self, stored: PageHead, page: Page) -> parsepool.Parsed | None:
        """The stored parse of an unchanged page, as tonight's page (tonight's depth, referrer, time); None
        if the baseline's row is gone."""
        assert self.baseline is not None
        full = self.baseline.full(stored.url)
        return None if full is None else parsepool.reparsed(full, page, self.baseline.links(stored.url))

    def _on_css(self, response: Response):
        """The site's own stylesheet: checked like any target, then the url()s and @imports it names."""
        meta = response.meta
        if response.status in REDIRECTS and b"Location" in response.headers:
            yield from self._follow_redirect(response)
            return
        chain = meta["chain"]
        status, kind, message = classify.from_http(response.status, list(chain), self._accepted(response.url))
        self._result(meta["origin"], status, http_status=response.status, final_url=urls.normalize_url(response.url),
                     redirect_chain=[list(h) for h in chain], error_kind=kind and kind.value, error=message,
                     method="GET", elapsed=meta.get("download_latency", 0.0), internal=meta["internal"])
        if not 200 <= response.status < 300 or not response.body:
            return
        source = urls.normalize_url(response.url)
        text = decode(response.body, _header(response, b"Content-Type") or "text/css")[0]
        links, requests = [], []
        for position, ref in enumerate(css_refs(text)):
            try:
                target, fragment = urls.normalize(ref.url, source)
            except urls.InvalidURL:
                target, fragment = "invalid:" + ref.url[:500], ""
            links.append(Link(source, target, fragment, "", "css", "import" if ref.kind == "import" else "url", "",
                              ref.line, position))
            requests.extend(self.collect(target, depth=meta["depth"], referrer=source))
        self.writer.links(links)
        yield from requests

    def closed(self, reason: str) -> None:
        if self.baseline is not None:
            self.baseline.close()
        if reason == "closespider_timeout":
            self.cuts.add("time", limit=int(self.job.crawl.max_seconds))
        pages = self.counts["pages"]
        if "max_pages" in self.cuts and pages >= traps.CROWDED_MIN_PAGES:
            # max_pages spent mostly under one pattern: a trap the URL rules did not name (a query explosion)
            pattern, n = self.budget.pages.most_common(1)[0]
            if n > pages * traps.CROWDED_SHARE:
                self.cuts.add("crowded", pattern, limit=self.max_pages, count=n, total=pages)

    def _on_robots(self, response: Response):
        if response.status != 200:
            yield from self._sitemap_requests([], response.url)
            return
        found: list[str] = []
        for line in response.body.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                try:
                    url = urls.normalize_url(value.strip(), response.url)
                except urls.InvalidURL:
                    continue
                if url not in found:
                    found.append(url)
        limit = self.job.crawl.sitemap_max_files
        if len(found) > limit:  # 20,000 Sitemap: lines are not 20,000 links to record and fetch
            self.cuts.add("sitemap_files", found[limit], limit=limit, count=len(found) - limit)
            found = found[:limit]
        yield from self._sitemap_requests(found, response.url)

    def _sitemap_requests(self, listed: list[str], robots_url: str):
        if not listed:  # the conventional place; not a link anyone made, so not reported if absent
            url = urls.normalize_url("/sitemap.xml", self.start_url)
            if self._take_sitemap(url):
                yield self._sitemap_request(url, referrer="", depth=0)
            return
        listed = [url for url in listed if url not in self.seen]
        links = [Link(robots_url, url, "", "", "robots", "sitemap", "", 0, i) for i, url in enumerate(listed)]
        self.writer.links(links)
        for url in listed:
            self.seen.add(url)
            verdict = self.gate.allows(url, Kind.SITEMAP)
            if not verdict:  # a robots.txt may not send the crawl to another host (or off loopback)
                self._excluded(url, *self._refusal(verdict, verdict.reason), self.gate.is_site(url))
            elif self._take_sitemap(url):
                yield self._sitemap_request(url, referrer=robots_url, depth=0)

    def _sitemap_request(self, url: str, *, referrer: str, depth: int) -> Request:
        request = self._request(url, kind="sitemap", depth=0, referrer=referrer, callback=self.on_sitemap)
        request.meta["sitemap_depth"] = depth  # index levels below robots.txt's sitemaps / /sitemap.xml
        return request

    def _on_sitemap(self, response: Response):
        meta = response.meta
        if meta["referrer"]:  # listed in robots.txt: report it like any link
            status, kind, message = classify.from_http(response.status, list(meta["chain"]), self.accepted)
            self._result(meta["origin"], status, http_status=response.status, error_kind=kind and kind.value,
                         error=message, method="GET", internal=meta["internal"])
        if response.status in REDIRECTS or response.status != 200:
            return
        source = urls.normalize_url(response.url)
        crawl = self.job.crawl
        if self.sitemap_entries_left <= 0:
            self.cuts.add("sitemap_entries", source, limit=crawl.sitemap_max_entries)
            return
        sitemap = parse_sitemap(response.body, max_bytes=self.sitemap_max_bytes,
                                max_entries=self.sitemap_entries_left)
        self.sitemap_entries_left -= len(sitemap.nested) + len(sitemap.pages)
        if sitemap.too_big:
            self.cuts.add("sitemap_bytes", source, limit=crawl.sitemap_max_bytes)
        if sitemap.more_entries:
            self.cuts.add("sitemap_entries", source, limit=crawl.sitemap_max_entries)
        depth = meta.get("sitemap_depth", 0) + 1
        if sitemap.nested and depth > self.sitemap_max_depth:
            own = [u for u in self._sitemap_urls(sitemap.nested, response.url) if self.gate.allows(u, Kind.SITEMAP)]
            if own:  # (those on other hosts were never to be read)
                self.cuts.add("sitemap_depth", min(own), limit=self.sitemap_max_depth, count=len(own))
            sitemap.nested = []
        for raw in sitemap.nested:  # a sitemap index: only the site's own sitemaps, within the budgets
            try:
                url = urls.normalize_url(raw, response.url)
            except urls.InvalidURL:
                continue
            if url not in self.seen and self.gate.allows(url, Kind.SITEMAP):
                self.seen.add(url)
                if not self._take_sitemap(url):
                    continue
                yield self._sitemap_request(url, referrer=source, depth=depth)
        links, requests = [], []
        for position, (loc, line) in enumerate(sitemap.pages):
            try:
                target, fragment = urls.normalize(loc)
            except urls.InvalidURL:
                target, fragment = "invalid:" + loc[:500], ""
            links.append(Link(source, target, fragment, "", "sitemap", "loc", "", line, position))
            requests.extend(self.collect(target, depth=1, referrer=source))
        self.writer.links(links)
        yield from requests

    @staticmethod
    def _sitemap_urls(nested: list[str], base: str) -> list[str]:
        out = []
        for raw in nested:
            try:
                out.append(urls.normalize_url(raw, base))
            except urls.InvalidURL:
                continue
        return out

    def _on_error(self, failure):
        request = failure.request
        meta = request.meta
        exc = failure.value
        if meta["kind"] == "probe" or (meta["kind"] in ("robots", "sitemap") and not meta.get("referrer")):
            return  # our own probes: their absence is not a finding
        if isinstance(exc, OutOfScope):  # the scope gate dropped it (crawler/scopegate.py)
            kind, message = self._refusal(exc.verdict, exc.verdict.reason)
        elif isinstance(exc, OverBudget):  # a request budget refused it (crawler/budget.py)
            kind, message = ErrorKind.CRAWL_LIMIT, str(exc)
        elif isinstance(exc, IgnoreRequest) and "robots" in str(exc).lower():
            kind, message = ErrorKind.ROBOTS, "disallowed by robots.txt"
        else:
            kind = classify.error_kind(exc)
            message = f"{type(exc).__name__}: {exc}"[:500]
        if meta["kind"] == "page" and meta["internal"]:
            self.counts["page_errors"] += 1
        status, kind, message = classify.from_error(kind, message)
        self._result(meta["origin"], status, error_kind=kind.value, error=message, method=request.method,
                     redirect_chain=[list(h) for h in meta["chain"]], internal=meta["internal"])
