"""最新消息 (200 items, 20 list pages) and the endless event calendar (a spider trap)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from govaudit.demo import content as c
from govaudit.demo import files, layout
from govaudit.demo.layout import Page, esc, roc
from govaudit.demo.response import Response

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

PER_PAGE = 10
COUNT = 200
CATEGORY = ("140", "C21", "E20")
NO_ALT_INDEX = 3  # the news item whose photo has no alt text


@dataclass(frozen=True)
class NewsItem:
    index: int  # 0 = newest
    id: int
    title: str
    topic: str
    dept: str
    published: dt.date
    updated: dt.date


@cache
def news_items(today: dt.date) -> tuple[NewsItem, ...]:
    """Newest first; item i is about 3 days older than item i-1, the newest 2 days old."""
    items = []
    for i in range(COUNT):
        topic, dept = c.NEWS_TOPICS[i % len(c.NEWS_TOPICS)]
        published = today - dt.timedelta(days=2 + 3 * i + i % 4)
        soon = published + dt.timedelta(days=7)
        title = c.NEWS_HEADLINES[i % len(c.NEWS_HEADLINES)].format(
            topic=topic, n=2 + i % 7, m=soon.month, d=soon.day
        )
        updated = min(published + dt.timedelta(days=i % 3), today)
        items.append(NewsItem(i, 10000 + COUNT - i, title, topic, dept, published, updated))
    return tuple(items)


def _list_path(page: int) -> str:
    return "/news/" if page == 1 else f"/news/?page={page}"


def _list_href(page: int) -> str:
    # Pager links are relative, as CMSs write them: "./" for page 1, a bare query otherwise.
    return "./" if page == 1 else f"?page={page}"


def _lists(b: SiteBuilder, items: tuple[NewsItem, ...]) -> None:
    pages = COUNT // PER_PAGE
    for page in range(1, pages + 1):
        chunk = items[(page - 1) * PER_PAGE : page * PER_PAGE]
        rows = [
            [roc(item.published), f'<a href="{item.id}.html">{esc(item.title)}</a>', item.dept]
            for item in chunk
        ]
        pager, head = [], ""
        if page > 1:
            pager.append(f'<li><a rel="prev" href="{_list_href(page - 1)}">上一頁</a></li>')
            head += f'<link rel="prev" href="{_list_href(page - 1)}">\n'
        pager += [
            f"<li>{n}</li>" if n == page else f'<li><a href="{_list_href(n)}">{n}</a></li>'
            for n in range(1, pages + 1)
        ]
        if page < pages:
            pager.append(f'<li><a rel="next" href="{_list_href(page + 1)}">下一頁</a></li>')
            head += f'<link rel="next" href="{_list_href(page + 1)}">\n'
        if page == 1:
            head += '<link rel="alternate" hreflang="en" href="/en/news/">\n'
        body = (
            layout.table(["發布日期", "標題", "發布單位"], rows)
            + f'\n<p>共 {COUNT} 筆資料，第 {page}/{pages} 頁</p>\n<ul class="pager">{"".join(pager)}</ul>'
        )
        crumbs = () if page == 1 else (("最新消息", "/news/"),)
        title = "最新消息" if page == 1 else f"最新消息（第{page}頁）"
        b.page(
            Page(_list_path(page), title, body, items[0].updated, crumbs=crumbs, category=CATEGORY, head=head)
        )


def _extras(b: SiteBuilder, item: NewsItem) -> list[str]:
    """Attachments, photos and the old related links that went bad over the years."""
    parts = []
    if item.index % 15 == 5 or item.index == NO_ALT_INDEX:
        src = f"/assets/img/news/{item.id}.png"
        b.file(src, files.png(320, 180, (210, 225, 240), (120, 140, 160)))
        if item.index == NO_ALT_INDEX:
            parts.append(f'<p><img src="{src}" width="320" height="180"></p>')
            b.notes["image_without_alt"] = {"page": f"/news/{item.id}.html", "src": src}
        else:
            parts.append(f'<p><img src="{src}" width="320" height="180" alt="{esc(item.topic)}活動照片"></p>')
    attachments = []
    if item.index % 10 == 0:
        path = f"/files/news/{item.id}.pdf"
        b.file(path, files.pdf(item.title, [f"發布日期：{roc(item.published)}", f"發布單位：{item.dept}"]))
        attachments.append(f'<li><a href="{path}">{esc(item.title)}（PDF）</a></li>')
    if item.index % 25 == 12:
        path = f"/files/news/{item.id}.odt"
        b.file(path, files.odt(item.title, [f"發布日期：{roc(item.published)}", f"發布單位：{item.dept}"]))
        attachments.append(f'<li><a href="{path}">{esc(item.title)}（ODT）</a></li>')
    if attachments:
        parts.append(f"<h2>附件</h2><ul>{''.join(attachments)}</ul>")
    related = {
        7: (b.ext("partner", "/events/forum.html"), "臺灣開放治理協會論壇活動網頁"),
        40: (b.ext("partner", "/events/archive.html"), "協會歷年活動"),
        120: (b.ext("partner", "/gone/2019-forum.html"), "開放治理論壇報名網頁"),
        150: (b.ext("hijacked"), "臺灣電子治理研究學會"),
        160: (b.ext("soft404", "/activity/2019/index.html"), "公共程式推動聯盟活動專頁"),
        170: ("/old/about.html", "本署簡介"),
        180: ("/news/9987.html", "相關新聞"),
        190: (b.ext("head_refused", "/tools/checker.html"), "網站檢測工具"),
    }.get(item.index)
    if related:
        parts.append(f'<h2>相關連結</h2><ul><li><a href="{related[0]}">{related[1]}</a></li></ul>')
    return parts


def _details(b: SiteBuilder, items: tuple[NewsItem, ...]) -> None:
    crumbs = (("最新消息", "/news/"),)
    for item in items:
        paragraphs = "".join(
            f"<p>{esc(text.format(agency=c.AGENCY, topic=item.topic, dept=item.dept, phone=c.PHONE))}</p>"
            for text in c.NEWS_PARAGRAPHS
        )
        body = (
            f'<p class="meta-dates">發布日期：{roc(item.published)}　更新日期：{roc(item.updated)}'
            f'　發布單位：{item.dept}</p>\n<div class="content">{paragraphs}</div>\n'
            + "\n".join(_extras(b, item))
            + '\n<p><a href="./">返回列表</a></p>'
        )
        # A handful of old items predate the metadata rules and were never tagged.
        tagged = not (item.index >= 180 and item.index % 4 == 0)
        b.page(
            Page(
                f"/news/{item.id}.html",
                item.title,
                body,
                item.updated,
                crumbs=crumbs,
                metadata=tagged,
                category=CATEGORY,
            )
        )


_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _calendar(today: dt.date, *, search: bool = True, mailbox: bool = True):
    """Month pages without end: every page links the next and previous month (in the default menu; the
    header's search box and 民意信箱 link as the variant has them)."""

    def respond(query: str) -> Response | None:
        match = _MONTH.fullmatch(parse_qs(query).get("month", [""])[0])
        if not match or not 1 <= int(match[2]) <= 12 or not 1 <= int(match[1]) <= 9998:
            return None
        year, month = int(match[1]), int(match[2])
        prev = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
        following = f"{year + (month == 12):04d}-{month % 12 + 1:02d}"
        seq = year * 12 + month
        events = "".join(
            f"<li>{month}月{day}日　{c.NEWS_TOPICS[(seq + k) % len(c.NEWS_TOPICS)][0]}說明會</li>"
            for k, day in enumerate((6, 16, 26))
        )
        body = (
            f"<ul>{events}</ul>\n"
            f'<p><a href="?month={prev}">上個月</a>　<a href="?month={following}">下個月</a></p>\n'
            '<p><a href="/news/">最新消息</a></p>'
        )
        page = Page(
            "/calendar/", f"活動行事曆 {year}年{month}月", body, today, metadata=False, category=CATEGORY
        )
        return Response(200, body=layout.render(page, search=search, mailbox=mailbox))

    return respond


def build(b: SiteBuilder) -> None:
    items = news_items(b.today)
    _lists(b, items)
    _details(b, items)
    b.dynamic["/calendar/"] = _calendar(b.today, search=b.variant.search, mailbox=b.variant.participation)
