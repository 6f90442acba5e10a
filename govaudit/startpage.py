"""The start-page check before a run: does the site answer, and with a page we can crawl?

A site down for a minute at 02:30 (a 503, a reset, a deploy) must not cost the night: transient failures
are retried with backoff (profile `site.start_attempts`, `site.start_backoff`). What is left after the
last try is a `StartPageError` with the reason, which the runner records as an `unreachable` run. A
start page that answers but is not HTML (a PDF, a 50 MB binary) is told apart: nothing can be crawled
from it, so the run is `failed` with that reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govaudit import ACCEPT_LANGUAGE, __version__, urls
from govaudit.models import is_html
from govaudit.profile import ConfigError, Profile
from govaudit.scope import offline_allows

if TYPE_CHECKING:
    import requests

REDIRECTS = (301, 302, 303, 307, 308)
# Answers worth another try: the server (or a proxy in front of it) says "not now".
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
SNIFF_BYTES = 512  # enough to tell a PDF, an archive or an image from markup


@dataclass(frozen=True)
class StartPage:
    """What the start page answered: its URL after redirects, its Content-Type, and whether it is HTML."""

    url: str
    content_type: str
    html: bool


class StartPageError(Exception):
    """The start page did not answer usably after every try (connection failure, HTTP error, a redirect
    loop). `tries` and `waited` say how hard we tried."""

    def __init__(self, reason: str, *, tries: int, waited: float):
        super().__init__(reason)
        self.reason, self.tries, self.waited = reason, tries, waited

    def __str__(self) -> str:
        tried = f" (after {self.tries} tries over {self.waited:.0f} s)" if self.tries > 1 else ""
        return f"{self.reason}{tried}"


class _Transient(Exception):
    pass


class _Definitive(Exception):
    pass


def looks_binary(head: bytes) -> bool:
    """A body that no browser would take for a page: NUL bytes, or a PDF / zip / gzip signature."""
    return b"\x00" in head or head.startswith((b"%PDF", b"PK\x03\x04", b"\x1f\x8b"))


def _fetch_once(session: requests.Session, start_url: str, profile: Profile, *, offline: bool) -> StartPage:
    import requests  # noqa: PLC0415  (the CLI's other commands need no HTTP client)

    url = start_url
    for _ in range(profile.links.max_redirects + 1):
        if offline and not offline_allows(url):
            raise ConfigError(f"--offline: {url} is not a loopback address, so it is not contacted")
        try:
            with session.get(url, timeout=(profile.links.connect_timeout, profile.links.timeout),
                             allow_redirects=False, stream=True) as resp:
                status, location = resp.status_code, resp.headers.get("Location")
                content_type = resp.headers.get("Content-Type", "")
                # Only the first bytes: a 50 MB binary start page costs us 512 bytes, not 50 MB.
                head = next(resp.iter_content(SNIFF_BYTES), b"") if status < 300 else b""
        except requests.RequestException as exc:
            reason = type(exc).__name__
            if isinstance(exc, requests.ConnectionError):
                reason = "connection failed (is the host up and the address right?)"
            raise _Transient(f"start page unreachable: {url}: {reason}") from None
        if status in REDIRECTS and location:
            url = urls.normalize_url(location, url)
            continue
        if status in TRANSIENT_STATUS:
            raise _Transient(f"start page answered HTTP {status}: {url}")
        if status >= 400:
            raise _Definitive(f"start page answered HTTP {status}: {url}")
        return StartPage(url, content_type, is_html(content_type) and not looks_binary(head))
    raise _Definitive(f"start page redirects more than {profile.links.max_redirects} times: {start_url}")


def check(start_url: str, profile: Profile, *, offline: bool,
          sleep: Callable[[float], None] = time.sleep) -> StartPage:
    """Fetch the start page, retrying transient failures `site.start_attempts` times in all with a
    doubling wait from `site.start_backoff`. Raises StartPageError (unreachable), or ConfigError for
    an address --offline forbids (a usage error: nothing is contacted)."""
    import requests  # noqa: PLC0415

    attempts, wait, waited = profile.site.start_attempts, profile.site.start_backoff, 0.0
    with requests.Session() as session:
        session.trust_env = not offline  # offline, a proxy from the environment is never used (as in the crawl)
        session.headers["User-Agent"] = profile.crawl.user_agent.format(version=__version__)
        session.headers["Accept-Language"] = ACCEPT_LANGUAGE
        for attempt in range(1, attempts + 1):
            try:
                return _fetch_once(session, start_url, profile, offline=offline)
            except _Definitive as exc:
                raise StartPageError(str(exc), tries=attempt, waited=waited) from None
            except _Transient as exc:
                if attempt == attempts:
                    raise StartPageError(str(exc), tries=attempt, waited=waited) from None
            sleep(wait)
            waited += wait
            wait *= 2
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
