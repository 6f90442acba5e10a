"""Times shown to people: in the site's time zone (profile `site.timezone`, default Asia/Taipei), and dates
also in the Republic of China calendar (民國 year = Gregorian year − 1911) where the assessment uses them.

Stored times and results.json keep ISO 8601 with their UTC offset; only what a person reads (the report,
the notification text) is converted here. Pure functions over ISO strings; a value that is not a time is
returned as it is (or "" for a date), so a report never fails on an odd stored value.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Taipei"
ROC_EPOCH = 1911  # 民國元年 = 1912


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}; write an IANA name, e.g. {DEFAULT_TIMEZONE}") from exc


def local(value: object, tz: str = DEFAULT_TIMEZONE) -> datetime | None:
    """An ISO 8601 time in `tz` (a time without an offset is taken as UTC); None when it is not one."""
    if not isinstance(value, str | datetime):
        return None
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(tz))


def shown(value: object, tz: str = DEFAULT_TIMEZONE) -> str:
    """`2026-12-07 02:38:49 UTC+08:00`: date, time and offset in `tz`."""
    moment = local(value, tz)
    if moment is None:
        return "" if value is None else str(value)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"


def day(value: object, tz: str = DEFAULT_TIMEZONE) -> str:
    """`2026-12-07`: the date in `tz` ("" when not a time)."""
    moment = local(value, tz)
    return f"{moment:%Y-%m-%d}" if moment is not None else ""


def roc_date(value: object, tz: str = DEFAULT_TIMEZONE) -> str:
    """`115年12月7日`: the date in `tz` in the ROC calendar ("" when not a time or before 民國元年)."""
    moment = local(value, tz)
    return roc_day(moment.date()) if moment is not None else ""


def roc_day(day: date) -> str:
    """`115年12月7日`: a calendar date (no zone to convert: an audit's `as_of`) in the ROC calendar."""
    return f"{day.year - ROC_EPOCH}年{day.month}月{day.day}日" if day.year > ROC_EPOCH else ""
