"""The one scope decision every request of a run passes: pages, link checks, robots.txt, sitemaps,
redirect hops, attachments, the soft-404 probe and the hosts Chromium may resolve.

Decided from the URL alone (no DNS), a pure function:

- only http(s) is ever requested, and no URL longer than MAX_URL_LENGTH characters (a trap that
  grows its URLs each hop ends there, and outputs cannot grow with it);
- offline, only loopback hosts (`urls.is_loopback`: localhost, 127.0.0.0/8, ::1) — 0.0.0.0 is not one;
- robots.txt and sitemaps (from robots.txt `Sitemap:` lines, sitemap indexes, and every redirect hop on
  the way to one) only on the site's own hosts (the start URL's host and `site.scope_hosts`), online or
  off: a hostile robots.txt cannot make the crawl fetch another host;
- the 無障礙標章's certificate page (crawler/certificate.py) only on a certificate host
  (`links.certificate_hosts`), whatever the link-check rules say of that host.

The crawler enforces it at one choke point (crawler/scopegate.py, a downloader middleware every request
passes, Scrapy's own robots.txt requests included); the spider asks it first to record why a target was
not fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from govaudit import urls

if TYPE_CHECKING:
    from collections.abc import Iterable

    from govaudit.jobs import CrawlJob


class Kind(StrEnum):
    """What a request is for (the crawler's request kinds, plus the browser's page loads)."""

    PAGE = "page"
    CHECK = "check"  # a link target's check (HEAD, or a bounded GET)
    ATTACHMENT = "attachment"
    ROBOTS = "robots"
    SITEMAP = "sitemap"
    PROBE = "probe"  # the soft-404 probe
    SEARCH = "search"  # the site-search query submitted after the crawl (crawler/sitesearch.py)
    REDIRECT = "redirect"  # a hop of a request whose own kind is not known
    BROWSER = "browser"  # a host headless Chromium may resolve
    CERTIFICATE = "certificate"  # the 無障礙標章's certificate page read after the crawl (crawler/certificate.py)


# Longer URLs are not requested: 2,048 is what sitemaps allow and about what browsers and servers take
# (IIS 2,048 in its default query limit, IE 2,083); a page's real links stay far below it.
MAX_URL_LENGTH = 2048

# Requests that only the site itself may answer: a robots.txt or sitemap elsewhere is not the site's.
OWN_HOSTS_ONLY = frozenset({Kind.ROBOTS, Kind.SITEMAP})


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # why not ("" when allowed)
    offline: bool = False  # refused because the run is offline (recorded as `excluded: offline`)

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


@dataclass(frozen=True)
class Scope:
    hosts: frozenset[str]  # the site's hosts, as urls.host_of spells them (host[:port], lower case)
    offline: bool = False
    certificate_hosts: frozenset[str] = frozenset()  # where a Kind.CERTIFICATE request may go

    @classmethod
    def of(cls, start_url: str, scope_hosts: Iterable[str] = (), *, offline: bool = False,
           certificate_hosts: Iterable[str] = ()) -> Scope:
        return cls(frozenset({urls.host_of(start_url)} | {h.lower() for h in scope_hosts}), offline,
                   frozenset(h.lower() for h in certificate_hosts))

    @classmethod
    def from_job(cls, job: CrawlJob) -> Scope:
        return cls.of(job.start_url, job.scope_hosts, offline=job.offline,
                      certificate_hosts=job.links.certificate_hosts)

    def is_site(self, url: str) -> bool:
        """url is on one of the site's own hosts."""
        return urls.host_of(url) in self.hosts

    def allows(self, url: str, kind: Kind | str) -> Verdict:
        scheme = urls.scheme_of(url)
        if scheme not in urls.HTTP_SCHEMES:
            return Verdict(False, f"not fetched: {scheme or 'no'} scheme")
        if len(url) > MAX_URL_LENGTH:
            return Verdict(False, f"not fetched: the URL is {len(url)} characters long, over {MAX_URL_LENGTH}")
        host = urls.host_of(url)
        if self.offline and not urls.is_loopback(url):
            return Verdict(False, f"offline: {host or 'no host'} is not a loopback host", offline=True)
        if kind in OWN_HOSTS_ONLY and host not in self.hosts:
            return Verdict(False, f"out of scope: a {kind} on {host or 'no host'}, not one of the site's hosts")
        if kind == Kind.CERTIFICATE and host not in self.certificate_hosts:
            return Verdict(False, f"out of scope: {host or 'no host'} is not a certificate host (links.certificate_hosts)")
        return ALLOWED


def offline_allows(url: str) -> bool:
    """What any offline run may contact, whatever its site: a loopback http(s) URL."""
    return Scope(frozenset(), offline=True).allows(url, Kind.BROWSER).allowed
