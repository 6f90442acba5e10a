"""Tolerant readers of the results document and the URL and time views every part of the report
shares (the view model, the assessment parts, the sections). Every key may be missing or of the wrong
type (older results.json, thin test input): each accessor degrades to an empty value.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from govaudit import localtime
from govaudit.models import SEVERITY_ORDER

WEB_SCHEMES = frozenset({"http", "https"})
_NON_ASCII_ESCAPES = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})
_SEVERITY_RANKS = {severity.value: rank for severity, rank in SEVERITY_ORDER.items()}  # keyed as results.json writes them


# -- tolerant accessors --------------------------------------------------------------------------


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list | tuple:
    return value if isinstance(value, list | tuple) else []


def _dicts(value: Any) -> list[dict]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _num(value: Any) -> float | None:
    # bool is an int subclass; a True score would otherwise print as 1
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _rank(order: tuple[str, ...], value: str) -> int:
    return order.index(value) if value in order else len(order)


def _severity_rank(value: str) -> int:
    return _SEVERITY_RANKS.get(value, len(_SEVERITY_RANKS))


# -- URLs ----------------------------------------------------------------------------------------


def web_href(url: Any) -> str | None:
    """The URL if it may become a link (http/https with a host), else None: shown as text only."""
    text = _str(url).strip()
    if not text or any(unicodedata.category(ch) == "Cc" for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else None


def display_url(url: Any) -> str:
    """For reading: non-ASCII percent-escapes decoded (/%E6%9C%80... -> /最...), ASCII ones such as
    %2F kept so the shown URL means what the real one does; control and bidi-format characters are
    shown percent-encoded so the text cannot lie about the link."""
    text = _NON_ASCII_ESCAPES.sub(_decode_run, _str(url))
    return "".join(quote(ch, safe="") if unicodedata.category(ch) in _HIDDEN else ch for ch in text)


def _decode_run(match: re.Match) -> str:
    try:
        return unquote(match.group(0), errors="strict")
    except UnicodeDecodeError:
        return match.group(0)  # e.g. Big5 escapes: keep them encoded rather than show mojibake


def url_view(url: Any) -> dict:
    return {"raw": _str(url), "href": web_href(url), "text": display_url(url)}


def timezone_of(results: dict) -> str:
    """The zone a results document's times are shown in (run.timezone; older documents: the default)."""
    run = results.get("run") if isinstance(results, dict) else None
    tz = run.get("timezone") if isinstance(run, dict) else None
    try:
        localtime.zone(tz) if isinstance(tz, str) and tz else None
    except ValueError:
        tz = None
    return tz if isinstance(tz, str) and tz else localtime.DEFAULT_TIMEZONE


def format_time(value: Any, tz: str = localtime.DEFAULT_TIMEZONE) -> str:
    """An ISO time as people read it: in `tz`, with its offset (govaudit.localtime.shown)."""
    return localtime.shown(_str(value), tz)
