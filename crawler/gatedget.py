"""One GET outside Scrapy that follows redirects by hand, every hop through the run's scope decision
(govaudit/scope.py), with a cap on the body read: the after-crawl requests (the certificate page, the
site-search query, the mark artwork) all fetch this way. The crawl's own requests pass the same
decision in crawler/scopegate.py.

requests is told not to follow redirects itself: it would follow them without asking the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from govaudit import ACCEPT_LANGUAGE, urls
from govaudit.models import ErrorKind
from govaudit.scope import Kind, Scope, Verdict

if TYPE_CHECKING:
    from collections.abc import Mapping

    import requests

REDIRECTS = frozenset({301, 302, 303, 307, 308})
VALIDATORS = ("ETag", "Last-Modified")


@dataclass(frozen=True)
class Fetched:
    """What a gated GET came to: an answer (status set), a hop the gate refused (refused set), or a
    request that failed (error_kind set)."""

    url: str  # the last URL asked: the one that answered, was refused, or failed
    chain: tuple[tuple[int, str], ...] = ()  # the redirect hops before it: (status, where it sent)
    status: int | None = None
    content_type: str = ""
    body: bytes = b""  # decoded (gzip etc.), at most max_bytes
    truncated: bool = False  # the body went on past max_bytes
    refused: Verdict | None = None
    error_kind: ErrorKind | None = None
    error: str = ""
    validators: tuple[tuple[str, str], ...] = ()  # the answer's ETag and Last-Modified, as sent

    @property
    def hops(self) -> list[tuple[int, str]]:
        return list(self.chain)


def session(*, offline: bool, user_agent: str) -> requests.Session:
    """A requests session as the crawl would ask: its User-Agent and Accept-Language; offline, no proxy
    from the environment."""
    import requests  # noqa: PLC0415  (only the after-crawl steps of the crawl process use it)

    made = requests.Session()
    made.trust_env = not offline
    made.headers.update({"User-Agent": user_agent, "Accept-Language": ACCEPT_LANGUAGE})
    return made


def gated_get(http: requests.Session, url: str, gate: Scope, kind: Kind, *, timeout: float,
              max_redirects: int, max_bytes: int, headers: Mapping[str, str] | None = None) -> Fetched:
    """GET url, following at most max_redirects redirects, each hop asked of the gate first; never
    raises for the network or the server. `headers`: sent with every hop (a conditional GET's validators)."""
    import requests  # noqa: PLC0415

    target = url
    chain: list[tuple[int, str]] = []
    for _ in range(max_redirects + 1):
        verdict = gate.allows(target, kind)
        if not verdict:
            return Fetched(target, tuple(chain), refused=verdict)
        try:
            with http.get(target, timeout=timeout, allow_redirects=False, stream=True, headers=headers) as resp:
                location = resp.headers.get("Location")
                if resp.status_code in REDIRECTS and location:
                    chain.append((resp.status_code, urls.normalize_url(location, target)))
                    target = chain[-1][1]
                    continue
                body = _read(resp, max_bytes + 1)
                return Fetched(target, tuple(chain), status=resp.status_code,
                               content_type=resp.headers.get("Content-Type", ""), body=body[:max_bytes],
                               truncated=len(body) > max_bytes,
                               validators=tuple((k, resp.headers[k]) for k in VALIDATORS if resp.headers.get(k)))
        except (requests.RequestException, urls.InvalidURL) as exc:
            failed = (ErrorKind.TIMEOUT if isinstance(exc, requests.Timeout) else ErrorKind.REFUSED
                      if isinstance(exc, requests.ConnectionError) else ErrorKind.OTHER)
            return Fetched(target, tuple(chain), error_kind=failed, error=f"{type(exc).__name__}: {exc}"[:300])
    return Fetched(target, tuple(chain), error_kind=ErrorKind.TOO_MANY_REDIRECTS,
                   error=f"more than {max_redirects} redirects")


def _read(resp: requests.Response, limit: int) -> bytes:
    """At most limit bytes of the decoded body (iter_content: a broken stream raises requests' errors)."""
    parts, size = [], 0
    for part in resp.iter_content(chunk_size=64 * 1024):
        parts.append(part)
        size += len(part)
        if size >= limit:
            break
    return b"".join(parts)[:limit]
