"""Home, policies (privacy, open data, update rules), 網站導覽, 相關連結, search and the CMS login."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govaudit.demo import content as c
from govaudit.demo.layout import Page, esc, link_list, roc, roc_year, table
from govaudit.demo.pages_news import news_items
from govaudit.demo.pages_services import PARTICIPATION_LINKS
from govaudit.demo.response import Response

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

# Category.Theme / .Cake / .Service per section (shape-valid codes for 分類檢索).
CAT_HOME = ("140", "C21", "E10")
CAT_POLICY = ("110", "A13", "E10")

SITEMAP_PATHS = [
    "/",
    "/about/",
    "/about/organization.html",
    "/about/director.html",
    "/about/contact.html",
    "/about/location.html",
    "/news/",
    "/gov-info/",
    *(path for _, path, _ in c.GOV_INFO),
    "/business/",
    "/services/",
    "/services/guide.html",
    "/services/forms.html",
    "/services/faq.html",
    "/publications/",
    "/policy/privacy.html",
    "/policy/open-data.html",
    "/policy/update-sop.html",
    "/sitemap.html",
    "/links.html",
]
LARGE_FILE = "/files/archive-large.zip"
# The advanced search: a keyword and a section to search in (分類檢索).
SEARCH_FORM = (
    '<form action="/search/" method="get"><label for="keyword">關鍵字</label>'
    '<input id="keyword" name="q" type="search"><label for="section">分類</label>'
    '<select id="section" name="section"><option value="">全部</option><option value="news">最新消息</option>'
    '<option value="services">為民服務</option></select><button type="submit">查詢</button></form>\n'
    "<p>請輸入關鍵字查詢本署網站資料。</p>"
)


def _home(b: SiteBuilder) -> None:
    latest = "".join(
        f'<li><span class="date">{roc(item.published)}</span> <a href="/news/{item.id}.html">{esc(item.title)}</a></li>'
        for item in news_items(b.today)[:6]
    )
    expo_year = roc_year(b.today) - 8
    body = (
        '<section class="banner"><p><a href="/promo/">「數位服務體驗週」推廣活動專區</a></p></section>\n'
        f'<section><h2>最新消息</h2><ul class="news">{latest}</ul><p><a href="/news/">更多最新消息</a></p></section>\n'
        "<section><h2>便民服務</h2><ul>"
        + (f'<li><a href="/gov-info/" title="{b.variant.hub_label}">{b.variant.hub_label}</a></li>' if b.variant.hub
           else "")
        + '<li><a href="/services/guide.html">申辦須知</a></li>'
        '<li><a href="/services/forms.html">書表下載</a></li>'
        + "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in PARTICIPATION_LINKS
                  if b.variant.participation)
        +
        '<li><a href="/publications/">出版品資訊</a></li>'
        f'<li><a href="/calendar/?month={b.today:%Y-%m}">活動行事曆</a></li>'
        '<li><a href="/mobile/">行動版網站</a></li></ul></section>\n'
        "<section><h2>業務專區</h2>"
        + link_list([(f"/business/{slug}.html", name) for slug, name, _ in c.BUSINESS])
        + "</section>\n<section><h2>歷史專區</h2>"
        + link_list(
            [
                ("/legacy/notice.html", "舊版網站公告"),
                ("/archive/expo.html", f"{expo_year}年數位服務博覽會回顧"),
            ]
        )
        + "</section>"
    )
    b.page(
        Page(
            "/",
            "首頁",
            body,
            b.days_ago(1),
            category=CAT_HOME,
            description=f"{c.AGENCY}全球資訊網：最新消息、政府資訊公開、為民服務",
            head='<link rel="alternate" hreflang="en" href="/en/">\n',
        )
    )


def _policies(b: SiteBuilder) -> None:
    sections = [
        (
            "scope",
            "一、適用範圍",
            "本隱私權及安全政策適用於本署網站；本網站連結之其他網站，適用各該網站之隱私權政策。",
        ),
        (
            "collection",
            "二、個人資料之蒐集及使用",
            "本署僅於您使用民意信箱或活動報名時，蒐集處理所需之姓名、電子郵件等個人資料，"
            "並依個人資料保護法於特定目的範圍內利用。",
        ),
        (
            "security",
            "三、資訊安全",
            "本網站設有防火牆、入侵偵測及定期弱點掃描等安全措施，個人資料僅限經授權之人員存取。",
        ),
        (
            "sharing",
            "四、資料分享及公開方式",
            "本署不會將您的個人資料出售、交換或提供予第三人，但法律另有規定者不在此限。",
        ),
        (
            "cookies",
            "五、Cookie 之使用",
            "本網站僅使用維持網站運作所必要之 Cookie，不使用廣告或追蹤用途之 Cookie。",
        ),
    ]
    privacy = "".join(f'<h2><a name="{name}"></a>{head}</h2><p>{text}</p>\n' for name, head, text in sections)
    b.page(
        Page(
            "/policy/privacy.html",
            "隱私權及安全政策",
            privacy,
            b.days_ago(300),
            category=CAT_POLICY,
            head='<link rel="alternate" hreflang="en" href="/en/privacy.html">\n',
        )
    )
    open_data = (
        "<p>為促進政府資訊之流通與利用，本網站所提供之文字、圖片及資料，除另有註明者外，"
        "均依「政府資料開放授權條款－第1版」提供公眾利用。</p>\n"
        "<p>使用者得重製、改作、編輯、公開傳輸或為其他方式之利用，並應註明出處為「數位服務示範署」。</p>\n"
        f'<p>本署開放資料集請至<a href="{c.DATA_GOV_URL}">政府資料開放平臺</a>查詢。</p>'
    )
    b.page(
        Page(
            "/policy/open-data.html",
            "政府網站資料開放宣告",
            open_data,
            b.days_ago(400),
            category=CAT_POLICY,
            head='<link rel="alternate" hreflang="en" href="/en/open-data.html">\n',
        )
    )
    frequencies = [
        ["最新消息", "隨時", "各業務單位"],
        ["政府資訊公開", "每月檢視，資料異動時即時更新", "各業務單位、主計室"],
        ["業務統計", "每月", "主計室"],
        ["書表下載、申辦須知", "每季檢視", "各業務單位"],
        ["網站連結正確性", "每月", "綜合規劃組"],
    ]
    sop = (
        "<h2>一、目的</h2><p>為確保本署網站資料之正確性及時效性，特訂定本規定。</p>\n"
        "<h2>二、權責分工</h2><p>各單位負責所管網頁內容之發布、更新及下架；綜合規劃組負責網站整體維運及稽核。</p>\n"
        "<h2>三、更新頻率</h2>\n" + table(["資料類別", "更新頻率", "權責單位"], frequencies) + "\n"
        "<h2>四、作業流程</h2><ol><li>承辦人於內容管理系統編輯資料並標示更新日期。</li>"
        "<li>單位主管審核後發布。</li><li>綜合規劃組每月抽檢至少20項網頁內容及失效連結，"
        "失效連結應於1個工作天內修正。</li></ol>\n"
        '<h2>五、內容管理系統</h2><p><a href="/admin/">網站管理後台（限本署同仁使用）</a></p>'
    )
    b.page(Page("/policy/update-sop.html", "網站資料更新規定", sop, b.days_ago(120), category=CAT_POLICY))


def _sitemap_page(b: SiteBuilder) -> None:
    tree = [
        (
            "/about/",
            "關於本署",
            [
                ("/about/history.html", "歷史沿革"),
                ("/about/organization.html", "組織職掌"),
                ("/about/director.html", "首長介紹"),
                ("/about/contact.html", "聯絡我們"),
                ("/about/location.html", "交通位置"),
            ],
        ),
        ("/news/", "最新消息", []),
        ("/gov-info/" if b.variant.hub else "", b.variant.hub_label if b.variant.hub else "其他資訊",
         [(path, title) for _, path, title in b.variant.gov_info]),
        ("/business/", "業務專區", [(f"/business/{slug}.html", name) for slug, name, _ in c.BUSINESS]),
        (
            "/services/",
            "為民服務",
            [
                ("/services/guide.html", "申辦須知"),
                ("/services/forms.html", "書表下載"),
                ("/services/faq.html", "常見問答"),
                *([("/services/mailbox.html", "民意信箱"), *PARTICIPATION_LINKS] if b.variant.participation else []),
            ],
        ),
        ("/publications/", "出版品資訊", []),
        ("/links.html", "相關連結", []),
    ]
    items = "".join(
        (f'<li><a href="{href}">{label}</a>' if href else f"<li>{label}")
        + (link_list(children) if children else "")
        + "</li>"
        for href, label, children in tree
    )
    body = (
        "<p>本網站依無障礙網頁設計原則建置，網站主要內容分為三大區塊：上方功能區塊、中央內容區塊及下方功能區塊，"
        "並設定下列快速鍵：</p><ul><li>Alt+U：上方功能區塊</li><li>Alt+C：中央內容區塊</li>"
        "<li>Alt+Z：下方功能區塊</li></ul>\n"
        f"<h2>網站架構</h2><ol>{items}</ol>\n"
        '<p><a href="/sitemap.xml">XML 網站地圖</a>　<a href="/policy/update-sop.html">網站資料更新規定</a></p>'
    )
    b.page(
        Page(
            "/sitemap.html",
            "網站導覽",
            body,
            b.days_ago(15),
            category=CAT_POLICY,
            head='<link rel="alternate" hreflang="en" href="/en/sitemap.html">\n',
        )
    )


def _relatedlink_list(b: SiteBuilder) -> None:
    government = [
        (c.EGOV_URL, "我的E政府"),
        ("https://www.ey.gov.tw/", "行政院"),
        ("https://moda.gov.tw/", "數位發展部"),
        ("https://law.moj.gov.tw/", "全國法規資料庫"),
        (c.PCC_URL, "政府電子採購網"),
        (c.DATA_GOV_URL, "政府資料開放平臺"),
    ]
    # The partner, tools and former-partner links each point at a demo host with one behaviour.
    partners = [
        (b.ext("partner"), "臺灣開放治理協會"),
        (b.ext("partner", "/resources/toolkit.html"), "臺灣開放治理協會－開放資料工具包"),
        (b.ext("head_refused", "/tools/"), "網站檢測工具平臺"),
        (b.ext("rate_limited", "/api/docs"), "開放資料 API 說明文件"),
        (b.ext("unavailable"), "數位服務共用平臺"),
        (b.ext("hang", "/report/"), "網站服務品質填報系統"),
        (b.ext("refused"), "舊版電子報訂閱系統"),
        (b.ext("hijacked"), "臺灣電子治理研究學會"),
        (b.ext("soft404", "/projects/index.html"), "公共程式推動聯盟"),
    ]
    body = "<h2>政府機關</h2>" + link_list(government) + "\n<h2>合作夥伴及相關網站</h2>" + link_list(partners)
    b.page(Page("/links.html", "相關連結", body, b.days_ago(45), category=CAT_HOME))


def _search_and_admin(b: SiteBuilder) -> None:
    # The search page (its answers: demo/search.py); the no-search variant has none.
    if b.variant.search:
        b.page(Page("/search/", "網站搜尋", SEARCH_FORM, b.days_ago(100), category=CAT_HOME))
    # The CMS login: it answers 200, but robots.txt keeps crawlers out.
    admin = (
        '<!DOCTYPE html>\n<html lang="zh-Hant-TW">\n<head>\n<meta charset="utf-8">\n<title>網站管理後台</title>\n'
        '</head>\n<body>\n<h1>網站管理後台</h1>\n<form method="post"><label for="user">帳號</label>'
        '<input id="user" name="user"><label for="pw">密碼</label><input id="pw" name="pw" type="password">'
        '<button type="submit">登入</button></form>\n</body>\n</html>\n'
    )
    b.add("/admin/", Response(200, body=admin.encode("utf-8")))


def build(b: SiteBuilder) -> None:
    _home(b)
    _policies(b)
    _sitemap_page(b)
    _relatedlink_list(b)
    _search_and_admin(b)
    b.notes["site_elements"] = {
        "home": "/",
        "disclosure_hub": "/gov-info/",
        "sitemap_page": "/sitemap.html",
        "privacy_policy": "/policy/privacy.html",
        "open_data_declaration": "/policy/open-data.html",
        "update_rules": "/policy/update-sop.html",
        "services": "/services/",
        "application_guide": "/services/guide.html",
        "forms": "/services/forms.html",
        "publications": "/publications/",
        "contact": "/about/contact.html",
        "organization": "/about/organization.html",
        "english_home": "/en/",
    }
    if not b.variant.hub:
        del b.notes["site_elements"]["disclosure_hub"]
