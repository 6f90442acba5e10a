"""site_elements on a seeded run: the required pages, contact data, accesskeys, directory listings."""

from __future__ import annotations

from collections.abc import Callable

from govaudit.checks.site_elements import SiteElements
from govaudit.models import CheckStatus
from tests.checks.seed import SeededSite, codes, gov_page, gov_site, html


def test_a_site_with_every_element(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    gov_site(site, '<a href="/a.html">a</a>', a="<p>a</p>")
    result = site.run(SiteElements())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert result.metrics["elements_found"] == result.metrics["elements_required"] == 4
    assert result.metrics["contact_complete"] == 1.0


def test_defects_are_named(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    gov_site(site, '<a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/files/">files</a>',
             a="<p>a</p>")
    site.page("/b.html", gov_page("<p>b</p>", keys="", phone="+886-2-2345-0000"))
    site.page("/files/", html('<h1>Index of /files/</h1><a href="/">Parent Directory</a>', title="Index of /files/"))
    result = site.run(SiteElements())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["site.accesskey-missing"] * 3 + ["site.contact-inconsistent", "site.directory-listing"]
    assert {f.target for f in result.findings if f.code == "site.accesskey-missing"} == {"accesskey:U", "accesskey:C", "accesskey:Z"}
    assert result.metrics["directory_listings"] == 1 and result.metrics["contact_inconsistent_pages"] == 1


def test_a_bare_site_lacks_every_element(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html('<p>首頁</p><a href="/about.html">關於</a><a href="/privacy.html">隱私權政策</a>'))
    site.page("/about.html", html("<p>本署位於臺北市。</p>"))
    site.page("/privacy.html", html("<p>Not Found</p>"), status=404)  # linked, but the page answers 404
    result = site.run(SiteElements())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["site.accesskey-missing"] * 3 + [
        "site.contact-missing", "site.open-data-missing", "site.privacy-missing", "site.sitemap-missing",
        "site.update-rule-missing"]
    section = result.data["disclosure"]["site_elements"]
    assert section["elements"]["privacy_policy"]["status"] == "broken"
    assert section["contact"]["missing"] == ["address", "phone", "fax", "email"]
    assert result.metrics["elements_found"] == 0
