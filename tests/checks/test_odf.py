"""odf on a seeded run: every editable download offered in an open format too."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govaudit.checks.odf import OpenFormats
from govaudit.models import CheckStatus
from govaudit.plugins import NotApplicable
from tests.checks.seed import SeededSite, codes, html

PAIRED = ('<table><tr><td>表一</td><td><a href="/f/one.docx">DOCX</a> <a href="/f/one.odt">ODT</a></td></tr>'
          '<tr><td>表三</td><td><a href="/f/three.xlsx">XLSX</a> <a href="/f/three.ods">ODS</a></td></tr></table>')
UNPAIRED = '<ul><li>表二 <a href="/f/two.xlsx">XLSX</a> <a href="/f/two.pdf">PDF</a></li></ul>'


def test_every_editable_download_has_an_odf_twin(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html(PAIRED))
    result = site.run(OpenFormats())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert result.metrics["ratio"] == 1.0


def test_an_editable_download_without_odf(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html(PAIRED + UNPAIRED))
    result = site.run(OpenFormats())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["odf.missing"]
    [missing] = result.findings
    assert (missing.page, missing.target) == (site.url("/"), site.url("/f/two.xlsx"))
    assert result.metrics["ratio"] == round(2 / 3, 4)


def test_a_site_without_editable_downloads_is_not_applicable(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html('<a href="/f/report.pdf">PDF</a>'))
    with pytest.raises(NotApplicable):
        site.run(OpenFormats())
