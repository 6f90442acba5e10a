"""為民服務 (申辦須知, items, 書表下載 in ODF and OOXML, FAQ, 民意信箱) and 出版品資訊."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govaudit.demo import content as c
from govaudit.demo import files
from govaudit.demo.layout import Page, esc, link_list, roc, roc_year, table
from govaudit.demo.response import Response

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

CAT_SERVICES = ("170", "C31", "E40")
CAT_PUBLICATIONS = ("140", "C22", "E50")
LARGE_FILE = "/files/archive-large.zip"
# The e-participation and online-service pages (demo/pages_participation.py), linked from 為民服務 and the home page.
PARTICIPATION_LINKS = [
    ("/services/online.html", "線上服務"),
    ("/services/epaper.html", "電子報訂閱"),
    ("/services/survey.html", "民意調查"),
]


def _forms(b: SiteBuilder) -> list[list[str]]:
    rows = []
    pairs = []
    for code, name in c.FORMS:
        text = [f"{c.AGENCY}{name}", "申請人姓名：", "聯絡電話：", "電子郵件：", "申請事項說明："]
        base = f"/files/forms/{code}"
        b.file(f"{base}.docx", files.docx(name, text))
        links = [f'<a href="{base}.docx">DOCX</a>']
        if code != c.FORM_WITHOUT_ODF:
            b.file(f"{base}.odt", files.odt(name, text))
            b.file(f"{base}.pdf", files.pdf(name, text))
            links = [f'<a href="{base}.odt">ODT</a>', *links, f'<a href="{base}.pdf">PDF</a>']
            pairs.append([f"{base}.odt", f"{base}.docx"])
        rows.append([esc(name), "、".join(links)])
    b.notes["forms"] = {
        "page": "/services/forms.html",
        "odf_pairs": pairs,
        "docx_without_odf": f"/files/forms/{c.FORM_WITHOUT_ODF}.docx",
    }
    return rows


def _services(b: SiteBuilder) -> None:
    crumbs = (("為民服務", "/services/"),)
    entries = [
        ("/services/guide.html", "申辦須知"),
        ("/services/forms.html", "書表下載"),
        ("/services/faq.html", "常見問答"),
        ("/services/mailbox.html", "民意信箱"),
        ("/services/booking.html", "線上預約參訪"),
        ("/services/e-form.html", "線上表單申辦"),
    ]
    if b.variant.participation:
        entries += PARTICIPATION_LINKS
    else:  # no channel of e-participation or online service at all (the booking link stays: not one)
        entries = [e for e in entries if e[0] not in ("/services/mailbox.html", "/services/e-form.html")]
    index = "<p>本署提供下列便民服務：</p>" + link_list(entries)
    b.page(Page("/services/", "為民服務", index, b.days_ago(25), category=CAT_SERVICES))

    forms = {code: name for code, name in c.FORMS}
    rows = []
    for n, (name, code, who, limit) in enumerate(c.SERVICE_ITEMS, start=1):
        rows.append([f'<a href="/services/items/{n}.html">{esc(name)}</a>', esc(who), esc(limit)])
        attach = f'<a href="/files/forms/{code}.odt">{forms[code]}（ODT）</a>'
        body = (
            f"<h2>申請資格</h2><p>{esc(who)}</p>\n"
            f"<h2>應備文件</h2><ol><li>{forms[code]}一份。</li><li>申請單位或申請人之證明文件影本。</li></ol>\n"
            "<h2>辦理流程</h2><ol><li>填寫申請書並以電子郵件或郵寄方式送達本署。</li>"
            "<li>本署受理後進行審查，必要時通知補正。</li><li>審查完成後以書面或電子郵件通知結果。</li></ol>\n"
            f"<h2>處理期限</h2><p>{esc(limit)}</p>\n<h2>書表下載</h2><p>{attach}</p>\n"
            '<p><a href="/services/guide.html">回申辦須知</a></p>'
        )
        b.page(
            Page(
                f"/services/items/{n}.html",
                name,
                body,
                b.days_ago(50 + 7 * n),
                crumbs=(*crumbs, ("申辦須知", "/services/guide.html")),
                category=CAT_SERVICES,
            )
        )
    guide = (
        "<p>民眾申辦本署各項業務，請先詳閱下列申辦須知；申請書表請至「書表下載」取得，可編輯文件均提供 ODF 格式。</p>\n"
        + table(["申辦項目", "申請對象", "處理期限"], rows)
    )
    b.page(
        Page("/services/guide.html", "申辦須知", guide, b.days_ago(18), crumbs=crumbs, category=CAT_SERVICES)
    )

    forms_body = (
        "<p>本署可編輯之申請書表均提供開放文件格式（ODF），並同時提供 PDF 格式供列印使用。</p>\n"
        + table(["表單名稱", "下載"], _forms(b))
    )
    b.page(
        Page(
            "/services/forms.html",
            "書表下載",
            forms_body,
            b.days_ago(22),
            crumbs=crumbs,
            category=CAT_SERVICES,
        )
    )

    # The question index links #q1..#q10 (named anchors) and #q11, which the page lacks.
    index_items = [(f"#q{n}", q) for n, (q, _) in enumerate(c.FAQ, start=1)] + [
        ("#q11", "如何變更申辦資料？")
    ]
    answers = "".join(
        f'<h2><a name="q{n}"></a>Q{n}. {esc(q)}</h2><p>{esc(a)}</p>\n'
        for n, (q, a) in enumerate(c.FAQ, start=1)
    )
    b.page(
        Page(
            "/services/faq.html",
            "常見問答",
            link_list(index_items) + answers,
            b.days_ago(60),
            crumbs=crumbs,
            category=CAT_SERVICES,
        )
    )

    mailbox = (
        f'<p>民眾對本署業務有任何建議或疑問，請來信 <a href="mailto:{c.EMAIL}">{c.EMAIL}</a>，'
        "本署將於收件後 6 個工作天內回覆。</p>\n"
        '<p>來信所提供之個人資料，本署將依<a href="/policy/privacy.html#collection">隱私權政策「個人資料之蒐集及使用」'
        "</a>規定處理。</p>"
    )
    if not b.variant.participation:
        return
    b.page(
        Page(
            "/services/mailbox.html",
            "民意信箱",
            mailbox,
            b.days_ago(80),
            crumbs=crumbs,
            category=CAT_SERVICES,
        )
    )


def _publications(b: SiteBuilder) -> None:
    crumbs = (("出版品資訊", "/publications/"),)
    rows = []
    for n, (title, kind, gpn) in enumerate(c.PUBLICATIONS, start=1):
        published = b.days_ago(30 + 61 * n)
        pdf_path = f"/files/publications/p{n:02d}.pdf"
        b.file(pdf_path, files.pdf(title, [f"{c.AGENCY} 出版", f"出版日期：{roc(published)}", f"GPN：{gpn}"]))
        rows.append(
            [
                f'<a href="/publications/{n}.html">{esc(title)}</a>',
                kind,
                roc(published),
                f'<a href="{pdf_path}">全文（PDF）</a>',
            ]
        )
        body = (
            f"<dl><dt>類型</dt><dd>{kind}</dd><dt>出版日期</dt><dd>{roc(published)}</dd>"
            f"<dt>統一編號（GPN）</dt><dd>{gpn}</dd><dt>ISBN</dt><dd>978-626-7000-{n:02d}-0</dd>"
            f"<dt>出版機關</dt><dd>{c.AGENCY}</dd></dl>\n"
            f"<p>本書彙整{c.AGENCY}推動相關業務之成果與經驗，提供各機關參考。</p>\n"
            f'<p><a href="{pdf_path}">下載全文（PDF）</a></p>'
        )
        b.page(
            Page(f"/publications/{n}.html", title, body, published, crumbs=crumbs, category=CAT_PUBLICATIONS)
        )
    old_year = roc_year(b.today) - 7
    index = (
        "<p>本署出版品電子全文均可免費下載，紙本請洽各政府出版品展售門市。</p>\n"
        + table(["書名", "類型", "出版日期", "全文"], rows)
        + f'\n<p><a href="/files/publications/annual-report-{old_year}.pdf">{old_year}年年報（PDF）</a></p>'
        + f'\n<p><a href="{LARGE_FILE}">歷年出版品全文壓縮檔（ZIP，約 52 MB）</a></p>'
    )
    b.add(
        LARGE_FILE,
        Response(200, files.CONTENT_TYPES[".zip"], stream=files.LargeZip("publications.img", 50 << 20)),
    )
    b.notes["large_file"] = LARGE_FILE
    b.page(Page("/publications/", "出版品資訊", index, b.days_ago(30), category=CAT_PUBLICATIONS))


def build(b: SiteBuilder) -> None:
    _services(b)
    _publications(b)
