"""線上服務 and 電子參與: the 線上服務 list, 電子報訂閱 and 民意調查 (the 民意信箱 is in pages_services), kept
small; the no-participation variant has none of them. The notes say where each channel is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govaudit.demo import content as c
from govaudit.demo.layout import Page, esc, link_list
from govaudit.demo.pages_services import CAT_SERVICES

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

CRUMBS = (("為民服務", "/services/"),)


def build(b: SiteBuilder) -> None:
    if not b.variant.participation:
        b.notes["participation"] = {"mailbox": None, "newsletter": None, "consultation": None,
                                    "online_services": None, "forms": "/services/forms.html"}
        return
    online = "<p>下列服務可於網路上申辦：</p>" + link_list(
        [(f"/services/items/{n}.html", f"{name}（線上申辦）") for n, (name, *_) in enumerate(c.SERVICE_ITEMS, start=1)]
        + [("/services/forms.html", "書表下載")]
    )
    b.page(Page("/services/online.html", "線上服務", online, b.days_ago(20), crumbs=CRUMBS, category=CAT_SERVICES))
    epaper = (
        f"<p>訂閱{esc(c.AGENCY)}電子報，每月收到本署最新消息與活動訊息。</p>\n"
        '<form action="/services/epaper.html" method="post"><label for="email">電子郵件</label>'
        '<input id="email" name="email" type="email" required><button type="submit">訂閱</button></form>'
    )
    b.page(Page("/services/epaper.html", "電子報訂閱", epaper, b.days_ago(40), crumbs=CRUMBS, category=CAT_SERVICES))
    survey = (
        "<p>本署網站服務滿意度調查，歡迎填答。</p>\n"
        '<form action="/services/survey.html" method="post"><fieldset><legend>您對本署網站服務是否滿意？</legend>'
        '<label><input type="radio" name="a" value="5">非常滿意</label>'
        '<label><input type="radio" name="a" value="3">普通</label>'
        '<label><input type="radio" name="a" value="1">不滿意</label></fieldset>'
        '<button type="submit">送出</button></form>'
    )
    b.page(Page("/services/survey.html", "民意調查", survey, b.days_ago(35), crumbs=CRUMBS, category=CAT_SERVICES))
    b.notes["participation"] = {"mailbox": "/services/mailbox.html", "newsletter": "/services/epaper.html",
                                "consultation": "/services/survey.html", "online_services": "/services/online.html",
                                "forms": "/services/forms.html"}
