"""metadata on a seeded run: DC.* / Category.* elements per page, from the crawl's page facts."""

from __future__ import annotations

from collections.abc import Callable

from govaudit.checks.metadata import Metadata
from govaudit.models import CheckStatus
from tests.checks.seed import META, SeededSite, codes, gov_page


def test_every_page_carries_every_element(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", gov_page("<p>home</p>"))
    site.page("/a.html", gov_page("<p>a</p>"))
    result = site.run(Metadata())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert (result.metrics["coverage"], result.metrics["pages_complete"]) == (1.0, 2)


def test_missing_and_malformed_elements_are_grouped(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", gov_page("<p>home</p>"))
    site.page("/a/bare.html", gov_page("<p>none</p>", meta=""))
    site.page("/a/odd.html", gov_page("<p>odd</p>", meta=META + '<meta name="Category.Theme" content="ABC">'
                                      '<meta name="Category.Service" content="E41">'))
    result = site.run(Metadata())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["metadata.element-missing", "metadata.malformed", "metadata.missing"]
    by_code = {f.code: f for f in result.findings}
    assert by_code["metadata.element-missing"].target == "Category.Cake"
    assert by_code["metadata.malformed"].target == "Category.Theme"
    assert by_code["metadata.missing"].evidence["sample"] == [site.url("/a/bare.html")]
    assert result.metrics["coverage"] == round(1 / 3, 4) and result.metrics["pages_without_metadata"] == 1
