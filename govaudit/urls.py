"""The one place URLs are normalised. Every stage (crawler, link stage, checks, reports) goes through here,
so the same target is always the same string and is checked once.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

DEFAULT_PORTS = {"http": 80, "https": 443}
HTTP_SCHEMES = frozenset(DEFAULT_PORTS)
# Browsers strip these from href values before resolving (WHATWG URL: tab, LF, CR).
_STRIP_INNER = re.compile(r"[\t\n\r]")
# An absolute or scheme-relative URL whose authority is empty ("http://", "https:///x", "//").
_NO_AUTHORITY = re.compile(r"^(?:https?:)?//(?:[/?#]|$)", re.IGNORECASE)
_BAD_HOST = re.compile(r"[\s<>\"{}|\\^`%]")  # (after IDNA a host has none of these)


class InvalidURL(ValueError):
    pass


def split_fragment(url: str) -> tuple[str, str]:
    base, sep, frag = url.partition("#")
    return base, frag if sep else ""


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: urljoin leaves dot segments of an absolute URL alone, browsers do not."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        if seg == ".":
            if i == len(segments) - 1:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if i == len(segments) - 1:
                out.append("")
        else:
            out.append(seg)
    return "/".join(out) or "/"


def normalize(url: str, base: str | None = None) -> tuple[str, str]:
    """Resolve `url` against `base` and return (normalised URL without fragment, fragment).

    Scheme and host are lower-cased, default ports dropped, dot segments resolved, an empty path becomes
    "/", non-ASCII is percent-encoded (IDNA for hosts). Query order is kept: it is what the page links
    to and what is fetched and shown; `identity` decides when two orders are one page.
    """
    raw = _STRIP_INNER.sub("", url).strip()
    if _NO_AUTHORITY.match(raw):
        # "http://" or "//": urljoin would silently give back the base page, a link that is not there
        raise InvalidURL(f"no host in {url!r}")
    if base is not None:
        try:
            raw = urljoin(base, raw)
        except ValueError as exc:  # urljoin parses both: "http://[::1" is "Invalid IPv6 URL"
            raise InvalidURL(f"{url!r}: {exc}") from None
    scheme = raw.split(":", 1)[0].lower() if ":" in raw else ""
    if scheme not in HTTP_SCHEMES:
        # mailto:, tel:, javascript:… are kept as written (minus the fragment): they are never fetched.
        if not scheme:
            raise InvalidURL(f"relative URL without a base: {url!r}")
        head, frag = split_fragment(raw)
        return scheme + head[len(scheme) :], frag
    try:
        safe = safe_url_string(raw, encoding="utf-8")
        parts = urlsplit(safe)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"{url!r}: {exc}") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL(f"no host in {url!r}")
    if _BAD_HOST.search(host) or not host.isascii():
        # (non-ASCII left by safe_url_string: IDNA could not encode it, e.g. "¡.." with its empty labels;
        # kept, the same URL would normalise to another string the next time)
        raise InvalidURL(f"invalid host in {url!r}")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password:
            userinfo += f":{parts.password}"
        netloc = f"{userinfo}@{netloc}"
    path = remove_dot_segments(parts.path) or "/"
    return urlunsplit((scheme, netloc, path, parts.query, "")), parts.fragment


@functools.lru_cache(maxsize=4096)
def normalize_url(url: str, base: str | None = None) -> str:
    # (cached: the crawl normalises each answer's URL twice, when it arrives and in its callback)
    return normalize(url, base)[0]


def identity(url: str) -> str:
    """The key under which the crawl treats normalised URLs as one page (fetched once, counted once by
    the trap detection and budgets): `?a=1&b=2` and `?b=2&a=1` are one. Query parameters sorted by
    w3lib's canonicalize_url, as Scrapy's request fingerprint sorts them. A key only: the URL requested
    and shown stays as the page wrote it. A URL with at most one query parameter is its own key."""
    query = url.partition("?")[2].partition("#")[0]
    if "&" not in query:
        return url.partition("#")[0]
    return canonicalize_url(url, keep_blank_values=True)


def scheme_of(url: str) -> str:
    return url.split(":", 1)[0].lower() if ":" in url else ""


def host_of(url: str) -> str:
    """Host with non-default port, the unit of scope and of politeness."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def hostname_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_loopback(url: str) -> bool:
    """Decided from the URL alone, with no DNS: `localhost`, a 127.x literal or ::1."""
    host = hostname_of(url)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _netloc_span(url: str) -> tuple[int, int] | None:
    """(start, end) of the authority in url ("scheme://AUTHORITY/..."), or None without one."""
    head, sep, _ = url.partition("//")
    if not sep or "/" in head or "?" in head or "#" in head:
        return None
    start = len(head) + 2
    end = len(url)
    for mark in "/?#\\":
        at = url.find(mark, start)
        if at != -1:
            end = min(end, at)
    return start, end


def has_credentials(url: str) -> bool:
    """url has userinfo (`user:password@` before the host), decided as browsers split the authority."""
    span = _netloc_span(url.strip())
    return span is not None and "@" in url.strip()[span[0]:span[1]]


def without_credentials(url: str) -> str:
    """url with its userinfo cut out (for messages: the password is never echoed)."""
    url = url.strip()
    span = _netloc_span(url)
    if span is None:
        return url
    start, end = span
    return url[:start] + url[start:end].rpartition("@")[2] + url[end:]
