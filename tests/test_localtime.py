"""Times shown to people in the site's zone (profile site.timezone, default Asia/Taipei) with 民國 dates;
results.json keeps ISO 8601 with the offset."""

from types import SimpleNamespace

import lxml.html
import pytest

from govaudit import localtime, notify
from govaudit.profile import ConfigError, _validate
from govaudit.reports.writers.html import HtmlWriter

# 18:38:49 UTC on 6 December is 02:38:49 on 7 December in Taipei: the date changes too.
UTC_EVENING = "2026-12-06T18:38:49+00:00"


@pytest.mark.parametrize(("value", "tz", "shown", "day", "roc"), [
    (UTC_EVENING, "Asia/Taipei", "2026-12-07 02:38:49 UTC+08:00", "2026-12-07", "115年12月7日"),
    ("2026-12-07T02:38:49+08:00", "Asia/Taipei", "2026-12-07 02:38:49 UTC+08:00", "2026-12-07", "115年12月7日"),
    ("2026-12-06T18:38:49", "Asia/Taipei", "2026-12-07 02:38:49 UTC+08:00", "2026-12-07", "115年12月7日"),  # naive = UTC
    (UTC_EVENING, "UTC", "2026-12-06 18:38:49 UTC+00:00", "2026-12-06", "115年12月6日"),
    ("2012-01-01T00:00:00+08:00", "Asia/Taipei", "2012-01-01 00:00:00 UTC+08:00", "2012-01-01", "101年1月1日"),
    ("1911-06-01T00:00:00+08:00", "Asia/Taipei", "1911-06-01 00:00:00 UTC+08:00", "1911-06-01", ""),  # before 民國元年
    ("not a time", "Asia/Taipei", "not a time", "", ""),
    (None, "Asia/Taipei", "", "", ""),
])
def test_shown_day_and_roc_date(value, tz, shown, day, roc):
    assert localtime.shown(value, tz) == shown
    assert localtime.day(value, tz) == day
    assert localtime.roc_date(value, tz) == roc


def test_the_profile_names_an_iana_zone():
    assert _validate({}, "p.yaml").site.timezone == "Asia/Taipei"
    assert _validate({"site": {"timezone": "UTC"}}, "p.yaml").site.timezone == "UTC"
    # only how times are shown: not part of the profile hash that says what decided the results
    assert _validate({"site": {"timezone": "UTC"}}, "p.yaml").fingerprint() == _validate({}, "p.yaml").fingerprint()
    with pytest.raises(ConfigError, match="unknown time zone 'Taipei/Nowhere'"):
        _validate({"site": {"timezone": "Taipei/Nowhere"}}, "p.yaml")


def _doc(tz=None):
    run = {"id": 3, "site": "時區測試機關", "status": "completed", "started_at": "2026-12-06T18:30:00+00:00",
           "finished_at": UTC_EVENING}
    if tz:
        run["timezone"] = tz
    link = {"url": "http://127.0.0.1/gone.html", "status": "broken", "http_status": 404, "first_seen": UTC_EVENING,
            "nights": 1, "sources": [{"page": "http://127.0.0.1/", "text": "gone", "line": 3}]}
    return {"run": run, "links": [link], "checks": [], "indicators": [],
            "trend": [{"run": 3, "finished_at": UTC_EVENING, "status": "completed", "indicators": {}}],
            "changes": {"baseline_run": 2, "complete": True, "persisting": [], "resolved": [], "links": {},
                        "new": [{"fingerprint": "f", "check": "c", "code": "c.x", "severity": "low", "message": "m",
                                 "first_seen": UTC_EVENING, "nights": 1}]}}


def test_the_report_shows_taipei_time_and_the_roc_date(tmp_path):
    text = lxml.html.document_fromstring(
        HtmlWriter().write(_doc(), tmp_path, lang="zh-TW").read_text(encoding="utf-8")).text_content()
    assert "2026-12-07 02:30:00 UTC+08:00 – 2026-12-07 02:38:49 UTC+08:00" in text
    assert "檢測期間（Asia/Taipei）民國115年12月7日 02:30 至 02:38" in text  # the cover's 民國 period
    assert "UTC+00:00" not in text and "2026-12-06" not in text  # the trend and the first-seen date too
    # another zone from the profile; the English report gives no 民國 date
    text = lxml.html.document_fromstring(
        HtmlWriter().write(_doc("UTC"), tmp_path, lang="en").read_text(encoding="utf-8")).text_content()
    assert "2026-12-06 18:38:49 UTC+00:00" in text and "民國" not in text


def test_the_notification_window_is_in_the_site_zone_and_the_payload_stays_iso():
    outcome = SimpleNamespace(run_id=3, status="completed", exit_code=0, tripped=[], files=[], summary={"run": 3})
    data = notify.payload(outcome, _doc(), 10)
    assert data["finished_at"] == UTC_EVENING and data["timezone"] == "Asia/Taipei"
    body = notify.body({**data, "site": "s", "start_url": "http://127.0.0.1/"})
    assert "Window: 2026-12-07 02:30:00 UTC+08:00 – 2026-12-07 02:38:49 UTC+08:00 (民國115年12月7日, Asia/Taipei)" in body
