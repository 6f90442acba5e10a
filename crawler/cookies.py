"""Cookies with bounds: a site that sets dozens of new 4 KB cookies on every answer must neither grow the
crawl's memory nor make our own Cookie header so big that the site answers 400 to every later request
(and the start page looks broken).

Scrapy's cookie middleware, with three limits: a cookie over MAX_COOKIE_BYTES is not kept (RFC 6265
asks a client to store at least 4096 bytes per cookie, not more), a domain holds at most MAX_PER_DOMAIN
cookies and the jar MAX_TOTAL (new ones beyond are not kept; one that replaces a kept cookie is), and a
Cookie header over MAX_HEADER_BYTES is not sent (the request goes without cookies). Counted in the crawl
stats under `cookies/`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from tldextract import TLDExtract

if TYPE_CHECKING:
    from http.cookiejar import Cookie

    from scrapy.http.cookies import CookieJar

MAX_COOKIE_BYTES = 4096  # name + value
MAX_PER_DOMAIN = 50  # RFC 6265: at least 50 per domain
MAX_TOTAL = 3000  # RFC 6265: at least 3000 in all
MAX_HEADER_BYTES = 8192  # a common server limit for one request header line (Apache, nginx)


# Scrapy asks tldextract whether a cookie's domain is a public suffix, and tldextract downloads the Public
# Suffix List from raw.githubusercontent.com on first use: a request outside the crawl's scope (offline,
# outside loopback), found by the adversarial site's cookie flood. The list bundled with tldextract instead.
scrapy_cookies._split_domain = TLDExtract(cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True)


class BoundedCookiesMiddleware(CookiesMiddleware):
    def __init__(self, debug: bool = False, stats: Any = None):
        super().__init__(debug)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.stats = crawler.stats
        return middleware

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"cookies/{key}")

    def _process_cookies(self, cookies: Iterable[Cookie], *, jar: CookieJar, request) -> None:
        kept = {(c.domain.lstrip("."), c.path, c.name) for c in jar.jar}
        per_domain = Counter(domain for domain, _, _ in kept)
        allowed = []
        for cookie in cookies:
            domain = cookie.domain.lstrip(".")
            if len(cookie.name) + len(cookie.value or "") > MAX_COOKIE_BYTES:
                self._count("too_big")
                continue
            if (domain, cookie.path, cookie.name) not in kept:
                if per_domain[domain] >= MAX_PER_DOMAIN or len(kept) >= MAX_TOTAL:
                    self._count("over_limit")
                    continue
                kept.add((domain, cookie.path, cookie.name))
                per_domain[domain] += 1
            allowed.append(cookie)
        super()._process_cookies(allowed, jar=jar, request=request)

    def process_request(self, request, spider=None):
        result = super().process_request(request, spider)
        header = request.headers.get(b"Cookie")
        if header is not None and len(header) > MAX_HEADER_BYTES:
            del request.headers[b"Cookie"]
            self._count("header_dropped")
        return result
