"""The jobs the runner hands to its stage processes: the only things that cross a process boundary.

`python -m govaudit.crawler --job JOB.json` reads a CrawlJob, `python -m govaudit.crawler.browser --job
JOB.json` a BrowserJob. Their JSON form is derived from the types (pydantic), and a CrawlJob carries the
profile's own crawl and link settings, so no field or default is written down twice.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict

from govaudit import __version__
from govaudit.chromium import BrowserConfig
from govaudit.plugins import BrowserTarget
from govaudit.profile import Audit, Crawl, Links, Profile

# A stage process that cannot write to the store because the disk is full exits with this code, after one
# line on stderr, at its first failed write (going on would only fail every later write too).
EXIT_DISK_FULL = 6


class _Job(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        return cls.model_validate_json(text)


class CrawlJob(_Job):
    """One crawl of a site into run `run_id` of the store at `store`."""

    store: str  # the store's URL (open_store)
    run_id: int
    site: str  # the run's site name: link history and the cache are kept per site
    start_url: str  # normalised
    scope_hosts: tuple[str, ...] = ()  # extra hosts crawled as part of the site
    offline: bool = False  # no request leaves loopback
    crawl: Crawl
    links: Links
    audit: Audit = Audit()  # audit.as_of: the calendar-trap window reaches a pinned day's year (crawler/traps.py)
    tool_version: str = __version__
    analyzers: tuple[str, ...] = ()  # ids of the checks whose page analyzers run on every parsed page
    # `govaudit recheck`: check only these targets, each as a link (no page crawled, no sitemap)
    recheck: tuple[str, ...] = ()
    # An incremental night (crawler/revalidate.py): pages are revalidated against this completed run, and
    # with reuse_parsed an unchanged page's stored parse (links, metadata, page facts) is taken as it is.
    revalidate_from: int | None = None
    reuse_parsed: bool = False
    recheck_cached: bool = False  # a forced full night: external targets checked again (the cache refreshed)

    @classmethod
    def from_profile(cls, profile: Profile, *, store: str, run_id: int, site: str, start_url: str,
                     offline: bool, analyzers: tuple[str, ...]) -> CrawlJob:
        return cls(store=store, run_id=run_id, site=site, start_url=start_url,
                   scope_hosts=profile.site.scope_hosts, offline=offline, crawl=profile.crawl,
                   links=profile.links, audit=profile.audit, analyzers=analyzers)

    @property
    def user_agent(self) -> str:
        return self.crawl.user_agent.format(version=self.tool_version)


class BrowserJob(_Job):
    """The pages one browser check sampled, to test with axe-core into run `run_id` of the store."""

    store: str
    run_id: int
    check_id: str
    targets: tuple[BrowserTarget, ...]
    workers: int  # browsers at once
    config: BrowserConfig
    # govaudit a11y: no crawl stored the pages, so the stage records them (with their page facts)
    record_pages: bool = False
    # An incremental night: a page whose body is unchanged since this run keeps its results from it, when
    # the browser and the engines are the same versions (crawler/browser.py)
    reuse_from: int | None = None
