"""Map what happened to a request onto the LinkStatus taxonomy. Pure: no I/O, easy to test exhaustively.

The rule of the field: only a definitive failure is `broken`. Bot walls, rate limits and transient
failures are `unverified` and never count against the agency.
"""

from __future__ import annotations

import re

from twisted.internet import error as neterr
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from govaudit.models import ErrorKind, LinkStatus

PERMANENT_REDIRECTS = frozenset({301, 308})
BOT_BLOCKED = frozenset({401, 403, 999})
RATE_LIMITED = frozenset({429})
_MAILTO = re.compile(r"^[^@\s,;<>()\[\]\\\"]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)+$")
_TEL = re.compile(r"^\+?[\d\-. ()]{3,}(?:;ext=\d+)?$")


def from_http(status: int, chain: list[tuple[int, str]], accepted: frozenset[int] = frozenset()
              ) -> tuple[LinkStatus, ErrorKind | None, str]:
    """Status for a final HTTP answer reached through `chain` (the redirect hops before it)."""
    if 200 <= status < 300 or status in accepted:
        if any(code in PERMANENT_REDIRECTS for code, _ in chain):
            return LinkStatus.REDIRECTED, None, "moved permanently: link the new address"
        return LinkStatus.OK, None, ""
    if status in BOT_BLOCKED:
        return LinkStatus.UNVERIFIED, ErrorKind.BOT_BLOCKED, f"HTTP {status}: the host refuses automated checks"
    if status in RATE_LIMITED:
        return LinkStatus.UNVERIFIED, ErrorKind.RATE_LIMITED, "HTTP 429: rate-limited, retry later"
    if status >= 500:
        return LinkStatus.UNVERIFIED, ErrorKind.HTTP_STATUS, f"HTTP {status}: server error (may be transient)"
    if 300 <= status < 400:
        return LinkStatus.BROKEN, ErrorKind.HTTP_STATUS, f"HTTP {status} without a usable Location"
    return LinkStatus.BROKEN, ErrorKind.HTTP_STATUS, f"HTTP {status}"


def from_error(kind: ErrorKind, message: str) -> tuple[LinkStatus, ErrorKind, str]:
    if kind in (ErrorKind.OFFLINE, ErrorKind.ROBOTS, ErrorKind.PROFILE_RULE, ErrorKind.CRAWL_LIMIT):
        return LinkStatus.EXCLUDED, kind, message
    if kind is ErrorKind.SCHEME:
        return LinkStatus.UNSUPPORTED, kind, message
    if kind in (ErrorKind.TIMEOUT, ErrorKind.REFUSED, ErrorKind.RESET, ErrorKind.TLS, ErrorKind.OTHER):
        return LinkStatus.UNVERIFIED, kind, message
    # dns (name does not exist), redirect loop, too many redirects, invalid URL, missing fragment
    return LinkStatus.BROKEN, kind, message


def error_kind(exc: BaseException) -> ErrorKind:
    """Twisted / Scrapy failure → ErrorKind."""
    if isinstance(exc, neterr.DNSLookupError):
        return ErrorKind.DNS
    if isinstance(exc, neterr.ConnectionRefusedError):
        return ErrorKind.REFUSED
    if isinstance(exc, neterr.TimeoutError | neterr.TCPTimedOutError):
        return ErrorKind.TIMEOUT
    if isinstance(exc, ResponseNeverReceived | ResponseFailed | neterr.ConnectionLost | neterr.ConnectionDone):
        reasons = " ".join(str(r) for r in getattr(exc, "reasons", []))
        if "SSL" in reasons or "certificate" in reasons:
            return ErrorKind.TLS
        return ErrorKind.RESET
    text = f"{type(exc).__name__} {exc}"
    if "SSL" in text or "certificate" in text.lower():
        return ErrorKind.TLS
    if "timeout" in text.lower() or "took longer than" in text:
        return ErrorKind.TIMEOUT
    return ErrorKind.OTHER


def check_non_http(url: str) -> tuple[LinkStatus, ErrorKind | None, str]:
    """mailto: and tel: are checked by syntax and never contacted; other schemes are unsupported."""
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == "mailto":
        addresses = [a.strip() for a in rest.split("?", 1)[0].split(",") if a.strip()]
        bad = [a for a in addresses if not _MAILTO.match(a)]
        if not addresses or bad:
            return LinkStatus.BROKEN, ErrorKind.INVALID_URL, f"invalid e-mail address: {(bad or [''])[0]!r}"
        return LinkStatus.OK, None, ""
    if scheme == "tel":
        number = rest.strip()
        if not _TEL.match(number) or sum(c.isdigit() for c in number) < 3:
            return LinkStatus.BROKEN, ErrorKind.INVALID_URL, f"invalid telephone number: {number!r}"
        return LinkStatus.OK, None, ""
    if scheme == "invalid":
        return LinkStatus.BROKEN, ErrorKind.INVALID_URL, f"unparsable URL: {rest!r}"
    return LinkStatus.UNSUPPORTED, ErrorKind.SCHEME, f"{scheme}: links are not checked"
