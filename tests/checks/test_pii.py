"""pii on a seeded run: national and resident ID numbers on pages and in attachments."""

from __future__ import annotations

from collections.abc import Callable

from govaudit.checks.pii import PersonalData
from govaudit.models import CheckStatus
from tests.checks.seed import NATIONAL_ID, SeededSite, codes, html


def test_no_id_numbers(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html("<p>王小明 A12345678X 電話 (02)2345-6789</p>"))
    site.attachment("/list.txt", "姓名 王小明\n".encode(), "text/plain", kind="txt")
    result = site.run(PersonalData())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert (result.metrics["pages_with_pii"], result.metrics["national_ids"]) == (0, 0)


def test_id_numbers_on_a_page_and_in_an_attachment(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html(f"<table><tr><td>王小明</td><td>{NATIONAL_ID}</td></tr></table>"))
    site.attachment("/list.txt", f"姓名 王大明 {NATIONAL_ID}\n".encode(), "text/plain", kind="txt")
    result = site.run(PersonalData())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["pii.national-id", "pii.national-id"]
    assert {f.page for f in result.findings} == {site.url("/"), site.url("/list.txt")}
    assert NATIONAL_ID not in repr(result.findings)  # reported masked, never in full
    assert (result.metrics["pages_with_pii"], result.metrics["national_ids"]) == (2, 2)
    assert result.metrics["attachments_scanned"] == 1
