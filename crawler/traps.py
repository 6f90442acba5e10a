"""Spider traps, decided from a URL alone (pure): session ids that make every visit a new URL, calendars
that page on forever, and paths that repeat a segment ever deeper; and, for what no URL rule names (a
query-string explosion, ever-deeper numbered paths), a budget per address pattern that applies once the
pattern's pages repeat one another (`PatternBudget`).

The spider does not crawl what these name and records each as a crawl cut (govaudit/cuts.py).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that carry a session, whatever their value; and names that do when the value looks
# like a token (agency CMSs use `sid` / `s` for a section id: short numbers, not sessions).
_SESSION_ALWAYS = frozenset({"jsessionid", "phpsessid", "aspsessionid", "cfid", "cftoken", "sessionid",
                             "session_id", "sessid", "zenid", "osCsid".lower()})
_SESSION_IF_TOKEN = frozenset({"sid", "session", "sess", "token", "s"})
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,}$")
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*|/\([A-Za-z]\([^)]*\)\)", re.IGNORECASE)  # Java; ASP.NET cookieless
_YEAR = re.compile(r"(?<!\d)((?:19|20|21)\d\d)(?:[-/]?(?:0[1-9]|1[0-2]))?(?:[-/]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)")
_CALENDAR_WORDS = re.compile(r"calendar|cal\b|event|schedule|date|month|year|\bym\b|\bd\b", re.IGNORECASE)
CROWDED_SHARE = 0.5  # more of max_pages than this under one pattern (pattern()) is reported
CROWDED_MIN_PAGES = 100  # (a crawl of a few pages says nothing about patterns)
REPEATS = 3  # a path segment this many times is an ever-deeper path
PAST_YEARS = 30  # a calendar year further back than this, or more than FUTURE_YEARS ahead, is a trap
FUTURE_YEARS = 1


def session_free(url: str) -> str:
    """url without its session id (query parameter or path parameter); url itself when it has none."""
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_session(k, v)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path or "/", query, ""))


def _is_session(name: str, value: str) -> bool:
    name = name.lower()
    return name in _SESSION_ALWAYS or name.startswith("aspsessionid") or (
        name in _SESSION_IF_TOKEN and bool(_TOKEN.match(value)) and any(c.isalpha() for c in value)
        and any(c.isdigit() for c in value))


def trap_kind(url: str, this_year: int) -> str | None:
    """'repeating_path' or 'calendar' when url is one, else None."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if segments and max(segments.count(s) for s in set(segments)) >= REPEATS:
        return "repeating_path"
    if _CALENDAR_WORDS.search(parts.path) or _CALENDAR_WORDS.search(parts.query):
        for match in _YEAR.finditer(f"{parts.path}?{parts.query}"):
            year = int(match.group(1))
            if year > this_year + FUTURE_YEARS or year < this_year - PAST_YEARS:
                return "calendar"
    return None


def pattern(url: str) -> str:
    """The address pattern of a page: its path, and the names of its query parameters without their values
    (`/catalog?brand=&color=`), numbers in the path as `N` and a run of number segments as one
    (`/deeper/N/`): pages a trap generates share one, and so do a news archive's items."""
    parts = urlsplit(url)
    path = _NUMBER_RUN.sub("/N/", _DIGITS.sub("N", parts.path) + "/")[:-1] or "/"
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(f"{n}=" for n in names) if names else "")


_DIGITS = re.compile(r"\d+")
_NUMBER_RUN = re.compile(r"/N(?:/N)+/")
_TAG = re.compile(rb"<[^>]*>?")  # (an unclosed "<" ends the text: no backtracking over a hostile body)
_NUMBERS_AND_SPACE = re.compile(rb"[\s\d]+")
KEY_BYTES = 1024 * 1024  # of a body read for its content key (a bound on its cost in the crawl process)
REPEAT_SHARE = 0.5  # a pattern whose pages repeat one another more than this is near-duplicate


FACTS = "crawl"  # the page facts (Page.facts) the crawl itself keeps: {"content_key": ...}


def content_key(body: bytes) -> str:
    """What a page says, but for its numbers, markup and spacing: pages a trap generates (month 3 and
    month 4 of an empty calendar, a listing under another filter) share a key; two news items do not.
    Exact rather than a similarity hash: the menus of an agency's template outweigh an item's own text,
    and a similarity hash would call its news items alike."""
    text = _NUMBERS_AND_SPACE.sub(b"", _TAG.sub(b" ", body[:KEY_BYTES]))
    return hashlib.blake2b(text, digest_size=8).hexdigest()


class PatternBudget:
    """Pages crawled per address pattern (pattern()) and the content keys they had. A pattern is spent once
    `limit` of its pages are crawled and more than REPEAT_SHARE of them repeat an earlier page's key:
    3,000 distinct news items under `/News_Content.aspx?n=&s=` never spend it (max_pages bounds them);
    a faceted catalog or a calendar of empty months does. limit 0: no budget."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pages: Counter[str] = Counter()
        self.repeats: Counter[str] = Counter()
        self._keys: dict[str, set[str]] = {}

    def crawled(self, url: str, key: str | None) -> None:
        """A page of url's pattern was crawled; key its content_key (None: no body to compare)."""
        name = pattern(url)
        self.pages[name] += 1
        if key is not None:
            keys = self._keys.setdefault(name, set())
            if key in keys:
                self.repeats[name] += 1
            keys.add(key)

    def spent(self, url: str) -> bool:
        """No more pages of url's pattern are to be crawled."""
        if not self.limit:
            return False
        name = pattern(url)
        pages = self.pages[name]
        return pages >= self.limit and self.repeats[name] > pages * REPEAT_SHARE
