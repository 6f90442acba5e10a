"""The English section under /en/: real English text, lang="en", paired with the key Chinese pages."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from govaudit.demo import content as c
from govaudit.demo.layout import Page, esc, link_list

if TYPE_CHECKING:
    from govaudit.demo.site import SiteBuilder

CATEGORY = ("110", "A11", "E10")
SITEMAP_PATHS = [
    "/en/",
    "/en/about/",
    "/en/contact.html",
    "/en/privacy.html",
    "/en/open-data.html",
    "/en/news/",
]
# (Chinese page, English page): each links the other with hreflang.
PAIRS = [
    ("/", "/en/"),
    ("/about/", "/en/about/"),
    ("/about/history.html", "/en/about/history.html"),
    ("/about/organization.html", "/en/about/organization.html"),
    ("/about/director.html", "/en/about/director-general.html"),
    ("/about/contact.html", "/en/contact.html"),
    ("/about/location.html", "/en/location.html"),
    ("/news/", "/en/news/"),
    ("/policy/privacy.html", "/en/privacy.html"),
    ("/policy/open-data.html", "/en/open-data.html"),
    ("/sitemap.html", "/en/sitemap.html"),
]
_ZH_OF = {en: zh for zh, en in PAIRS}


def _page(b: SiteBuilder, path: str, title: str, body: str, days: int, crumbs=()) -> None:
    head = f'<link rel="alternate" hreflang="zh-Hant-TW" href="{_ZH_OF[path]}">\n' if path in _ZH_OF else ""
    updated = b.days_ago(days)
    b.page(Page(path, title, body, updated, lang="en", crumbs=tuple(crumbs), category=CATEGORY, head=head))


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{esc(text)}</p>" for text in texts)


def _news(b: SiteBuilder) -> list[tuple[dt.date, str, str]]:
    listed = []
    for n, (title, text) in enumerate(c.EN_NEWS, start=1):
        published = b.days_ago(5 + 20 * (n - 1))
        path = f"/en/news/{n}.html"
        body = (
            f'<p class="meta-dates">Published: {published.isoformat()}</p>\n<p>{esc(text)}</p>\n'
            f"<p>For more information, please contact DSDA at {c.EMAIL}.</p>\n"
            '<p><a href="/en/news/">Back to News</a></p>'
        )
        _page(b, path, title, body, 5 + 20 * (n - 1), [("News", "/en/news/")])
        listed.append((published, path, title))
    rows = "".join(
        f'<li>{day.isoformat()} <a href="{path}">{esc(title)}</a></li>' for day, path, title in listed
    )
    _page(b, "/en/news/", "News", f"<ul>{rows}</ul>", 5)
    return listed


def build(b: SiteBuilder) -> None:
    about = [("About DSDA", "/en/about/")]
    news = _news(b)
    latest = "".join(
        f'<li>{day.isoformat()} <a href="{path}">{esc(title)}</a></li>' for day, path, title in news[:5]
    )
    home = (
        f"<p>Welcome to the website of the {c.AGENCY_EN} ({c.AGENCY_ABBR_EN}).</p>\n"
        f'<h2>Latest News</h2><ul>{latest}</ul><p><a href="/en/news/">More news</a></p>\n<h2>Quick Links</h2>'
        + link_list(
            [
                ("/en/about/", "About DSDA"),
                ("/en/services.html", "Services"),
                ("/en/gov-info.html", "Government Information"),
                ("/en/contact.html", "Contact Us"),
                ("/en/accessibility.html", "Accessibility Statement"),
            ]
        )
    )
    _page(b, "/en/", c.AGENCY_EN, home, 5)
    mission = "<ul>" + "".join(f"<li>{esc(m)}</li>" for m in c.EN_MISSION) + "</ul>"
    _page(
        b,
        "/en/about/",
        "About DSDA",
        _paragraphs(c.EN_ABOUT)
        + "<h2>Our Mission</h2>"
        + mission
        + link_list(
            [
                ("/en/about/organization.html", "Organization"),
                ("/en/about/director-general.html", "Director-General"),
                ("/en/about/history.html", "History"),
            ]
        ),
        30,
    )
    units = "".join(f"<h2>{esc(name)}</h2><p>{esc(duty)}</p>" for name, duty in c.EN_UNITS)
    _page(
        b,
        "/en/about/organization.html",
        "Organization",
        "<p>DSDA is headed by a Director-General, assisted by a Deputy Director-General and a Chief Secretary. "
        "It has five departments and four offices.</p>" + units,
        35,
        about,
    )
    leaders = "".join(f"<h2>{role}: {name}</h2><p>{esc(bio)}</p>" for role, name, bio in c.EN_LEADERS)
    _page(b, "/en/about/director-general.html", "Director-General", leaders, 90, about)
    founded = b.today.year - 8
    _page(
        b,
        "/en/about/history.html",
        "History",
        f"<p>DSDA began as a preparatory office in {founded} and became an agency in {founded + 1}. "
        f"It launched its accessible website in {founded + 3} and has since helped more than three hundred "
        "agencies improve their websites.</p>",
        200,
        about,
    )
    _page(
        b,
        "/en/contact.html",
        "Contact Us",
        f"<p>Address: {c.ADDRESS_EN}</p>"
        f'<p>Telephone: <a href="tel:{c.PHONE_TEL}">{c.PHONE_TEL}</a></p><p>Fax: {c.FAX_EN}</p>'
        f'<p>E-mail: <a href="mailto:{c.EMAIL}">{c.EMAIL}</a></p><p>Office hours: {c.HOURS_EN}</p>'
        '<p><a href="/en/location.html">How to get here</a></p>',
        12,
    )
    _page(
        b,
        "/en/location.html",
        "Location",
        f"<p>{c.ADDRESS_EN}</p><p>By metro: take the metro to Shifan Station and walk five minutes from "
        "Exit 2.</p><p>By bus: get off at the Shifan Road stop.</p>",
        150,
    )
    privacy = "".join(f"<h2>{esc(head)}</h2><p>{esc(text)}</p>" for head, text in c.EN_PRIVACY)
    _page(b, "/en/privacy.html", "Privacy and Security Policy", privacy, 300)
    _page(
        b, "/en/open-data.html", "Government Website Open Data Declaration", _paragraphs(c.EN_OPEN_DATA), 400
    )
    services = "".join(f"<h2>{esc(head)}</h2><p>{esc(text)}</p>" for head, text in c.EN_SERVICES)
    _page(
        b,
        "/en/services.html",
        "Services",
        services + '<p>Application forms are available in Chinese on the <a href="/services/forms.html">'
        "forms page</a>.</p>",
        40,
    )
    _page(
        b,
        "/en/gov-info.html",
        "Government Information",
        "<p>Under Article 7 of the Freedom of Government Information Law, DSDA proactively publishes its "
        "regulations, organization, plans, statistics, reports, procurement contracts, subsidies and "
        'committee minutes. These documents are available in Chinese in the <a href="/gov-info/">'
        "Government Information section</a>.</p>",
        60,
    )
    _page(
        b,
        "/en/accessibility.html",
        "Accessibility Statement",
        "<p>This website follows the Web Accessibility Guidelines and passed inspection at conformance level "
        "AA. Access keys: Alt+U top area, Alt+C main content, Alt+Z bottom area.</p>"
        f'<p>If you have difficulty using the website, please e-mail <a href="mailto:{c.EMAIL}">{c.EMAIL}</a>.</p>',
        70,
    )
    _page(
        b,
        "/en/sitemap.html",
        "Sitemap",
        "<p>Access keys: Alt+U top area, Alt+C main content, Alt+Z bottom area.</p>"
        + link_list(
            [
                ("/en/about/", "About DSDA"),
                ("/en/about/organization.html", "Organization"),
                ("/en/about/director-general.html", "Director-General"),
                ("/en/about/history.html", "History"),
                ("/en/news/", "News"),
                ("/en/services.html", "Services"),
                ("/en/gov-info.html", "Government Information"),
                ("/en/contact.html", "Contact Us"),
                ("/en/location.html", "Location"),
                ("/en/privacy.html", "Privacy and Security Policy"),
                ("/en/open-data.html", "Government Website Open Data Declaration"),
                ("/en/accessibility.html", "Accessibility Statement"),
            ]
        ),
        15,
    )
    b.notes["english"] = {"home": "/en/", "pairs": [list(pair) for pair in PAIRS]}
