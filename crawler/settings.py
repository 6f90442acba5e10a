"""Scrapy settings built from a crawl job (the validated profile plus run parameters)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from govaudit import urls

if TYPE_CHECKING:  # this module is imported before the reactor is installed: keep it light
    from govaudit.jobs import CrawlJob

# Twisted's own epoll reactor, not Scrapy's default asyncio one: the crawl awaits nothing of asyncio, and
# with the asyncio reactor Scrapy looks the event loop up (under catch_warnings) for every coroutine it
# wraps, tens of thousands of times a crawl.
REACTOR = "twisted.internet.epollreactor.EPollReactor"
LOG_LEVEL = "WARNING"  # Scrapy's own lines: only what goes wrong


def _proxy_in_environment() -> bool:
    # What urllib's getproxies() reads on POSIX, without importing urllib.request (and email, http.client).
    return any(value for key, value in os.environ.items()
               if key.lower().endswith("_proxy") and key.lower() != "no_proxy")


def scrapy_settings(job: CrawlJob) -> dict[str, Any]:
    crawl, links = job.crawl, job.links
    own: dict[str, float] = {"concurrency": crawl.concurrency, "delay": crawl.delay}
    own_hosts = {urls.hostname_of(job.start_url)} | {h.split(":")[0] for h in job.scope_hosts}
    slots = {host: own for host in own_hosts}
    for host, rule in links.hosts.items():  # per-host rules (slots are keyed by host name)
        name = host.split(":")[0].lower()
        base = slots.get(name, {"concurrency": links.external_concurrency, "delay": links.external_delay})
        slots[name] = {"concurrency": rule.concurrency or base["concurrency"],
                       "delay": base["delay"] if rule.delay is None else rule.delay}
    return {
        **FIXED,
        "GOVAUDIT_JOB": job,  # read by the middlewares (crawler/retry.py)
        "USER_AGENT": job.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS_PER_DOMAIN": links.external_concurrency,
        "DOWNLOAD_DELAY": links.external_delay,
        "DOWNLOAD_SLOTS": slots,
        "DOWNLOAD_TIMEOUT": links.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOADER_MIDDLEWARES": {
            **FIXED["DOWNLOADER_MIDDLEWARES"],
            # A proxy from the environment is honoured, except offline: no request may leave loopback.
            "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": (
                None if job.offline or not _proxy_in_environment() else 750),
            # Incremental nights: conditional requests against the last completed run (crawler/revalidate.py)
            # after the scope gate, the budgets and the retries (a retried request is asked conditionally again),
            # and below the download counter (850), which so counts a 304 as what it was, not as the page.
            "govaudit.crawler.revalidate.RevalidateMiddleware": 800 if job.revalidate_from else None,
        },
        "CLOSESPIDER_TIMEOUT": crawl.max_seconds,
        "DNS_TIMEOUT": min(links.connect_timeout, links.timeout, 30),
        # Scrapy's HTTP cache with govaudit's policy and storage; enabled only for an incremental night.
        "HTTPCACHE_ENABLED": bool(job.revalidate_from),
    }


# What does not depend on the job.
FIXED: dict[str, Any] = {
    "BOT_NAME": "govaudit",
    "TWISTED_REACTOR": REACTOR,
    "ITEM_PIPELINES": {"govaudit.crawler.pipelines.ParsePipeline": 300},
    # Politeness: our own site and every external host have separate slots and limits (DOWNLOAD_SLOTS).
    "CONCURRENT_REQUESTS": 64,
    # Scrapy runs a callback's output through CONCURRENT_ITEMS cooperative tasks per response (100 by
    # default: a hundred Deferreds for the one page item a response yields). Measured in the bench.
    "CONCURRENT_ITEMS": 4,
    "DOWNLOAD_WARNSIZE": 0,
    # Retries with backoff and Retry-After (crawler/retry.py) replace Scrapy's immediate ones.
    "RETRY_ENABLED": False,
    # Only http(s) is ever requested (other schemes are judged by their syntax in the spider): the
    # other handlers are not even imported.
    "DOWNLOAD_HANDLERS": {"http": "govaudit.crawler.retry.DownloadHandler", "https": "govaudit.crawler.retry.DownloadHandler",
                          "data": None, "file": None, "s3": None, "ftp": None},
    # Redirects are followed by the spider (hop-by-hop chains, loop detection), depth and
    # off-site handling are its own too.
    "DOWNLOADER_MIDDLEWARES": {
        # One middleware of ours sets every request's defaults and counts downloads (crawler/defaults.py).
        "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
        "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": None,
        "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware": None,
        "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
        "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
        "govaudit.crawler.defaults.RequestDefaultsMiddleware": 850,
        # Every request passes the scope gate first (crawler/scopegate.py, govaudit/scope.py).
        "govaudit.crawler.scopegate.ScopeGateMiddleware": 50,
        # Then the request budgets (crawler/budget.py); the time budget is CLOSESPIDER_TIMEOUT.
        "govaudit.crawler.budget.BudgetMiddleware": 60,
        "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,  # (the job decides)
        "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
        "govaudit.crawler.revalidate.RevalidateMiddleware": 800,  # (the job decides)
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "govaudit.crawler.retry.BackoffRetryMiddleware": 550,
        # Cookies with bounds on their size, number and header (crawler/cookies.py)
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
        "govaudit.crawler.cookies.BoundedCookiesMiddleware": 700,
    },
    "SPIDER_MIDDLEWARES": {
        "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware": None,  # every status is ours to judge
        "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    },
    "COOKIES_ENABLED": True,
    "REFERER_ENABLED": False,  # the spider sets Referer to the linking page itself
    "TELNETCONSOLE_ENABLED": False,
    # Scrapy reads each callback's source for a `return value` in a generator, once per response: a
    # developer's warning, 2 % of the crawl process's work on an unchanged night.
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    "LOG_LEVEL": LOG_LEVEL,
    "LOG_FORMAT": "crawler %(levelname)s %(name)s: %(message)s",
    "STATS_DUMP": False,
    "MEMUSAGE_ENABLED": False,
    "HTTPCACHE_POLICY": "govaudit.crawler.revalidate.AuditPolicy",
    "HTTPCACHE_STORAGE": "govaudit.crawler.revalidate.StoreStorage",
}

# Settings naming one class, and settings naming components, that Scrapy loads when a crawl starts.
_CLASSES = ("DOWNLOADER", "SCHEDULER", "SCHEDULER_PRIORITY_QUEUE", "SCHEDULER_MEMORY_QUEUE",
            "SCHEDULER_START_MEMORY_QUEUE", "DUPEFILTER_CLASS", "STATS_CLASS", "LOG_FORMATTER", "DNS_RESOLVER",
            "DOWNLOADER_CLIENTCONTEXTFACTORY", "ROBOTSTXT_PARSER", "REQUEST_FINGERPRINTER_CLASS", "ITEM_PROCESSOR",
            "HTTPCACHE_POLICY", "HTTPCACHE_STORAGE")
_COMPONENTS = ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS", "ITEM_PIPELINES")


def preload() -> list[str]:
    """Import what Scrapy loads by name when a crawl starts: its components, scheduler and queues, and
    what they import (the cookie middleware's tldextract and requests, ...). A crawl process started
    ahead of its job (`--wait`) does it while the runner checks the start page: done after the job came,
    it was 0.46 s of a py-spy profile's samples before the first request (now 0.09-0.12 s from the job to
    that request). The names loaded."""
    from scrapy.settings import Settings  # noqa: PLC0415  (after the reactor is installed)
    from scrapy.utils.conf import build_component_list  # noqa: PLC0415
    from scrapy.utils.misc import load_object  # noqa: PLC0415

    settings = Settings(FIXED)
    names = [settings[name] for name in _CLASSES]
    for name in _COMPONENTS:
        names += build_component_list(settings.getwithbase(name))
    names += [path for path in settings.getwithbase("DOWNLOAD_HANDLERS").values() if path]
    for name in names:
        load_object(name)
    return names
