"""freshness on a seeded run: labelled 更新日期 within the months, and the update-rule page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from govaudit.checks.freshness import Freshness
from govaudit.models import CheckStatus
from govaudit.profile import load_profile
from tests.checks.seed import SeededSite, codes, html


def _dated(day: dt.date, text: str = "內容") -> str:
    return f"<p>{text}</p><p>更新日期：{day.isoformat()}</p>"


def test_recent_pages_and_a_rule_page(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    recent = dt.date.today() - dt.timedelta(days=10)
    site.page("/", html(_dated(recent) + '<a href="/sop.html">網站資料更新規定</a>'))
    site.page("/a.html", html(_dated(recent)))
    site.page("/sop.html", html(_dated(recent), title="網站資料更新規定"))
    result = site.run(Freshness())
    assert result.status == CheckStatus.PASSED
    assert codes(result) == []
    assert result.metrics["updated_share"] == 1.0 and result.metrics["rule_page"] == site.url("/sop.html")


def test_old_and_undated_pages_without_a_rule_page(seeded: Callable[..., SeededSite]) -> None:
    site = seeded()
    site.page("/", html(_dated(dt.date(2010, 1, 5))))
    site.page("/a.html", html(_dated(dt.date(2011, 3, 1))))
    site.page("/b.html", html("<p>沒有日期</p>"))
    site.page("/c.html", html(_dated(dt.date.today())))
    result = site.run(Freshness())
    assert result.status == CheckStatus.FAILED
    assert codes(result) == ["freshness.no-rule-page", "freshness.outdated", "freshness.outdated",
                             "freshness.undated"]
    oldest = next(f for f in result.findings if f.code == "freshness.outdated")
    assert (oldest.page, oldest.evidence) == (site.url("/"), {"updated": "2010-01-05"})
    assert (result.metrics["updated_share"], result.metrics["outdated"], result.metrics["undated"]) == (0.25, 2, 1)


def test_judged_as_of_the_pinned_audit_date(seeded: Callable[..., SeededSite]) -> None:
    # audit.as_of, not the day the test runs: a page dated 2020-03-01 is recent as of 2020-06-30, old as of now
    pinned = seeded(profile=load_profile(None).with_overrides(audit={"as_of": "2020-06-30"}))
    unpinned = seeded()
    for site in (pinned, unpinned):
        site.page("/", html(_dated(dt.date(2020, 3, 1))))
    as_of, now = pinned.run(Freshness()), unpinned.run(Freshness())
    assert (as_of.metrics["updated_share"], codes(as_of)) == (1.0, ["freshness.no-rule-page"])
    assert as_of.data["disclosure"]["freshness"]["audit_date"] == "2020-06-30"
    assert (now.metrics["updated_share"], "freshness.outdated" in codes(now)) == (0.0, True)
    started = unpinned.store.run(unpinned.run_id).started_at
    assert now.data["disclosure"]["freshness"]["audit_date"] == dt.datetime.fromisoformat(started).date().isoformat()
