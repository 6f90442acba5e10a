"""The site search: /search/?q=WORD answers with the Chinese pages whose title has the word (共 N 筆,
查無資料 when none), as an agency CMS's search does; `section` keeps the answers under /news/ or
/services/ (分類檢索). Without a query (or in the no-search variant) /search/ is the plain page."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from govaudit.demo.layout import Page, esc, link_list
from govaudit.demo.pages_zh import CAT_HOME, SEARCH_FORM
from govaudit.demo.response import Response

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

MAX_ANSWERS = 20


def build(b: SiteBuilder) -> None:
    if not b.variant.search:
        b.notes["site_search"] = None
        return
    titles = dict(b.titles)  # every Chinese page, made by the sections before
    updated = b.days_ago(100)
    plain = b.resources["/search/"]

    def answer(query: str) -> Response | None:
        fields = parse_qs(query)
        word = " ".join(fields.get("q", [""])[0].split())
        section = fields.get("section", [""])[0]
        if not word:
            return plain  # the search page itself
        found = sorted((path, title) for path, title in titles.items()
                       if word in title and path != "/search/" and path.startswith(f"/{section}" if section else "/"))
        if found:
            body = f"<p>「{esc(word)}」共 {len(found)} 筆資料：</p>\n" + link_list(found[:MAX_ANSWERS])
        else:
            body = f"<p>「{esc(word)}」查無資料，請改用其他關鍵字。</p>"
        page = Page("/search/", "搜尋結果", SEARCH_FORM + body, updated, category=CAT_HOME)
        return Response(200, body=b.render(page))

    b.dynamic["/search/"] = answer
    b.notes["site_search"] = {"form_page": "/", "action": "/search/", "advanced": "/search/"}
