"""The site generator: `build_site(options)` makes every response of the demo agency in memory.

Sections live in their own modules (pages_*.py, oddities.py); each adds pages, files, redirects and
notes to a `SiteBuilder`. The result is a `Site` whose `respond()` serves both the HTTP server and
the ground-truth crawler, so the truth can never drift from what the server really does.

Later variants (no disclosure hub, Art. 7 items spread over the menus, synonym labels) become new
`SiteOptions.variant` values that section builders read from `b.options`: the Art. 7 labels and
paths are data (content.GOV_INFO), as is the main menu (layout.ZH_NAV), and the truth follows by
itself because it is crawled, not listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from govaudit.demo import (
    files,
    layout,
    oddities,
    pages_about,
    pages_en,
    pages_govinfo,
    pages_news,
    pages_participation,
    pages_services,
    pages_zh,
    search,
    variants,
)
from govaudit.demo.layout import Page
from govaudit.demo.response import NOT_FOUND, Response

VARIANTS = tuple(variants.VARIANTS)

Dynamic = Callable[[str], Response | None]  # query string -> response, None for 404


@dataclass(frozen=True)
class SiteOptions:
    base_url: str  # "http://127.0.0.1:PORT/"
    today: dt.date
    external: Mapping[str, str]  # external host key (see demo.external.HOSTS) -> "http://127.0.0.N:PORT/"
    variant: str = "default"

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown demo variant {self.variant!r}; known: {', '.join(VARIANTS)}")
        if not self.base_url.endswith("/"):
            raise ValueError("base_url must end with '/'")


class Site:
    def __init__(
        self,
        options: SiteOptions,
        resources: dict[str, Response],
        dynamic: dict[str, Dynamic],
        notes: dict[str, Any],
    ) -> None:
        self.options = options
        self.resources = resources  # "path" or "path?query" -> response
        self.dynamic = dynamic  # path -> handler of its query string (the calendar)
        self.notes = notes  # facts the sections declare for the ground truth

    def respond(self, target: str) -> Response:
        """The GET response for a request target such as "/news/?page=2"."""
        path, _, query = target.partition("?")
        found = self.resources.get(f"{path}?{query}" if query else path)
        if found is not None:
            return found
        if path in self.dynamic:
            return self.dynamic[path](query) or NOT_FOUND
        # Like most CMSs, an unknown query string on a known page still shows the page.
        return self.resources.get(path, NOT_FOUND) if query else NOT_FOUND


class SiteBuilder:
    def __init__(self, options: SiteOptions) -> None:
        self.options = options
        self.today = options.today
        self.resources: dict[str, Response] = {}
        self.dynamic: dict[str, Dynamic] = {}
        self.notes: dict[str, Any] = {"pages_without_metadata": []}
        self.variant = variants.VARIANTS[options.variant]
        self.titles: dict[str, str] = {}  # Chinese page path -> title: what the site search finds (demo/search.py)

    def ext(self, key: str, path: str = "") -> str:
        """Absolute URL on one of the external demo hosts."""
        return self.options.external[key] + path.lstrip("/")

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def url(self, path: str) -> str:
        """Absolute URL on the site itself (only where a real site would write one: robots, sitemap)."""
        return self.options.base_url + path.lstrip("/")

    def add(self, path: str, response: Response) -> None:
        if path in self.resources:
            raise ValueError(f"two resources at {path}")
        self.resources[path] = response

    def page(self, page: Page) -> None:
        if not page.metadata:
            self.notes["pages_without_metadata"].append(page.path)
        if page.lang == "zh":
            self.titles[page.path] = page.title
        self.add(page.path, Response(200, body=self.render(page)))

    def render(self, page: Page) -> bytes:
        """A page in this variant's frame (menu, search box, 民意信箱 link)."""
        return layout.render(page, self.variant.nav, search=self.variant.search, mailbox=self.variant.participation)

    def file(self, path: str, data: bytes) -> None:
        suffix = path[path.rfind(".") :]
        self.add(path, Response(200, files.CONTENT_TYPES[suffix], data))

    def redirect(self, path: str, status: int, to: str) -> None:
        location = self.url(to)
        body = f'<!DOCTYPE html>\n<html><body><a href="{location}">{location}</a></body></html>\n'
        self.add(path, Response(status, body=body.encode("utf-8"), headers=(("Location", location),)))

    def site(self) -> Site:
        return Site(self.options, self.resources, self.dynamic, self.notes)


def _assets(b: SiteBuilder) -> None:
    b.add("/assets/css/site.css", Response(200, "text/css; charset=utf-8", layout.CSS.encode("utf-8")))
    b.add("/assets/js/site.js", Response(200, "text/javascript; charset=utf-8", layout.JS.encode("utf-8")))
    navy, white, gold = (11, 61, 107), (255, 255, 255), (245, 166, 35)
    b.file("/assets/img/logo.png", files.png(240, 48, navy, gold))
    b.file("/assets/img/favicon.png", files.png(32, 32, navy, white))
    # the official mark artwork (config/mark_art/, MODA's own, CC0): the demo's mark is the real thing
    b.file("/assets/img/accessibility-aa.png",
           resources.files("govaudit.config").joinpath("mark_art/moda-aa-2.1.png").read_bytes())
    b.file("/assets/img/egov.png", files.png(88, 31, (0, 128, 96), white))


def _robots_and_sitemap(b: SiteBuilder, sitemap_paths: list[str]) -> None:
    robots = f"User-agent: *\nDisallow: /admin/\n\nSitemap: {b.url('/sitemap.xml')}\n"
    b.add("/robots.txt", Response(200, "text/plain; charset=utf-8", robots.encode("utf-8")))
    # A removed page still listed in the sitemap: the sitemap itself is its only source.
    dead = "/news/archive-2019.html"
    b.notes["sitemap_dead_url"] = dead
    lastmod = b.today.isoformat()
    entries = "".join(
        f"  <url><loc>{b.url(path)}</loc><lastmod>{lastmod}</lastmod></url>\n"
        for path in [*sitemap_paths, dead]
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
    )
    b.add("/sitemap.xml", Response(200, "application/xml; charset=utf-8", xml.encode("utf-8")))


def build_site(options: SiteOptions) -> Site:
    b = SiteBuilder(options)
    _assets(b)
    pages_zh.build(b)
    pages_about.build(b)
    pages_services.build(b)
    pages_participation.build(b)
    pages_news.build(b)
    pages_govinfo.build(b)
    pages_en.build(b)
    oddities.build(b)
    search.build(b)  # last: it searches every page the sections made
    paths = pages_zh.SITEMAP_PATHS + pages_en.SITEMAP_PATHS
    if options.variant != "default":  # a variant without some pages does not list them
        paths = [path for path in paths if path in b.resources]
    _robots_and_sitemap(b, paths)
    return b.site()
