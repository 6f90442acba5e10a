"""Resources that are broken or old on purpose: redirects, a failing page, a Big5 page, bad HTML."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from govaudit.demo import files
from govaudit.demo.layout import Page, roc, roc_year
from govaudit.demo.response import Response, error_page

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

BIG5_PATH = "/legacy/notice.html"
BIG5_TITLE = "數位服務示範署舊版網站停止更新公告"
MALFORMED_PATH = "/archive/expo.html"


def _redirects(b: SiteBuilder) -> None:
    # An old URL moved twice (301 -> 301 -> 200), a campaign alias (302) and a mobile-site loop.
    b.redirect("/old/about.html", 301, "/web/about/index.html")
    b.redirect("/web/about/index.html", 301, "/about/")
    b.redirect("/promo/", 302, "/business/")
    b.redirect("/mobile/", 302, "/m/")
    b.redirect("/m/", 302, "/mobile/")


def _legacy_big5(b: SiteBuilder) -> None:
    """A page left from the old CMS: cp950 bytes, charset only in a meta element, no lang, no metadata."""
    stopped = b.today.year - 5
    html = (
        "<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=big5">\n'
        f"<title>{BIG5_TITLE}</title>\n</head>\n"
        '<body bgcolor="#FFFFFF">\n<table width="760" border="0"><tr><td>\n'
        f'<font size="4"><b>{BIG5_TITLE}</b></font><br>\n'
        f"<p>本署舊版網站已於民國{stopped - 1911}年12月31日停止更新，舊版網站資料已移轉至新版網站。</p>\n"
        "<p>如需查詢舊版網站之公告資料，請洽本署秘書室，電話（02）2345-6789 分機 1601。</p>\n"
        '<p><a href="/">前往新版網站首頁</a>｜<a href="/news/">最新消息</a></p>\n'
        "</td></tr></table>\n</body>\n</html>\n"
    )
    b.add(BIG5_PATH, Response(200, "text/html", html.encode("cp950")))
    b.notes["pages_without_metadata"].append(BIG5_PATH)
    b.notes["big5_page"] = {"path": BIG5_PATH, "title": BIG5_TITLE}


def _malformed(b: SiteBuilder) -> None:
    """Hand-edited years ago: unclosed and misnested tags, stray end tags, an unquoted href."""
    year = roc_year(b.today) - 8
    held = dt.date(b.today.year - 8, 10, 20)
    b.file("/assets/img/expo.png", files.png(320, 180, (240, 228, 200), (160, 120, 60)))
    body = (
        '<div class="expo">\n'
        f"<p>{year}年數位服務博覽會於本署一樓大廳舉行，展出<b>各機關<i>線上服務</b>推動成果</i>。\n"
        f"<table><tr><td>活動日期<td>{roc(held)}\n<tr><td>活動地點<td>本署一樓大廳\n</table>\n"
        "</div></div></span>\n"
        '<ul><li><a href="/news/">最新消息</a><li><a href="/business/open-data.html">資料開放專區\n'
        '<li><a href="/about/">關於本署</a>\n'
        '<p>照片：<img src="/assets/img/expo.png" alt="博覽會會場照片" width=320 height=180>\n'
        f"<div><p>更多活動請見<a href=/calendar/?month={b.today:%Y-%m}>活動行事曆</a>\n"
    )
    b.page(Page(MALFORMED_PATH, f"{year}年數位服務博覽會回顧", body, held, metadata=False))
    b.notes["malformed_page"] = MALFORMED_PATH


def build(b: SiteBuilder) -> None:
    _redirects(b)
    _legacy_big5(b)
    _malformed(b)
    # The booking system behind this page is down: the server answers 500.
    b.add(
        "/services/booking.html",
        error_page(500, "系統發生錯誤", "線上預約系統暫時無法提供服務，請稍後再試。"),
    )
