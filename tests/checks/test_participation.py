"""participation on seeded runs: channels found by their names and within the clicks allowed, answering
(the link results the crawl recorded), downloadable forms, and the look-alikes that are not channels."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govaudit.checks.participation import Participation
from govaudit.models import CheckStatus, LinkStatus
from tests.checks.seed import SeededSite, codes, html

MENU = ('<ul><li><a href="/mailbox.html">首長信箱</a></li><li><a href="/epaper.html">訂閱電子報</a></li>'
        '<li><a href="/online.html">線上申辦</a></li><li><a href="/forms.html">書表下載</a></li></ul>')
FORMS = '<table><tr><td>申請書</td><td><a href="/f/a.odt">ODT</a> <a href="/f/a.pdf">PDF</a></td></tr></table>'


def _site(seeded: Callable[..., SeededSite], home: str = MENU, forms: str = FORMS, *,
          skip: tuple[str, ...] = ()) -> SeededSite:
    site = seeded()
    site.page("/", html(home, title="示範署全球資訊網"))
    pages = {"/mailbox.html": ("<form method=post><textarea name=body></textarea></form>", "首長信箱"),
             "/epaper.html": ('<form method=post><input type=email name=email></form>', "電子報訂閱"),
             "/online.html": ("<p>線上申辦服務</p>", "線上申辦"), "/forms.html": (forms, "書表下載")}
    for path, (body, title) in pages.items():
        if path not in skip:
            site.page(path, html(body, title=f"{title}｜示範署"))
    for path in ("/f/a.odt", "/f/a.pdf"):
        site.result(path, LinkStatus.OK, http_status=200, internal=True)
    return site


def test_every_channel_one_click_away(seeded: Callable[..., SeededSite]) -> None:
    result = _site(seeded).run(Participation())
    assert result.status == CheckStatus.PASSED and codes(result) == []
    assert result.metrics["score"] == 1.0 and result.metrics["mailbox_clicks"] == 1
    channels = {c["id"]: c for c in result.data["participation"]["channels"]}
    assert channels["consultation"]["status"] == "missing" and not channels["consultation"]["required"]
    assert channels["forms"]["downloads"] == {"documents": 2, "answering": 2, "broken": [], "formats": ["odt", "pdf"]}
    assert channels["mailbox"]["reason"].startswith("linked as 「首長信箱」")


def test_a_broken_mailbox_link(seeded: Callable[..., SeededSite]) -> None:
    site = _site(seeded, skip=("/mailbox.html",))
    site.result("/mailbox.html", LinkStatus.BROKEN, http_status=404, error="HTTP 404", internal=True)
    result = site.run(Participation())
    assert result.status == CheckStatus.FAILED and codes(result) == ["participation.broken"]
    [finding] = result.findings
    assert (finding.page, finding.target) == (site.url("/"), site.url("/mailbox.html"))
    assert result.metrics["participation"] == 0.5  # mailbox 0, newsletter 1; consultation not offered


def test_a_news_item_or_a_question_about_the_mailbox_is_not_a_channel(seeded: Callable[..., SeededSite]) -> None:
    home = ('<ul class="news"><li><a href="/news/1.html">本署首長信箱系統將於12月1日停機維護</a></li>'
            '<li><a href="/faq.html#q3">民意信箱多久會回覆？</a></li></ul>'
            + MENU.replace('<li><a href="/mailbox.html">首長信箱</a></li>', ""))
    site = _site(seeded, home, skip=("/mailbox.html",))
    site.page("/news/1.html", html("<p>停機公告</p>", title="本署首長信箱系統將於12月1日停機維護｜示範署"))
    site.page("/faq.html", html('<a href="#q3">民意信箱多久會回覆？</a><h2 id="q3">回覆時間</h2>', title="常見問答"))
    result = site.run(Participation())
    assert codes(result) == ["participation.missing"] and result.findings[0].target == "mailbox"


def test_forms_that_do_not_answer_and_a_forms_page_without_documents(seeded: Callable[..., SeededSite]) -> None:
    site = _site(seeded)
    site.result("/f/a.pdf", LinkStatus.BROKEN, http_status=404, internal=True)
    result = site.run(Participation())
    assert codes(result) == ["participation.form-broken"] and result.findings[0].target == site.url("/f/a.pdf")
    assert result.metrics["online_services"] == 0.75  # 線上申辦 1, 書表下載 1 × ½ of its documents answering
    empty = _site(seeded, forms="<p>表單整理中</p>").run(Participation())
    assert codes(empty) == ["participation.no-downloads"] and empty.metrics["online_services"] == 0.5


def test_too_deep_and_a_channel_on_another_host_offline(seeded: Callable[..., SeededSite]) -> None:
    home = ('<a href="/a.html">為民服務</a><a href="http://10.0.0.1/mail">首長信箱</a>'
            + MENU.replace('<li><a href="/epaper.html">訂閱電子報</a></li>', "")
            .replace('<li><a href="/mailbox.html">首長信箱</a></li>', ""))
    site = _site(seeded, home, skip=("/mailbox.html",))
    site.result("http://10.0.0.1/mail", LinkStatus.EXCLUDED, error_kind="offline",
                error="offline: 10.0.0.1 is not a loopback host")
    for path, nxt in (("/a.html", "/b.html"), ("/b.html", "/c.html")):
        site.page(path, html(f'<a href="{nxt}">更多</a>', title="更多"))
    site.page("/c.html", html('<a href="/epaper.html">電子報</a>', title="服務"))
    result = site.run(Participation())
    assert codes(result) == ["participation.not-verified", "participation.too-deep"]
    assert result.status == CheckStatus.NEEDS_REVIEW and result.metrics["newsletter_clicks"] == 4
    assert result.metrics["participation"] == 0.5


@pytest.mark.parametrize("bad", [{"max_clicks": -1}, {"channels": {"x": {"labels": []}}}])
def test_bad_options_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        Participation(bad)
