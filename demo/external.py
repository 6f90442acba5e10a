"""The "external" hosts the demo site links to: one loopback address per behaviour.

Each host says both how it answers and how the auditor should classify a link to it, so the
ground truth is derived from the same code that serves the requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from govaudit.demo import content as c
from govaudit.demo.response import NOT_FOUND, Response, error_page

Verdict = tuple[str, str, int | None]  # (class, kind, status of a plain GET)


def _html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hant-TW">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{body}</body>\n</html>\n"
    ).encode()


_PARTNER = "臺灣開放治理協會"
_PARTNER_PAGES = {
    "/": _html(
        _PARTNER,
        ["推動政府資料開放與公民參與之非營利組織。", '<a href="/resources/toolkit.html">開放資料工具包</a>'],
    ),
    "/resources/toolkit.html": _html(
        f"開放資料工具包｜{_PARTNER}", ["資料盤點表、授權條款說明及資料品質檢核清單。"]
    ),
    "/events/forum.html": _html(f"開放治理論壇｜{_PARTNER}", ["年度論壇議程與報名資訊。"]),
}


def partner(method: str, target: str) -> Response:
    """A healthy partner site: its pages answer 200, retired ones under /gone/ 410, the rest 404."""
    path = urlsplit(target).path
    if path in _PARTNER_PAGES:
        return Response(200, body=_PARTNER_PAGES[path])
    if path.startswith("/gone/"):
        return error_page(410, "網頁已永久移除", "此活動網頁已永久移除。")
    return NOT_FOUND


_UNAVAILABLE = error_page(503, "Service Unavailable", "系統維護中，請稍後再試。")


def unavailable(method: str, target: str) -> Response:
    return _UNAVAILABLE


def rate_limited(method: str, target: str) -> Response:
    return Response(429, "text/plain; charset=utf-8", b"Too Many Requests\n", (("Retry-After", "1"),))


def head_refused(method: str, target: str) -> Response:
    """A server that only implements GET, as many agency back ends do."""
    if method == "HEAD":
        return Response(405, "text/plain; charset=utf-8", b"Method Not Allowed\n", (("Allow", "GET"),))
    return Response(200, body=_html("網站檢測工具平臺", ["提供網站連結及無障礙自我檢測工具。"]))


def hijacked(method: str, target: str) -> Response:
    """The lapsed domain of a former partner, re-registered by a gambling spammer."""
    return Response(200, body=_html(c.GAMBLING_TITLE, c.GAMBLING_LINES))


_SOFT_404 = error_page(200, "找不到網頁", "很抱歉，您要瀏覽的網頁不存在，請回首頁重新查詢。")


def soft404(method: str, target: str) -> Response:
    """Every path answers 200 with a generic not-found page."""
    return _SOFT_404


_PARTNER_VERDICTS = {
    200: ("healthy", "ext-ok"),
    404: ("definitive", "ext-404"),
    410: ("definitive", "ext-410"),
}


def _partner_verdict(path: str) -> Verdict:
    status = partner("GET", path).status
    return (*_PARTNER_VERDICTS[status], status)


def _fixed(klass: str, kind: str, status: int | None) -> Callable[[str], Verdict]:
    return lambda path: (klass, kind, status)


@dataclass(frozen=True)
class Host:
    key: str
    address: str
    mode: (
        str  # "http": a real server with `app`; "hang": accepts and never answers; "refused": nothing listens
    )
    app: Callable[[str, str], Response] | None
    verdict: Callable[[str], Verdict]


HOSTS = (
    Host("partner", "127.0.0.2", "http", partner, _partner_verdict),
    Host("unavailable", "127.0.0.3", "http", unavailable, _fixed("transient", "ext-503", 503)),
    Host("rate_limited", "127.0.0.4", "http", rate_limited, _fixed("rate_limited", "ext-429", 429)),
    Host("head_refused", "127.0.0.5", "http", head_refused, _fixed("head_refused", "head-405", 200)),
    Host("hang", "127.0.0.6", "hang", None, _fixed("transient", "timeout", None)),
    Host("refused", "127.0.0.7", "refused", None, _fixed("transient", "refused", None)),
    Host("hijacked", "127.0.0.8", "http", hijacked, _fixed("hijacked", "hijacked-gambling", 200)),
    Host("soft404", "127.0.0.9", "http", soft404, _fixed("soft404", "soft-404", 200)),
)
