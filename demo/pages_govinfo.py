"""政府資訊公開: the hub and one page per GIPA Art. 7 category, each listing dated documents.

Item 6 (預算及決算書) is kept three ROC years stale and item 7 (請願及訴願) has no page at all;
everything else is current relative to `today`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from govaudit.demo import content as c
from govaudit.demo import files
from govaudit.demo.layout import Page, esc, roc, roc_year, table

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

CATEGORY = ("110", "A12", "E30")
CRUMBS = (("政府資訊公開", "/gov-info/"),)
PRINT = '<p><a href="javascript:void(0)" data-action="print">列印本頁</a></p>'
STALE_YEARS = 3
TITLES = {key: title for key, _, title in c.GOV_INFO}
PATHS = {key: path for key, path, _ in c.GOV_INFO}


def _titles(b: SiteBuilder) -> dict[str, str]:
    """Category titles as this variant labels them (demo.variants)."""
    return {key: title for key, _, title in b.variant.gov_info}


def _crumbs(b: SiteBuilder) -> tuple[tuple[str, str], ...]:
    return ((b.variant.hub_label, "/gov-info/"),) if b.variant.hub else ()


def _doc(
    b: SiteBuilder, path: str, title: str, lines: list[str], *, odf: bool = False, link: str | None = None
) -> str:
    """Add a PDF (and optionally its ODT twin) and return the attachment links."""
    b.file(f"{path}.pdf", files.pdf(title, lines, link))
    links = [f'<a href="{path}.pdf">PDF</a>']
    if odf:
        b.file(f"{path}.odt", files.odt(title, lines))
        links.append(f'<a href="{path}.odt">ODT</a>')
    return "、".join(links)


def _category(b: SiteBuilder, key: str, body: str, updated: dt.date) -> None:
    b.page(Page(PATHS[key], _titles(b)[key], body + "\n" + PRINT, updated, crumbs=_crumbs(b), category=CATEGORY))


def _regulations(b: SiteBuilder) -> None:
    rows = []
    for n, (name, pcode, note) in enumerate(c.LAWS, start=1):
        amended = b.days_ago(45 + 150 * n)
        if pcode:
            where = f'<a href="{esc(c.law_url(pcode))}">全國法規資料庫</a>'
        else:
            where = _doc(b, f"/files/gov-info/laws/law{n}", name, [note, f"修正日期：{roc(amended)}"])
        rows.append([esc(name), esc(note), roc(amended), where])
    body = "<p>本署主管及業務相關之法律、法規命令如下：</p>\n" + table(
        ["法規名稱", "說明", "修正日期", "全文"], rows
    )
    _category(b, "art7-1", body, b.days_ago(45))


def _dated(
    b: SiteBuilder, key: str, folder: str, entries: list[tuple[str, str]], first: int, step: int
) -> None:
    rows = []
    for n, (name, note) in enumerate(entries, start=1):
        day = b.days_ago(first + step * (n - 1))
        links = _doc(b, f"/files/gov-info/{folder}/{n}", name, [note, f"發布日期：{roc(day)}"], odf=True)
        rows.append([roc(day), esc(name), esc(note), links])
    body = table(["發布日期", "名稱", "說明", "附件"], rows)
    _category(b, key, body, b.days_ago(first))


def _organization(b: SiteBuilder) -> None:
    # Relative links with ../ on purpose, and one to an existing section id.
    chart_day = b.days_ago(35)
    chart = _doc(
        b, "/files/gov-info/organization-chart", f"{c.AGENCY}組織架構圖", [f"更新日期：{roc(chart_day)}"]
    )
    body = (
        f"<p>本署之組織、職掌及聯絡方式如下：</p>\n<dl><dt>地址</dt><dd>{c.ADDRESS}</dd>"
        f"<dt>電話</dt><dd>{c.PHONE}</dd><dt>傳真</dt><dd>{c.FAX}</dd>"
        f"<dt>電子郵件</dt><dd>{c.EMAIL}</dd><dt>網址</dt><dd>https://www.{c.DOMAIN}/</dd></dl>\n<ul>"
        '<li><a href="../about/organization.html">組織職掌</a></li>'
        '<li><a href="/about/organization.html#div-planning">綜合規劃組業務職掌</a></li>'
        '<li><a href="../about/director.html">首長介紹</a></li>'
        '<li><a href="../about/contact.html">聯絡資訊</a></li></ul>\n'
        + table(["更新日期", "文件", "附件"], [[roc(chart_day), "組織架構圖", chart]])
    )
    _category(b, "art7-3", body, b.days_ago(35))


def _policy_plans(b: SiteBuilder) -> str:
    year = roc_year(b.today)
    entries = [
        (f"{year}年度施政計畫", dt.date(b.today.year - 1, 12, 15)),
        (f"{year - 1}年度施政計畫", dt.date(b.today.year - 2, 12, 15)),
        (f"中程施政計畫（{year - 1}至{year + 2}年度）", dt.date(b.today.year - 2, 11, 30)),
        (f"{year - 2}年度施政計畫", dt.date(b.today.year - 3, 12, 16)),
    ]
    rows = []
    for n, (name, day) in enumerate(entries, start=1):
        lines = ["施政目標：推動以使用者為中心之數位服務。", f"核定日期：{roc(day)}"]
        rows.append([roc(day), esc(name), _doc(b, f"/files/gov-info/plans/{n}", name, lines, odf=True)])
    _category(b, "art7-5a", table(["核定日期", "計畫名稱", "附件"], rows), b.days_ago(40))
    return "/files/gov-info/plans/1.pdf"


def _statistics(b: SiteBuilder) -> None:
    # Monthly reports come out on the 5th of the next month; list the 12 published ones.
    months: list[tuple[dt.date, dt.date]] = []
    first = b.today.replace(day=1)
    while len(months) < 12:
        first = (first - dt.timedelta(days=1)).replace(day=1)
        release = (first + dt.timedelta(days=32)).replace(day=5)
        if release <= b.today:
            months.append((first, release))
    rows = []
    for first, release in months:
        name = f"{first.year - 1911}年{first.month}月業務統計月報"
        base = f"/files/gov-info/statistics/{first:%Y-%m}"
        seed = first.year * 12 + first.month
        figures: list[list[str | int]] = [
            ["項目", "件數"],
            ["線上申辦件數", 1200 + seed % 97 * 7],
            ["網站瀏覽人次", 85000 + seed % 89 * 311],
            ["民意信箱案件", 40 + seed % 23],
            ["無障礙檢測輔導件數", 12 + seed % 11],
        ]
        b.file(f"{base}.ods", files.ods(name, figures))
        b.file(f"{base}.pdf", files.pdf(name, [f"{label}：{value}" for label, value in figures[1:]]))
        rows.append([roc(release), esc(name), f'<a href="{base}.ods">ODS</a>、<a href="{base}.pdf">PDF</a>'])
    _category(b, "art7-5b", table(["發布日期", "統計報表", "附件"], rows), months[0][1])


def _research(b: SiteBuilder) -> None:
    rows = []
    for n, (kind, name, author) in enumerate(c.RESEARCH, start=1):
        day = b.days_ago(90 + 120 * (n - 1))
        # The first report cites the open data portal as a clickable link inside the PDF.
        link = c.DATA_GOV_URL if n == 1 else None
        path = f"/files/gov-info/research/{n}"
        if link:
            b.notes["pdf_links"] = [{"source": f"{path}.pdf", "url": link}]
        rows.append(
            [
                kind,
                esc(name),
                esc(author),
                roc(day),
                _doc(b, path, name, [f"{kind}：{author}", f"完成日期：{roc(day)}"], link=link),
            ]
        )
    body = (
        table(["類別", "報告名稱", "執行單位", "完成日期", "全文"], rows)
        + f'\n<p>本署出國報告亦登載於<a href="{c.REPORT_NAT_URL}">公務出國報告資訊網</a>；'
        f'委託研究計畫資訊請至<a href="{c.GRB_URL}">政府研究資訊系統（GRB）</a>查詢。</p>'
    )
    _category(b, "art7-5c", body, b.days_ago(90))


def _budget(b: SiteBuilder) -> int:
    latest = roc_year(b.today) - STALE_YEARS
    y = b.today.year
    entries = [
        (f"{latest}年度單位法定預算", dt.date(y - STALE_YEARS, 2, 15)),
        (f"{latest}年度單位預算案", dt.date(y - STALE_YEARS - 1, 8, 31)),
        (f"{latest - 1}年度單位決算", dt.date(y - STALE_YEARS, 4, 20)),
        (f"{latest - 1}年度單位法定預算", dt.date(y - STALE_YEARS - 1, 2, 10)),
        (f"{latest - 2}年度單位決算", dt.date(y - STALE_YEARS - 1, 4, 18)),
    ]
    rows = []
    for n, (name, day) in enumerate(entries, start=1):
        rows.append(
            [roc(day), esc(name), _doc(b, f"/files/gov-info/budget/{n}", name, [f"公告日期：{roc(day)}"])]
        )
    body = "<p>本署單位預算及決算書如下：</p>\n" + table(["公告日期", "名稱", "附件"], rows)
    _category(b, "art7-6", body, max(day for _, day in entries))
    return latest


def _procurement(b: SiteBuilder) -> None:
    rows = []
    for n, (name, amount) in enumerate(c.PROCUREMENT, start=1):
        day = b.days_ago(20 + 70 * (n - 1))
        links = _doc(
            b,
            f"/files/gov-info/contracts/{n}",
            f"{name}契約書",
            [f"決標日期：{roc(day)}", f"決標金額：{amount:,}元"],
        )
        rows.append([roc(day), esc(name), f"{amount:,}", links])
    body = (
        "<p>本署書面之採購契約如下，招標及決標公告請至"
        f'<a href="{c.PCC_URL}">政府電子採購網</a>查詢。</p>\n'
        + table(["決標日期", "採購案名稱", "決標金額（元）", "契約"], rows)
    )
    _category(b, "art7-8", body, b.days_ago(20))


def _grants(b: SiteBuilder) -> None:
    # Quarterly tables, published a month after each quarter ends; the latest four.
    quarters: list[tuple[int, int, dt.date]] = []
    year, q = b.today.year, (b.today.month - 1) // 3 + 1
    while len(quarters) < 4:
        q, year = (q - 1, year) if q > 1 else (4, year - 1)
        end = dt.date(year, 3 * q, 1) + dt.timedelta(days=31)
        release = end.replace(day=1) + dt.timedelta(days=29)
        if release <= b.today:
            quarters.append((year, q, release))
    rows = []
    for year, q, release in quarters:
        name = f"{year - 1911}年第{q}季對民間團體及個人補（捐）助經費明細"
        base = f"/files/gov-info/grants/{year}-q{q}"
        figures: list[list[str | int]] = [
            ["受補助對象", "補助事項", "金額（元）"],
            ["社團法人示範資料協會", "開放資料推廣活動", 300000],
            ["王○明", "偏鄉數位培力志工交通費", 12000],
            ["示範科技大學", "數位包容課程", 450000],
        ]
        b.file(f"{base}.ods", files.ods(name, figures))
        b.file(f"{base}.pdf", files.pdf(name, ["、".join(str(v) for v in row) for row in figures[1:]]))
        rows.append([roc(release), esc(name), f'<a href="{base}.ods">ODS</a>、<a href="{base}.pdf">PDF</a>'])
    _category(b, "art7-9", table(["公告日期", "名稱", "附件"], rows), quarters[0][2])


def _minutes(b: SiteBuilder) -> list[str]:
    rows, pages = [], []
    for k in range(10):
        n = 30 - k
        day = b.days_ago(25 + 61 * k)
        topic = c.MINUTES_TOPICS[k % len(c.MINUTES_TOPICS)]
        path = f"/gov-info/minutes/{n}.html"
        name = f"數位服務審議委員會第{n}次委員會議紀錄"
        members = "、".join(c.COMMITTEE[(k + j) % len(c.COMMITTEE)] for j in range(5))
        lines = [f"會議時間：{roc(day)} 上午10時", f"案由：{topic}", "決議：照案通過。"]
        links = _doc(b, f"/files/gov-info/minutes/{n}", name, lines, odf=True)
        body = (
            f"<dl><dt>會議時間</dt><dd>{roc(day)} 上午10時</dd><dt>地點</dt><dd>本署第一會議室</dd>"
            f"<dt>主席</dt><dd>署長 {c.LEADERS[0][1]}</dd><dt>出席委員</dt><dd>{members}</dd></dl>\n"
            f"<h2>議程</h2><ol><li>主席致詞</li><li>確認上次會議紀錄</li><li>討論事項：{topic}</li></ol>\n"
            "<h2>決議</h2><p>照案通過，請業務單位依委員意見修正後辦理。</p>\n"
            f"<p>會議紀錄全文：{links}</p>"
        )
        b.page(
            Page(
                path,
                name,
                body,
                day,
                crumbs=(*_crumbs(b), (_titles(b)["art7-10"], PATHS["art7-10"])),
                category=CATEGORY,
            )
        )
        rows.append([roc(day), f'<a href="{path}">{name}</a>', esc(topic)])
        pages.append(path)
    body = "<p>本署數位服務審議委員會為合議制組織，歷次委員會議紀錄如下：</p>\n" + table(
        ["會議日期", "會議紀錄", "案由"], rows
    )
    _category(b, "art7-10", body, b.days_ago(25))
    return pages


def _hub(b: SiteBuilder) -> None:
    items = "".join(f'<li><a href="{path}">{title}</a></li>' for _, path, title in b.variant.gov_info)
    body = (
        "<p>依政府資訊公開法第7條規定，本署主動公開下列政府資訊：</p>\n"
        f"<ul>{items}</ul>\n<h2>其他公開資訊</h2><ul>"
        '<li><a href="/publications/">出版品資訊</a></li><li><a href="/services/forms.html">書表下載</a></li>'
        '<li><a href="/policy/privacy.html">個人資料保護</a></li></ul>'
    )
    b.page(Page("/gov-info/", b.variant.hub_label, body, b.days_ago(20), category=CATEGORY))


def build(b: SiteBuilder) -> None:
    if b.variant.hub:
        _hub(b)
    _regulations(b)
    _dated(b, "art7-2", "rules", c.ADMIN_RULES, 60, 97)
    _organization(b)
    _dated(b, "art7-4", "guidance", c.GUIDANCE, 75, 110)
    current_plan = _policy_plans(b)
    _statistics(b)
    _research(b)
    stale_year = _budget(b)
    _procurement(b)
    _grants(b)
    minutes = _minutes(b) if b.variant.minutes else []

    def found(key: str, *extra: str, **facts: object) -> dict:
        return {
            "label": _titles(b)[key],
            "status": "found",
            "stale": False,
            "evidence": [PATHS[key], *extra],
            **facts,
        }

    b.notes["disclosure"] = {
        "art7-1": found("art7-1"),
        "art7-2": found("art7-2"),
        "art7-3": found("art7-3", "/about/organization.html", "/about/contact.html"),
        "art7-4": found("art7-4"),
        "art7-5a": found("art7-5a", current_plan, latest_roc_year=roc_year(b.today)),
        "art7-5b": found("art7-5b"),
        "art7-5c": found("art7-5c"),
        "art7-6": {**found("art7-6", latest_roc_year=stale_year), "status": "stale", "stale": True},
        "art7-7": {
            "label": "請願之處理結果及訴願之決定",
            "status": "missing",
            "stale": False,
            "evidence": [],
        },
        "art7-8": found("art7-8"),
        "art7-9": found("art7-9"),
        "art7-10": found("art7-10", *minutes[:1]) if b.variant.minutes else {
            "label": "委員會議紀錄",
            "status": "not_applicable",
            "stale": False,
            "evidence": [],
        },
    }
