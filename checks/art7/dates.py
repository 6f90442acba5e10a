"""ROC (民國) and Gregorian dates as Taiwanese agency pages print them.

民國113年9月10日, 113年9月10日, 113-09-10, 113/9/10, 113.9.10 (ROC: a 2- or 3-digit year), and
2024-09-10, 2024/9/10, 2024年9月10日 (Gregorian: a 4-digit year from 1912). A year alone
(民國113年, 113年度) is a year, not a date. Labelled page dates follow 更新日期, 最後更新日期,
發布日期, 最後異動時間 and similar labels.
"""

from __future__ import annotations

import datetime as dt
import re

ROC_OFFSET = 1911
_DATE = re.compile(
    r"(?<![\d.])(?:民國\s*)?(?P<y>(?:19|20)\d{2}|\d{2,3})\s*(?P<s1>[-/.年])\s*(?P<m>\d{1,2})\s*"
    r"(?P<s2>[-/.月])\s*(?P<d>\d{1,2})(?![\d])"
)
# A label, optional colon, then the date within a few characters.
LABELS = ("最後更新日期", "最後更新時間", "更新日期", "更新時間", "最後異動時間", "最後異動日期", "異動日期",
          "發布日期", "發佈日期", "上版日期", "公告日期", "資料更新", "Last updated", "Updated")
_LABELLED = re.compile(r"(?:" + "|".join(re.escape(label) for label in LABELS) + r")\s*[:：]?\s*(.{6,24})")
_YEAR_KEYWORD = r"(?<!\d)(?:民國\s*)?(?P<y>(?:19|20)\d{2}|\d{2,3})\s*年度?[^\d，。；、\s（）()]{0,10}?(?P<k>{kw})"


def to_date(year: int, month: int, day: int, *, roc: bool | None = None) -> dt.date | None:
    """The Gregorian date, or None if it is not a real date. roc=None decides by the year's width."""
    if roc is None:
        roc = year < 1000
    if roc:
        if not 1 <= year <= 200:
            return None
        year += ROC_OFFSET
    elif not 1912 <= year <= 2100:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _from_match(match: re.Match) -> dt.date | None:
    s1, s2 = match["s1"], match["s2"]
    # 年 goes with 月; the other separators must agree (113-9/10 is not a date).
    if (s1 == "年") != (s2 == "月") or (s1 != "年" and s1 != s2):
        return None
    return to_date(int(match["y"]), int(match["m"]), int(match["d"]))


def find_dates(text: str) -> list[dt.date]:
    """Every date in the text, in order of appearance."""
    out = []
    for match in _DATE.finditer(text):
        day = _from_match(match)
        if day is not None:
            out.append(day)
    return out


def parse_date(text: str) -> dt.date | None:
    """The first date in the text."""
    found = find_dates(text)
    return found[0] if found else None


def labelled_date(text: str) -> dt.date | None:
    """The date that follows an update/publication label (更新日期：113-09-10), the latest if several."""
    found = []
    for match in _LABELLED.finditer(text):
        day = parse_date(match[1])
        if day is not None:
            found.append(day)
    return max(found) if found else None


def roc_year(day: dt.date) -> int:
    return day.year - ROC_OFFSET


def year_keyword_pattern(keywords: list[str]) -> re.Pattern:
    """Matches 「113年度單位法定預算」 → (113, 預算); 2024 is read as ROC 113."""
    return re.compile(_YEAR_KEYWORD.replace("{kw}", "|".join(re.escape(k) for k in sorted(keywords, key=len,
                                                                                            reverse=True))))


def year_range_pattern(keywords: list[str]) -> re.Pattern:
    """Matches 「中程施政計畫(115-118年)」, 「施政計畫（113至116年）」 → the range's end year as y."""
    kw = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?P<k>{kw})[^\d，。；]{{0,3}}?(?<!\d)(?:民國\s*)?(?:19|20)?\d{{2,3}}\s*[-~～－至到]\s*"
                      rf"(?P<y>(?:19|20)\d{{2}}|\d{{2,3}})\s*年")


# Statistics name the period they cover: 115年10月 (not 115年10月2日, a date), 115年第3季, 114年…統計年報.
_MONTH = re.compile(r"(?<!\d)(?:民國\s*)?(?P<y>(?:19|20)\d{2}|\d{2,3})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d{1,2}\s*日)(?!份?\d)")
_QUARTER = re.compile(r"(?<!\d)(?:民國\s*)?(?P<y>(?:19|20)\d{2}|\d{2,3})\s*年(?:度)?\s*第\s*(?P<q>[1-4一二三四])\s*季")
_YEAR = re.compile(r"(?<!\d)(?:民國\s*)?(?P<y>(?:19|20)\d{2}|\d{2,3})\s*年(?:度)?[^\d，。；、\s]{0,12}?(?:統計|年報)")
_Q = {"一": 1, "二": 2, "三": 3, "四": 4}


def _month_end(year: int, month: int) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def statistic_periods(text: str) -> dict[str, str]:
    """The end (ISO) of the newest monthly, quarterly and yearly period the text names."""
    found: dict[str, dt.date] = {}

    def keep(kind: str, day: dt.date | None) -> None:
        if day is not None and 1912 <= day.year <= 2100 and (kind not in found or day > found[kind]):
            found[kind] = day

    for m in _MONTH.finditer(text):
        keep("monthly", _month_end(year_of(m["y"]) + ROC_OFFSET, int(m["m"])))
    for m in _QUARTER.finditer(text):
        q = _Q.get(m["q"]) or int(m["q"])
        keep("quarterly", _month_end(year_of(m["y"]) + ROC_OFFSET, q * 3))
    for m in _YEAR.finditer(text):
        keep("yearly", dt.date(year_of(m["y"]) + ROC_OFFSET, 12, 31))
    return {k: v.isoformat() for k, v in found.items()}


def year_of(value: str) -> int:
    """ROC year of a matched year string (4-digit Gregorian years are converted)."""
    year = int(value)
    return year - ROC_OFFSET if year >= 1000 else year


def months_between(earlier: dt.date, later: dt.date) -> float:
    return (later - earlier).days / 30.4375
