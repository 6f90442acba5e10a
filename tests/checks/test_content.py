"""content on a seeded run: the five correctness signals from the facts of the pii, site_elements,
freshness and content analyzers, and the link results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from govaudit.checks.content import ContentCorrectness
from govaudit.models import CheckStatus, ErrorKind, LinkStatus
from govaudit.profile import load_profile
from tests.checks.seed import NATIONAL_ID, SeededSite, codes, gov_page, gov_site

DATED = f"<p>更新日期：{dt.date.today().isoformat()}</p>"
TEXT = "本署舊版網站已於民國108年12月31日停止更新，舊版網站資料已移轉至新版網站。"


def test_a_correct_site(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    gov_site(site, '<a href="/a.html">a</a>', common=DATED, a=f"<p>{TEXT}</p>", b=f"<p>{TEXT}</p>")
    result = site.run(ContentCorrectness())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert result.metrics["correctness"] == 1.0
    # no external link was checked: the hijack signal leaves the denominator
    assert result.data["content"]["signals"]["hijacked"]["status"] == "not_assessed"
    assert result.metrics["signals_assessed"] == 4


def test_mojibake_personal_data_and_a_hijacked_link(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    garbled = TEXT.encode("utf-8").decode("cp1252", "replace")
    gov_site(site, '<a href="http://127.0.0.2/casino">合作夥伴</a>', common=DATED,
             a=f"<p>{garbled}</p>", b=f"<p>王小明 {NATIONAL_ID}</p>")
    site.page("/c.html", gov_page(f"<p>{TEXT}</p>"))  # undated
    site.result("http://127.0.0.2/casino", LinkStatus.BROKEN, http_status=200, error_kind=ErrorKind.HIJACKED)
    result = site.run(ContentCorrectness())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["content.mojibake"]  # the other signals are findings of their own checks
    assert result.findings[0].page == site.url("/a.html")
    metrics = result.metrics
    assert (metrics["pii_count"], metrics["hijacked_count"], metrics["mojibake_count"], metrics["undated_count"]) \
        == (1, 1, 1, 1)
    assert (metrics["pii_score"], metrics["hijacked_score"]) == (0.5, 0.5)
    assert metrics["correctness"] is not None and metrics["correctness"] < 0.9


def test_a_disabled_source_check_is_not_assessed(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    profile = site.profile.model_copy(update={"checks": {"freshness": None}})
    site.profile = profile
    gov_site(site, common=DATED, a=f"<p>{TEXT}</p>")
    result = site.run(ContentCorrectness())
    undated = result.data["content"]["signals"]["undated"]
    assert (undated["status"], undated["reason"]) == ("not_assessed", "the freshness check is disabled")
    assert result.metrics["undated_score"] is None and result.status == CheckStatus.PASSED


def test_a_little_mojibake_needs_review_and_much_fails(seeded: Callable[..., SeededSite]) -> None:
    garbled = TEXT.encode("utf-8").decode("cp1252", "replace")
    site = seeded()
    gov_site(site, common=DATED, a=f"<p>{garbled}</p>")
    result = site.run(ContentCorrectness())
    # 1 of 6 pages: mojibake 5/6, weight 15 of the 75 assessed
    assert result.metrics["correctness"] == round(1 - 15 / 6 / 75, 4)
    assert (result.status, codes(result)) == (CheckStatus.NEEDS_REVIEW, ["content.mojibake"])
    site = seeded()
    gov_site(site, a=f"<p>{garbled}</p>")  # and no page shows its date
    result = site.run(ContentCorrectness())
    assert result.metrics["undated_score"] == 0.0 and result.metrics["correctness"] < 0.9
    assert result.status == CheckStatus.FAILED


def test_the_hijack_scan_off_is_not_assessed(seeded: Callable[..., SeededSite]) -> None:
    site = seeded(profile=load_profile(None).with_overrides(links={"hijack_scan_bytes": 0}))
    gov_site(site, '<a href="http://127.0.0.2/">夥伴</a>', common=DATED)
    site.result("http://127.0.0.2/", LinkStatus.OK, http_status=200)
    hijacked = site.run(ContentCorrectness()).data["content"]["signals"]["hijacked"]
    assert hijacked["status"] == "not_assessed" and "hijack_scan_bytes" in hijacked["reason"]
    site = seeded()  # scan on: the checked external link is assessed
    gov_site(site, '<a href="http://127.0.0.2/">夥伴</a>', common=DATED)
    site.result("http://127.0.0.2/", LinkStatus.OK, http_status=200)
    hijacked = site.run(ContentCorrectness()).data["content"]["signals"]["hijacked"]
    assert (hijacked["status"], hijacked["score"], hijacked["assessed"]) == ("assessed", 1.0, 1)
