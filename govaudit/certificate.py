"""The 無障礙標章's certificate page (…/Applications/Detail?category=<認證編號>): which hosts issue it, and
what the page says — level, issue and expiry dates, revoked or expired.

The crawler reads the page after the crawl (crawler/certificate.py, through the one scope gate, online
only: Kind.CERTIFICATE on these hosts alone) and stores what it found on the mark link's result
(details["certificate"]); checks/accessibility_mark.py judges it. The Detail page's markup is not
documented (domain notes §3.2), so read_page() goes by its labels, not its layout: a label (檢測等級,
核發日期, 有效期限 …) and the first value after it, in a table cell, a <dd> or the same line, with ROC
(民國) or Gregorian dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

Era = Literal["moda", "ncc", "handicap-free"]

# Host of the certificate page → era of the mark (profile: links.certificate_hosts). Only moda's count today.
CERTIFICATE_HOSTS: dict[str, Era] = {
    "accessibility.moda.gov.tw": "moda",
    "accessibility.ncc.gov.tw": "ncc",
    "www.handicap-free.nat.gov.tw": "handicap-free",
    "handicap-free.nat.gov.tw": "handicap-free",
}
CURRENT_ERA: Era = "moda"
DETAIL_PATH = "/applications/detail"

# Labels seen or expected on the page, most specific first ("等級" alone would also match 檢測等級).
LEVEL_LABELS = ("檢測等級", "認證等級", "標章等級", "等級")
ISSUED_LABELS = ("核發日期", "通過日期", "認證日期", "發證日期")
EXPIRES_LABELS = ("有效期限", "有效日期", "到期日期", "到期日", "有效期間")
STATUS_LABELS = ("認證狀態", "標章狀態", "狀態")
# A certificate the authority withdrew (核發辦法 §7: 廢止並註銷), or one the page calls expired. Said as a
# fact (已廢止, 業經註銷) or as the status label's value; a menu item such as 「標章廢止公告」 is neither.
REVOKED_WORDS = re.compile(r"廢止|註銷|撤銷")
REVOKED = re.compile(r"(?:已|業經|經|遭|予以)\s*(?:廢止|註銷|撤銷)")
EXPIRED = re.compile(r"已(?:過期|逾期|失效)|已逾有效期")

_WINDOW = 60  # characters after a label its value is looked for in
_ROC = re.compile(r"(?:民國\s*)?(\d{2,3})\s*(?:年|[./-])\s*(\d{1,2})\s*(?:月|[./-])\s*(\d{1,2})\s*日?")
_GREGORIAN = re.compile(r"((?:19|20)\d{2})\s*(?:年|[./-])\s*(\d{1,2})\s*(?:月|[./-])\s*(\d{1,2})\s*日?")
_LEVEL = re.compile(r"(?<![A-Za-z])(AAA|AA\+?|A\+?)(?![A-Za-z])")
_SPACE = re.compile(r"[ \t\u3000\xa0]+")


@dataclass(frozen=True)
class CertificatePage:
    """What the certificate page said (or why it could not be read)."""

    url: str
    fetched_at: str = ""
    http_status: int | None = None
    error: str = ""  # why nothing was read ("" when the page answered 2xx)
    level: str = ""  # A / AA / AAA (A+ / AA+ on a legacy page)
    issued: str | None = None  # ISO date
    expires: str | None = None  # ISO date
    revoked: bool = False  # the page says 廢止 / 註銷 / 撤銷
    says_expired: bool = False  # the page itself says 已過期 / 已逾期 / 已失效
    evidence: str = ""  # the words that said revoked or expired

    @property
    def read(self) -> bool:
        """The page answered and named at least one of level, dates, revocation."""
        return not self.error and bool(self.level or self.issued or self.expires or self.revoked or self.says_expired)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> CertificatePage | None:
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def era_of(host: str, hosts: dict[str, str] | None = None) -> str:
    """The era of a certificate host (host[:port], lower case); "" for a host that issues no mark."""
    return (CERTIFICATE_HOSTS if hosts is None else hosts).get(host.lower(), "")


def parse_date(text: str) -> dt.date | None:
    """The first date in text: Gregorian (2024-03-05, 2024/3/5, 2024年3月5日) or ROC (113/03/05,
    民國113年3月5日). None when there is none or it is not a real date."""
    for pattern, offset in ((_GREGORIAN, 0), (_ROC, 1911)):
        match = pattern.search(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year + offset, month, day)
            except ValueError:
                return None
    return None


def _dates(text: str) -> list[dt.date]:
    """Every date in text, in order (a validity period "2024/03/05 ~ 2027/03/04" gives two)."""
    found: list[tuple[int, dt.date]] = []
    taken: list[range] = []
    for pattern, offset in ((_GREGORIAN, 0), (_ROC, 1911)):
        for match in pattern.finditer(text):
            if any(match.start() in span for span in taken):
                continue
            year, month, day = (int(g) for g in match.groups())
            try:
                found.append((match.start(), dt.date(year + offset, month, day)))
            except ValueError:
                continue
            taken.append(range(match.start(), match.end()))
    return [d for _, d in sorted(found)]


def page_text(doc: Any) -> str:
    """The visible text of an lxml document, one line per block or cell, so a label's value is on its
    line or the next."""
    # the authority's menus and footer are the same on every certificate page: only the record is read
    for bad in doc.xpath("//script | //style | //noscript | //nav | //header | //footer"):
        bad.drop_tree()
    lines = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for chunk in (el.text, el.tail):
            chunk = _SPACE.sub(" ", (chunk or "")).strip()
            if chunk:
                lines.append(chunk)
    return "\n".join(lines)


def read_page(text: str, url: str, *, fetched_at: str = "", http_status: int | None = None) -> CertificatePage:
    """What the certificate page's text (page_text) says. A label whose line holds no value takes the
    next line's (a <th> then its <td>)."""

    def value(labels: tuple[str, ...]) -> str:
        for label in labels:
            at = text.find(label)
            if at < 0:
                continue
            rest = text[at + len(label):].lstrip(" ：:|")
            line, _, after = rest.partition("\n")
            if not line.strip():
                line = after.split("\n", 1)[0]
            return line[:_WINDOW]
        return ""

    level_match = _LEVEL.search(value(LEVEL_LABELS))
    issued_dates = _dates(value(ISSUED_LABELS))
    expiry_dates = _dates(value(EXPIRES_LABELS))
    # "有效期限：2024/03/05 至 2027/03/04": the period's end is the expiry, its start the issue date
    expires = expiry_dates[-1] if expiry_dates else None
    issued = issued_dates[0] if issued_dates else (expiry_dates[0] if len(expiry_dates) > 1 else None)
    status = value(STATUS_LABELS)
    said = [_line_of(text, m.start()) for m in (REVOKED.search(text), EXPIRED.search(text)) if m]
    revoked = bool(REVOKED.search(text)) or bool(REVOKED_WORDS.search(status))
    if REVOKED_WORDS.search(status) or EXPIRED.search(status):
        said.insert(0, status.strip())
    evidence = " / ".join(dict.fromkeys(said))
    return CertificatePage(url=url, fetched_at=fetched_at, http_status=http_status,
                           level=level_match[1].upper() if level_match else "",
                           issued=issued.isoformat() if issued else None,
                           expires=expires.isoformat() if expires else None,
                           revoked=revoked, says_expired=bool(EXPIRED.search(text)), evidence=evidence[:300])


def _line_of(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start:end if end >= 0 else len(text)].strip()[:150]
