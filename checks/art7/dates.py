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


def year_of(value: str) -> int:
    """ROC year of a matched year string (4-digit Gregorian years are converted)."""
    year = int(value)
    return year - ROC_OFFSET if year >= 1000 else year


def months_between(earlier: dt.date, later: dt.date) -> float:
    return (later - earlier).days / 30.4375
