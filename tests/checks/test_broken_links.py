"""broken_links on a seeded run: the link results and the links that point at them."""

from __future__ import annotations

from collections.abc import Callable

from govaudit.checks.broken_links import BrokenLinks
from govaudit.models import CheckStatus, ErrorKind, LinkStatus
from tests.checks.seed import SeededSite, codes, html

EXTERNAL = "http://127.0.0.2/"


def _site(seeded: Callable[..., SeededSite], *targets: str) -> SeededSite:
    site = seeded()
    links = "".join(f'<a href="{t}">{t}</a>' for t in targets)
    site.page("/", html(f'<a href="/a.html">a</a>{links}'))
    site.page("/a.html", html("<p>a</p>"))
    return site


def test_every_link_answers(seeded: Callable[..., SeededSite]) -> None:
    site = _site(seeded, EXTERNAL + "ok")
    site.result(EXTERNAL + "ok", LinkStatus.OK, http_status=200)
    result = site.run(BrokenLinks())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert result.metrics["link_correctness"] == 1.0 and result.metrics["ok"] == 3


def test_a_broken_link_is_found_on_its_page(seeded: Callable[..., SeededSite]) -> None:
    site = _site(seeded, EXTERNAL + "gone", EXTERNAL + "moved", EXTERNAL + "slow")
    site.result(EXTERNAL + "gone", LinkStatus.BROKEN, http_status=404, error_kind=ErrorKind.HTTP_STATUS)
    site.result(EXTERNAL + "moved", LinkStatus.REDIRECTED, http_status=301, final_url=EXTERNAL + "new")
    site.result(EXTERNAL + "slow", LinkStatus.UNVERIFIED, error_kind=ErrorKind.TIMEOUT, error="timeout")
    result = site.run(BrokenLinks())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["link.broken", "link.redirected", "link.unverified"]
    [broken] = [f for f in result.findings if f.code == "link.broken"]
    assert (broken.page, broken.target, broken.message) == (site.url("/"), EXTERNAL + "gone", "HTTP 404")
    # judged: 2 pages ok, 1 redirected, 1 broken; the unverified one is left out of the ratio
    assert result.metrics["link_correctness"] == 0.75 and result.metrics["pages_with_broken_links"] == 1


def test_only_unverified_links_need_review(seeded: Callable[..., SeededSite]) -> None:
    site = _site(seeded, EXTERNAL + "blocked")
    site.result(EXTERNAL + "blocked", LinkStatus.UNVERIFIED, http_status=403, error_kind=ErrorKind.BOT_BLOCKED)
    result = site.run(BrokenLinks({"report_unverified": False}))
    assert result.status == CheckStatus.NEEDS_REVIEW
    assert codes(result) == [] and result.metrics["unverified"] == 1
