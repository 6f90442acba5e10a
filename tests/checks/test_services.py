"""services on a seeded run: 出版品資訊, 為民服務 and 書表下載 found within the clicks allowed."""

from __future__ import annotations

from collections.abc import Callable

from govaudit.checks.services import Services
from govaudit.models import CheckStatus
from tests.checks.seed import SeededSite, codes, html


def test_every_item_is_one_click_away(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html('<a href="/pub.html">出版品資訊</a> <a href="/svc.html">為民服務</a>'
                        ' <a href="/forms.html">書表下載</a>'))
    for path in ("/pub.html", "/svc.html", "/forms.html"):
        site.page(path, html("<p>x</p>"))
    result = site.run(Services())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert result.metrics["presence"] == 1.0 and result.metrics["forms_clicks"] == 1


def test_missing_and_too_deep_items(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html('<a href="/1.html">更多</a>'))
    site.page("/1.html", html('<a href="/2.html">更多</a>'))
    site.page("/2.html", html('<a href="/3.html">更多</a>'))
    site.page("/3.html", html('<a href="/pub.html">出版品資訊</a>'))
    site.page("/pub.html", html("<p>x</p>"))
    result = site.run(Services())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["services.missing", "services.missing", "services.too-deep"]
    [deep] = [f for f in result.findings if f.code == "services.too-deep"]
    assert (deep.page, deep.target) == (site.url("/pub.html"), "publications")
    assert result.metrics["presence"] == round(0.5 / 3, 4) and result.metrics["publications_clicks"] == 4
