"""bilingual on a seeded run: the English entry point, English pages, pairs and key pages."""

from __future__ import annotations

from collections.abc import Callable

from govaudit.checks.bilingual import Bilingual
from govaudit.models import CheckStatus, LinkStatus
from tests.checks.seed import SeededSite, codes, html

ZH_TEXT = "本署為推動數位發展之主管機關，負責規劃及執行數位政策、資通安全與電信產業發展等業務。"
EN_TEXT = "The Ministry plans and carries out digital policy, cybersecurity and the telecommunications industry."
KEY_PAGES = {"about": "About Us", "contact": "Contact Us", "privacy": "Privacy Policy", "open-data": "Open Data"}


def _zh(body: str, lang: str = "zh-Hant-TW") -> str:
    return html(f"<p>{ZH_TEXT}</p>{body}", lang=lang)


def _en(body: str, title: str, lang: str = "en", text: str = EN_TEXT) -> str:
    return html(f"<h1>{title}</h1><p>{text}</p>{body}", lang=lang, title=title)


def _english_site(site: SeededSite) -> None:
    menu = "".join(f'<a href="/en/{path}.html">{title}</a>' for path, title in KEY_PAGES.items())
    site.page("/en/", _en(menu + '<a href="/">中文</a>', "Home"), depth=1)
    for path, title in KEY_PAGES.items():
        site.page(f"/en/{path}.html", _en('<a href="/">中文</a>', title), depth=2)


def test_a_complete_english_site(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", _zh('<a href="/en/">English</a>'))
    _english_site(site)
    result = site.run(Bilingual())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert result.metrics["score"] == 1.0 and result.metrics["en_pages"] == 5
    section = result.data["bilingual"]
    assert (section["english_home"]["url"], section["english_home"]["found_by"]) == (site.url("/en/"), "text")
    assert section["coverage"]["key_pages"]["about"] == site.url("/en/about.html")
    assert section["pairs"] == [{"zh": site.url("/"), "en": site.url("/en/"), "via": ["path", "switch"]}]


def test_no_english_link_on_the_home_page(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", _zh('<a href="/a.html">關於本署</a>'))
    site.page("/a.html", _zh(""))
    result = site.run(Bilingual())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["bilingual.english-missing"]
    assert result.metrics["score"] == 0.0 and result.metrics["part_entry"] == 0.0


def test_chinese_english_pages_wrong_lang_and_a_dead_switch(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", _zh('<a href="/en/">English</a><a href="/eng/" hreflang="en">EN</a>', lang="en"))
    site.page("/en/", _en('<a href="/en/about.html">About Us</a>', "Home", lang="zh-Hant", text=ZH_TEXT * 2),
              depth=1)
    site.page("/en/about.html", _en("", "About Us", lang="zh-Hant"), depth=2)
    site.result("/eng/", LinkStatus.BROKEN, http_status=404)
    result = site.run(Bilingual())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["bilingual.key-page-missing"] * 3 + ["bilingual.lang-wrong"] * 2 + [
        "bilingual.not-english", "bilingual.switch-dead"]
    [dead] = [f for f in result.findings if f.code == "bilingual.switch-dead"]
    assert (dead.page, dead.target) == (site.url("/"), site.url("/eng/"))
    assert result.metrics["part_english_text"] == 0.0 and result.metrics["part_switches"] == 0.5
