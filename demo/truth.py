"""The ground truth: crawl the generated site in memory, exactly as a crawler would over HTTP.

Nothing is listed by hand: links, sources, pages and fragments come from parsing the very bytes
the server sends, and every target is classified by asking the same `respond()` the server uses
(or the external host's own verdict). Only facts that parsing cannot know (which category is
stale, which page is the Big5 one) come from the notes the sections left on the builder.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from govaudit.demo.content import BADGE_URL
from govaudit.demo.external import Host
from govaudit.demo.response import Response
from govaudit.demo.site import Site

SCHEMA = "govaudit/demo-truth@1"
LINK_ATTRS = {"a": "href", "img": "src", "link": "href", "script": "src", "iframe": "src"}
_MAILTO = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_META_CHARSET = re.compile(rb"charset=[\"']?([\w-]+)", re.IGNORECASE)
_LOC = re.compile(r"<loc>([^<]+)</loc>")


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.anchors: set[str] = set()  # id values, and name values of <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.anchors.add(values["id"])
        if tag == "a" and "name" in values:
            self.anchors.add(values["name"])
        if LINK_ATTRS.get(tag) in values:
            self.links.append(values[LINK_ATTRS[tag]].strip())


def decode(response: Response) -> str:
    """Decode HTML the way browsers do: HTTP charset first, then the meta element, else UTF-8."""
    declared = re.search(r"charset=([\w-]+)", response.content_type)
    sniffed = _META_CHARSET.search(response.body[:2048])
    charset = declared[1] if declared else sniffed[1].decode("ascii") if sniffed else "utf-8"
    # Big5 pages are in practice cp950 (Big5 plus Microsoft's additions).
    return response.body.decode("cp950" if charset.lower() in ("big5", "cp950") else charset)


def _verdict(klass: str, kind: str, status: int | None = None, **extra: Any) -> dict[str, Any]:
    """One link's expected classification; `http_status` is what a plain GET answers first (no redirects)."""
    return {"class": klass, "kind": kind, "http_status": status, **extra}


def _is_html(response: Response) -> bool:
    return response.status == 200 and response.content_type.startswith("text/html")


class _Crawl:
    def __init__(self, site: Site, hosts: dict[str, Host]) -> None:
        self.site = site
        self.base = site.options.base_url
        self.netloc = urlsplit(self.base).netloc
        self.hosts = hosts  # netloc of each external host -> its behaviour
        self.calendar = self.absolute("/calendar/")
        self.robots = RobotFileParser()
        self.robots.parse(site.resources["/robots.txt"].body.decode("utf-8").splitlines())
        self.pages: list[str] = []
        self.sources: dict[str, set[str]] = {}
        self.fragment_links: set[tuple[str, str]] = set()
        self._parsed: dict[str, _Extractor] = {}

    def absolute(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def internal(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme == "http" and parts.netloc == self.netloc

    def respond(self, url: str) -> Response:
        parts = urlsplit(url)
        return self.site.respond(parts.path + (f"?{parts.query}" if parts.query else ""))

    def parsed(self, url: str) -> _Extractor | None:
        if url not in self._parsed:
            response = self.respond(url)
            if not _is_html(response):
                return None
            extractor = _Extractor()
            extractor.feed(decode(response))
            extractor.close()
            self._parsed[url] = extractor
        return self._parsed[url]

    def page(self, url: str) -> _Extractor:
        """A crawled page (crawled pages are HTML), parsed once."""
        parsed = self.parsed(url)
        if parsed is None:
            raise ValueError(f"not an HTML page: {url}")
        return parsed

    def run(self) -> None:
        queue, seen = deque([self.base]), {self.base}

        def follow(url: str) -> None:
            if self.internal(url) and url not in seen:
                seen.add(url)
                queue.append(url)

        while queue:
            url = queue.popleft()
            if not self.robots.can_fetch("*", url) or url.startswith(self.calendar):
                continue
            response = self.respond(url)
            if response.location:
                follow(response.location)
            elif url == self.absolute("/sitemap.xml"):
                for loc in _LOC.findall(response.body.decode("utf-8")):
                    self.sources.setdefault(loc, set()).add(url)
                    follow(loc)
            elif _is_html(response):
                self.pages.append(url)
                for raw in self.page(url).links:
                    resolved = urljoin(url, raw)
                    target, fragment = urldefrag(resolved)
                    self.sources.setdefault(target, set()).add(url)
                    if fragment:
                        self.fragment_links.add((url, resolved))
                    follow(target)

    def classify(self, url: str) -> dict[str, Any]:
        parts = urlsplit(url)
        if parts.scheme == "mailto":
            valid = _MAILTO.fullmatch(parts.path)
            return _verdict("healthy", "mailto") if valid else _verdict("definitive", "invalid-mailto")
        if parts.scheme == "tel":
            return _verdict("healthy", "tel")
        if parts.scheme not in ("http", "https"):
            return _verdict("unsupported", parts.scheme)
        if parts.netloc in self.hosts:
            return _verdict(*self.hosts[parts.netloc].verdict(parts.path or "/"))
        if not self.internal(url):
            return _verdict("excluded", "offline-external")
        return self.classify_internal(url)

    def classify_internal(self, url: str) -> dict[str, Any]:
        response = self.respond(url)
        if not self.robots.can_fetch("*", url):
            return _verdict("robots", "robots-disallowed", response.status)
        if response.location:
            return self.classify_redirect(url, response)
        if response.status == 404:
            return _verdict("definitive", "internal-404", 404)
        if response.status >= 500:
            return _verdict("transient", f"server-error-{response.status}", response.status)
        if url.startswith(self.calendar):
            kind = "calendar"
        elif response.stream:
            kind = "large-file"
        elif _is_html(response):
            kind = "page"
        elif response.content_type.startswith(("text/css", "text/javascript", "image/")):
            kind = "asset"
        elif url == self.absolute("/sitemap.xml"):
            kind = "sitemap-xml"
        else:
            kind = "attachment"
        return _verdict("healthy", kind, response.status)

    def classify_redirect(self, url: str, first: Response) -> dict[str, Any]:
        chain, visited, response = [], {url}, first
        while response.location:
            chain.append([response.status, response.location])
            if response.location in visited:
                return _verdict(
                    "definitive", "redirect-loop", first.status, redirect_chain=chain, final_url=None
                )
            visited.add(response.location)
            response = self.respond(response.location)
        permanent = all(status in (301, 308) for status, _ in chain)
        kind = f"redirect-{first.status}" + ("-chain" if len(chain) > 1 else "")
        klass = "redirect_permanent" if permanent else "redirect_temporary"
        return _verdict(klass, kind, first.status, redirect_chain=chain, final_url=chain[-1][1])

    def fragments(self) -> list[dict[str, Any]]:
        out = []
        for source, url in sorted(self.fragment_links):
            target, fragment = urldefrag(url)
            parsed = self.parsed(target) if self.internal(target) else None
            out.append({"source": source, "url": url, "exists": bool(parsed and fragment in parsed.anchors)})
        return out


def build_truth(site: Site, hosts: tuple[Host, ...]) -> dict[str, Any]:
    options = site.options
    crawl = _Crawl(site, {urlsplit(options.external[h.key]).netloc: h for h in hosts})
    crawl.run()
    absolute = crawl.absolute
    links = {
        url: {**crawl.classify(url), "sources": sorted(crawl.sources[url])} for url in sorted(crawl.sources)
    }
    notes = site.notes
    disclosure = {
        key: {**facts, "evidence": [absolute(path) for path in facts["evidence"]]}
        for key, facts in notes["disclosure"].items()
    }
    return {
        "schema": SCHEMA,
        "today": options.today.isoformat(),
        "variant": options.variant,
        "start_url": options.base_url,
        "site_host": crawl.netloc,
        "external_hosts": {h.key: options.external[h.key] for h in hosts},
        "html_pages": sorted(crawl.pages),
        "calendar_prefix": crawl.calendar,
        "robots_disallow": [absolute("/admin/")],
        "links": links,
        "fragments": crawl.fragments(),
        "big5_page": {"url": absolute(notes["big5_page"]["path"]), "title": notes["big5_page"]["title"]},
        "image_without_alt": {key: absolute(path) for key, path in notes["image_without_alt"].items()},
        "large_file": absolute(notes["large_file"]),
        "malformed_page": absolute(notes["malformed_page"]),
        "sitemap": {"url": absolute("/sitemap.xml"), "dead_url": absolute(notes["sitemap_dead_url"])},
        "pdf_links": [
            {"source": absolute(item["source"]), "url": item["url"]} for item in notes["pdf_links"]
        ],
        "disclosure": disclosure,
        "pages_without_metadata": sorted(absolute(path) for path in notes["pages_without_metadata"]),
        "forms": {
            "page": absolute(notes["forms"]["page"]),
            "odf_pairs": [[absolute(p) for p in pair] for pair in notes["forms"]["odf_pairs"]],
            "docx_without_odf": absolute(notes["forms"]["docx_without_odf"]),
        },
        "english": {
            "home": absolute(notes["english"]["home"]),
            "pairs": [[absolute(p) for p in pair] for pair in notes["english"]["pairs"]],
        },
        "site_elements": {name: absolute(path) for name, path in notes["site_elements"].items()},
        "accessibility_mark": _mark(crawl),
        # Site search: where the search box is and where it submits (None: the site has no search).
        "site_search": notes["site_search"] and {k: absolute(v) for k, v in notes["site_search"].items()},
        # E-participation and online services: the page of each channel (None: the site has none).
        "participation": {k: v and absolute(v) for k, v in notes["participation"].items()},
    }


def _mark(crawl: _Crawl) -> dict[str, Any]:
    """The 無障礙標章 every page's footer links (AA, certificate number in `category`): where it is served."""
    pages = sorted(url for url in crawl.pages if BADGE_URL in crawl.page(url).links)
    return {"url": BADGE_URL, "host": urlsplit(BADGE_URL).hostname, "level": "AA",
            "certificate_id": parse_qs(urlsplit(BADGE_URL).query)["category"][0],
            "on_home_page": crawl.base in pages, "pages": pages}
