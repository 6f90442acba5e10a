"""The page templates (Chinese and English), the stylesheet and script, and date formatting.

Every page shares the header (accesskey anchors, skip link, search form, menu) and footer
(contacts, policy links, 更新日期, accessibility badge) the domain guidelines expect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import KW_ONLY, dataclass
from html import escape

from govaudit.demo import content as c

ZH_NAV = [
    ("/about/", "關於本署", ""),
    ("/news/", "最新消息", ""),
    ("/gov-info/", "政府資訊公開", "政府資訊公開"),
    ("/business/", "業務專區", ""),
    ("/services/", "為民服務", ""),
    ("/publications/", "出版品資訊", ""),
    ("/links.html", "相關連結", ""),
]
EN_NAV = [
    ("/en/about/", "About DSDA"),
    ("/en/news/", "News"),
    ("/en/services.html", "Services"),
    ("/en/gov-info.html", "Government Information"),
    ("/en/contact.html", "Contact Us"),
]

SEARCH_BOX = (
    '<form class="search" action="/search/" method="get" role="search">'
    '<label for="q">搜尋</label><input id="q" name="q" type="search">'
    '<button type="submit">搜尋</button> <a href="/search/">進階搜尋</a></form>\n'
)

CSS = """\
body{margin:0;font-family:"Noto Sans TC","Microsoft JhengHei",sans-serif;color:#1d2733;line-height:1.7}
a{color:#0b5394}a:focus{outline:3px solid #f5a623}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px}
header,footer{background:#0b3d6b;color:#fff;padding:8px 24px}header a,footer a{color:#fff}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:16px}
main{max-width:1080px;margin:0 auto;padding:16px 24px}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #c8d1dc;padding:6px 8px;text-align:left}
.breadcrumb ol{list-style:none;display:flex;gap:8px;padding:0}.meta-dates{color:#4a5a6a}
.pager{display:flex;gap:8px;list-style:none;padding:0}.badges img{vertical-align:middle}
"""

JS = """\
// Font-size switch and print button; the site works fully without script.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-action]");
  if (!target) { return; }
  event.preventDefault();
  if (target.dataset.action === "print") { window.print(); }
});
"""


def roc(day: dt.date) -> str:
    """ROC calendar date as agencies print it: 115-11-02."""
    return f"{day.year - 1911}-{day.month:02d}-{day.day:02d}"


def roc_year(day: dt.date) -> int:
    return day.year - 1911


def esc(text: object) -> str:
    return escape(str(text), quote=True)


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    body: str  # inner HTML of the main content area, after the <h1>
    updated: dt.date
    _: KW_ONLY
    lang: str = "zh"  # "zh" or "en"
    crumbs: tuple[tuple[str, str], ...] = ()  # (label, href) ancestors between home and this page
    description: str = ""
    metadata: bool = True  # DC.* and Category.* elements for 政府入口網 分類檢索
    category: tuple[str, str, str] = ("140", "C21", "E10")  # Category.Theme, .Cake, .Service
    head: str = ""  # extra <head> elements (pager rel links, hreflang alternates)


def _metadata(page: Page) -> str:
    agency = c.AGENCY if page.lang == "zh" else c.AGENCY_EN
    description = page.description or page.title
    fields = [
        ("DC.Title", page.title),
        ("DC.Creator", agency),
        ("DC.Subject", page.title),
        ("DC.Description", description),
        ("DC.Contributor", agency),
        ("DC.Type", "文字" if page.lang == "zh" else "Text"),
        ("DC.Format", "text/html"),
        ("DC.Source", agency),
        ("DC.Language", "Chinese" if page.lang == "zh" else "English"),
        ("DC.Coverage", "臺灣" if page.lang == "zh" else "Taiwan"),
        ("DC.Publisher", agency),
        ("DC.Date", page.updated.isoformat()),
        ("DC.Identifier", c.AGENCY_CODE),
        ("DC.Relation", page.path),
        ("DC.Rights", agency),
        ("Category.Theme", page.category[0]),
        ("Category.Cake", page.category[1]),
        ("Category.Service", page.category[2]),
    ]
    return "".join(f'<meta name="{name}" content="{esc(value)}">\n' for name, value in fields)


def _head(page: Page, full_title: str, badge_meta: str) -> str:
    meta = _metadata(page) if page.metadata else ""
    return (
        '<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(full_title)}</title>\n"
        f'<meta name="description" content="{esc(page.description or page.title)}">\n'
        f"{meta}"
        f'<meta name="Accessible_website" content="{badge_meta}">\n'
        '<link rel="icon" href="/assets/img/favicon.png" type="image/png">\n'
        '<link rel="stylesheet" href="/assets/css/site.css">\n'
        f"{page.head}"
        '<script src="/assets/js/site.js" defer></script>\n</head>\n'
    )


def _nav_item(entry: tuple) -> str:
    """(href, label, title) or (href, label, title, [(href, label), ...]): a menu entry and its submenu."""
    href, label, title = entry[:3]
    head = (f'<a href="{href}"' + (f' title="{title}"' if title else "") + f">{label}</a>") if href else label
    sub = link_list(entry[3]) if len(entry) > 3 else ""
    return f"<li>{head}{sub}</li>"


def _zh(page: Page, menu: list[tuple] | None = None, *, search: bool = True, mailbox: bool = True) -> str:
    home = page.path == "/"
    full_title = f"{c.AGENCY}全球資訊網" if home else f"{page.title}｜{c.AGENCY}"
    nav = "".join(_nav_item(entry) for entry in (ZH_NAV if menu is None else menu))
    crumbs = ""
    if not home:
        trail = [("/", "首頁"), *((href, label) for label, href in page.crumbs)]
        items = "".join(f'<li><a href="{href}">{esc(label)}</a></li>' for href, label in trail)
        crumbs = f'<nav class="breadcrumb" aria-label="導覽路徑"><ol>{items}<li>{esc(page.title)}</li></ol></nav>\n'
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hant-TW">\n'
        + _head(page, full_title, "本網站通過AA檢測等級無障礙網頁檢測")
        + '<body>\n<a class="skip" href="#C">跳到主要內容區塊</a>\n'
        '<header id="U">\n<a accesskey="U" href="#U" title="上方功能區">:::</a>\n'
        f'<a class="brand" href="/"><img src="/assets/img/logo.png" width="240" height="48" alt="{c.AGENCY}"></a>\n'
        '<ul class="toplinks"><li><a href="/">回首頁</a></li><li><a href="/sitemap.html">網站導覽</a></li>'
        '<li><a href="/en/" lang="en" hreflang="en">English</a></li>'
        + ('<li><a href="/services/mailbox.html">民意信箱</a></li>' if mailbox else "") + "</ul>\n"
        + (SEARCH_BOX if search else "")
        +         f'<nav aria-label="主選單"><ul>{nav}</ul></nav>\n</header>\n'
        '<main id="C">\n<a accesskey="C" href="#C" title="中央內容區">:::</a>\n'
        f"{crumbs}<h1>{esc(page.title)}</h1>\n{page.body}\n</main>\n"
        '<footer id="Z">\n<a accesskey="Z" href="#Z" title="下方功能區">:::</a>\n'
        '<nav aria-label="頁尾選單"><ul>'
        '<li><a href="/policy/privacy.html">隱私權及安全政策</a></li>'
        '<li><a href="/policy/open-data.html" title="政府網站資料開放宣告">政府網站資料開放宣告</a></li>'
        '<li><a href="/sitemap.html">網站導覽</a></li>'
        '<li><a href="/policy/update-sop.html">網站資料更新規定</a></li>'
        '<li><a href="/about/contact.html">聯絡我們</a></li></ul></nav>\n'
        f"<address><p>地址：{c.ADDRESS}</p><p>電話：{c.PHONE}　傳真：{c.FAX}</p>"
        f'<p>電子郵件：<a href="mailto:{c.EMAIL}">{c.EMAIL}</a></p><p>服務時間：{c.HOURS}</p></address>\n'
        f"<p>更新日期：{roc(page.updated)}</p>\n"
        f'<p class="badges"><a href="{c.BADGE_URL}" title="無障礙網站"><img src="/assets/img/accessibility-aa.png"'
        ' width="88" height="31" alt="通過AA檢測等級無障礙網頁檢測"></a>\n'
        f'<a href="{c.EGOV_URL}" title="我的E政府"><img src="/assets/img/egov.png" width="88" height="31"'
        ' alt="我的E政府"></a>\n'
        f'<a href="{c.FACEBOOK_URL}" title="{c.AGENCY} Facebook 粉絲專頁">Facebook</a></p>\n'
        f"<p>{c.FICTION_NOTE}</p>\n</footer>\n</body>\n</html>\n"
    )


def _en(page: Page) -> str:
    home = page.path == "/en/"
    full_title = c.AGENCY_EN if home else f"{page.title} | {c.AGENCY_EN}"
    nav = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in EN_NAV)
    crumbs = ""
    if not home:
        trail = [("/en/", "Home"), *((href, label) for label, href in page.crumbs)]
        items = "".join(f'<li><a href="{href}">{esc(label)}</a></li>' for href, label in trail)
        crumbs = f'<nav class="breadcrumb" aria-label="Breadcrumb"><ol>{items}<li>{esc(page.title)}</li></ol></nav>\n'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n'
        + _head(page, full_title, "This website passed accessibility inspection at conformance level AA")
        + '<body>\n<a class="skip" href="#C">Skip to main content</a>\n'
        '<header id="U">\n<a accesskey="U" href="#U" title="Top area">:::</a>\n'
        f'<a class="brand" href="/en/"><img src="/assets/img/logo.png" width="240" height="48" alt="{c.AGENCY_EN}"></a>\n'
        '<ul class="toplinks"><li><a href="/en/">Home</a></li><li><a href="/en/sitemap.html">Sitemap</a></li>'
        '<li><a href="/" lang="zh-Hant-TW" hreflang="zh-Hant-TW">中文</a></li></ul>\n'
        f'<nav aria-label="Main menu"><ul>{nav}</ul></nav>\n</header>\n'
        '<main id="C">\n<a accesskey="C" href="#C" title="Main content">:::</a>\n'
        f"{crumbs}<h1>{esc(page.title)}</h1>\n{page.body}\n</main>\n"
        '<footer id="Z">\n<a accesskey="Z" href="#Z" title="Bottom area">:::</a>\n'
        '<nav aria-label="Footer menu"><ul>'
        '<li><a href="/en/privacy.html">Privacy and Security Policy</a></li>'
        '<li><a href="/en/open-data.html">Government Website Open Data Declaration</a></li>'
        '<li><a href="/en/sitemap.html">Sitemap</a></li>'
        '<li><a href="/en/contact.html">Contact Us</a></li></ul></nav>\n'
        f"<address><p>Address: {c.ADDRESS_EN}</p><p>Tel: {c.PHONE_TEL} | Fax: {c.FAX_EN}</p>"
        f'<p>E-mail: <a href="mailto:{c.EMAIL}">{c.EMAIL}</a></p><p>Office hours: {c.HOURS_EN}</p></address>\n'
        f"<p>Last updated: {page.updated.isoformat()}</p>\n"
        f'<p class="badges"><a href="{c.BADGE_URL}" title="Accessible website"><img src="/assets/img/accessibility-aa.png"'
        ' width="88" height="31" alt="Passed accessibility inspection, conformance level AA"></a>\n'
        f'<a href="{c.FACEBOOK_URL}" title="DSDA on Facebook">Facebook</a></p>\n'
        f"<p>{c.FICTION_NOTE_EN}</p>\n</footer>\n</body>\n</html>\n"
    )


def render(page: Page, menu: list[tuple] | None = None, *, search: bool = True, mailbox: bool = True) -> bytes:
    """The page's HTML; `menu` replaces the Chinese main menu, `search` and `mailbox` drop the header's
    search box and 民意信箱 link (demo variants)."""
    return (_zh(page, menu, search=search, mailbox=mailbox) if page.lang == "zh" else _en(page)).encode("utf-8")


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A data table; cells are HTML already (they often hold links)."""
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def link_list(items: list[tuple[str, str]]) -> str:
    return "<ul>" + "".join(f'<li><a href="{href}">{esc(label)}</a></li>' for href, label in items) + "</ul>"
