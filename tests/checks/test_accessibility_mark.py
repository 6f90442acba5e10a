"""accessibility_mark on a seeded run: the 無障礙標章 on the home page, its certificate and link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from govaudit.checks.accessibility_mark import AccessibilityMark
from govaudit.models import CheckStatus, LinkStatus
from tests.checks.seed import SeededSite, codes, html

DETAIL = "https://accessibility.moda.gov.tw/Applications/Detail?category="


def _mark(cert: str, *, alt: str = "通過AA檢測等級無障礙網頁檢測", size: str = 'width="88" height="31"') -> str:
    return f'<a href="{DETAIL}{cert}" title="無障礙網站"><img src="/mark.png" alt="{alt}" {size}></a>'


def _recent() -> str:
    return (dt.datetime.now() - dt.timedelta(days=30)).strftime("%Y%m%d%H%M%S")


def test_a_current_mark_in_the_footer(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    cert = _recent()
    site.page("/", html(f"<p>首頁</p><footer>{_mark(cert)}</footer>"))
    site.page("/a.html", html(f"<p>a</p><footer>{_mark(cert)}</footer>"))
    site.result(DETAIL + cert, LinkStatus.OK, http_status=200)
    result = site.run(AccessibilityMark())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert (result.metrics["valid"], result.metrics["badge_share"]) == (1.0, 1.0)
    badge = result.data["accessibility"]["badge"]
    assert (badge["level"], badge["certificate_id"], badge["link_status"]) == ("AA", cert, "ok")


def test_no_mark(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html("<p>首頁</p>"))
    result = site.run(AccessibilityMark())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["a11y.mark-missing"]
    assert (result.metrics["valid"], result.metrics["present"]) == (0.0, 0.0)


def test_an_expired_resized_mark_at_the_top_with_a_dead_link(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    old = "20150102103000"
    resized = _mark(old, size='width="120" height="40"')
    site.page("/", html(resized + "<p>內容</p>" * 50))
    site.page("/a.html", html(f"<footer>{_mark(_recent(), alt='通過A檢測等級無障礙網頁檢測')}</footer>"))
    site.result(DETAIL + old, LinkStatus.BROKEN, http_status=404)
    result = site.run(AccessibilityMark())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["a11y.mark-expired", "a11y.mark-inconsistent", "a11y.mark-link-dead",
                             "a11y.mark-not-bottom", "a11y.mark-size"]
    badge = result.data["accessibility"]["badge"]
    assert (badge["issued"], badge["likely_expired"], badge["size_ok"]) == ("2015-01-02", True, False)
    assert result.metrics["valid"] == 0.0


def test_a_current_mark_whose_certificate_page_is_dead(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    cert = _recent()
    site.page("/", html(f"<footer>{_mark(cert)}</footer>"))
    site.result(DETAIL + cert, LinkStatus.BROKEN, http_status=404)
    result = site.run(AccessibilityMark())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["a11y.mark-link-dead"]
    assert result.findings[0].message == "the certificate page does not answer: HTTP 404"
    assert result.data["accessibility"]["badge"]["link_status"] == "broken" and result.metrics["valid"] == 0.0
