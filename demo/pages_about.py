"""關於本署 (history, organisation with section ids, leaders, contacts, location) and 業務專區."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govaudit.demo import content as c
from govaudit.demo import files
from govaudit.demo.layout import Page, esc, link_list, table

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

CAT_ABOUT = ("110", "A11", "E10")
CAT_BUSINESS = ("170", "C32", "E41")


def _about(b: SiteBuilder) -> None:
    crumbs = (("關於本署", "/about/"),)
    alt_en = '<link rel="alternate" hreflang="en" href="{}">\n'.format
    index = (
        f"<p>{c.AGENCY}為推動政府數位服務示範及輔導之專責機關，致力讓每一位民眾都能便利、安全地使用政府線上服務。</p>"
        + link_list(
            [
                ("/about/history.html", "歷史沿革"),
                ("/about/organization.html", "組織職掌"),
                ("/about/organization.html#div-international", "國際合作科"),
                ("/about/team.html", "團隊介紹"),
                ("/about/director.html", "首長介紹"),
                ("/about/contact.html", "聯絡我們"),
                ("/about/location.html", "交通位置"),
            ]
        )
    )
    b.page(Page("/about/", "關於本署", index, b.days_ago(20), category=CAT_ABOUT, head=alt_en("/en/about/")))

    founded = b.today.year - 8
    history = (
        "<ul>"
        + "".join(
            f"<li><strong>民國{founded + offset - 1911}年</strong>：{esc(event)}</li>"
            for offset, event in c.HISTORY
        )
        + "</ul>"
    )
    b.page(
        Page(
            "/about/history.html",
            "歷史沿革",
            history,
            b.days_ago(200),
            crumbs=crumbs,
            category=CAT_ABOUT,
            head=alt_en("/en/about/history.html"),
        )
    )

    sections = "".join(
        f'<section id="div-{slug}"><h2>{name}</h2><p>{head}</p><ul>'
        + "".join(f"<li>{esc(duty)}</li>" for duty in duties)
        + f"</ul><p>電話：{c.PHONE} 分機 {ext}</p></section>\n"
        for slug, name, head, ext, _, duties in c.UNITS
    )
    organization = (
        '<p><img src="/assets/img/org-chart.png" width="600" height="300" '
        f'alt="{c.AGENCY}組織架構圖：署長、副署長、主任秘書下設五組四室"></p>\n'
        "<p>本署置署長一人、副署長一人、主任秘書一人，下設綜合規劃組、數位服務組、資料治理組、資安及隱私組、"
        "無障礙推動組及秘書室、人事室、政風室、主計室。</p>\n" + sections
    )
    b.file("/assets/img/org-chart.png", files.png(600, 300, (232, 240, 248), (11, 61, 107)))
    b.page(
        Page(
            "/about/organization.html",
            "組織職掌",
            organization,
            b.days_ago(35),
            crumbs=crumbs,
            category=CAT_ABOUT,
            head=alt_en("/en/about/organization.html"),
        )
    )

    leaders = "".join(
        f"<section><h2>{role} {name}</h2><p>{esc(bio)}</p></section>" for role, name, bio in c.LEADERS
    )
    director = (
        f'<p><img src="/assets/img/director.png" width="160" height="200" alt="署長{c.LEADERS[0][1]}照片"></p>'
        + leaders
    )
    b.file("/assets/img/director.png", files.png(160, 200, (200, 210, 220), (90, 100, 110)))
    b.page(
        Page(
            "/about/director.html",
            "首長介紹",
            director,
            b.days_ago(90),
            crumbs=crumbs,
            category=CAT_ABOUT,
            head=alt_en("/en/about/director-general.html"),
        )
    )

    # One unit's mailbox is mistyped (a doubled @): an invalid mailto the auditor should flag.
    rows = []
    for slug, name, _, ext, mailbox, _ in c.UNITS:
        address = f"{mailbox}@@{c.DOMAIN}" if slug == "secretariat" else f"{mailbox}@{c.DOMAIN}"
        shown = f"{mailbox}@{c.DOMAIN}"
        rows.append([name, f"{c.PHONE} 分機 {ext}", f'<a href="mailto:{address}">{shown}</a>'])
    contact = (
        f"<dl><dt>地址</dt><dd>{c.ADDRESS}</dd>"
        f'<dt>電話</dt><dd><a href="tel:{c.PHONE_TEL}">{c.PHONE}</a></dd>'
        f"<dt>傳真</dt><dd>{c.FAX}</dd>"
        f'<dt>電子郵件</dt><dd><a href="mailto:{c.EMAIL}">{c.EMAIL}</a></dd>'
        f"<dt>網址</dt><dd>https://www.{c.DOMAIN}/</dd>"
        f"<dt>服務時間</dt><dd>{c.HOURS}</dd></dl>\n"
        "<h2>各單位聯絡方式</h2>\n"
        + table(["單位", "電話", "電子郵件"], rows)
        + '\n<p><a href="/about/location.html">交通位置</a></p>'
    )
    b.page(
        Page(
            "/about/contact.html",
            "聯絡我們",
            contact,
            b.days_ago(12),
            crumbs=crumbs,
            category=CAT_ABOUT,
            head=alt_en("/en/contact.html"),
        )
    )

    location = (
        f"<p>地址：{c.ADDRESS}</p>\n<h2>大眾運輸</h2><ul>"
        "<li>捷運：搭乘捷運至「示範站」，由2號出口步行約5分鐘。</li>"
        "<li>公車：搭乘 0東、236、648 路公車至「示範路口」站下車。</li></ul>\n"
        f'<iframe src="{esc(c.MAP_EMBED_URL)}" title="{c.AGENCY}位置地圖" width="600" height="360"></iframe>\n'
        '<p><a href="/about/contact.html">聯絡我們</a></p>'
    )
    b.page(
        Page(
            "/about/location.html",
            "交通位置",
            location,
            b.days_ago(150),
            crumbs=crumbs,
            category=CAT_ABOUT,
            head=alt_en("/en/location.html"),
        )
    )


def _business(b: SiteBuilder) -> None:
    index = "<p>本署各項業務推動情形如下：</p>" + link_list(
        [(f"/business/{slug}.html", name) for slug, name, _ in c.BUSINESS]
    )
    b.page(Page("/business/", "業務專區", index, b.days_ago(30), category=CAT_BUSINESS))
    crumbs = (("業務專區", "/business/"),)
    for n, (slug, name, summary) in enumerate(c.BUSINESS):
        body = (
            f"<p>{esc(summary)}</p>\n<h2>推動重點</h2><ol>"
            f"<li>盤點各機關{name}現況並建立輔導名單。</li><li>辦理說明會及工作坊，分享實作經驗。</li>"
            f"<li>定期追蹤成效，並於本署網站公開推動成果。</li></ol>\n"
            + link_list([("/services/forms.html", "相關書表下載"), ("/news/", "相關最新消息")])
        )
        b.page(
            Page(
                f"/business/{slug}.html",
                name,
                body,
                b.days_ago(40 + 9 * n),
                crumbs=crumbs,
                category=CAT_BUSINESS,
            )
        )


def build(b: SiteBuilder) -> None:
    _about(b)
    _business(b)
