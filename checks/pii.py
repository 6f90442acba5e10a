"""個人資料: national ID and resident-certificate numbers on public pages and in their attachments.

Domain §7.1: 身分證字號 `[A-Z][12]\\d{8}`, 外來人口統一證號 old (`[A-Z][A-D]\\d{8}`) and new (`[A-Z][89]\\d{8}`,
from 110-01-02), all with the same checksum family, which cuts false positives on random strings.

A number is never stored or reported in full: the page analyzer keeps only masked values
(`A12****789`) and counts, and so does everything this check writes. `scan(text)` is the one pure
scanner, used on page text in the crawler and on attachment text here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from lxml import etree

from govaudit import attachments as attachment_files
from govaudit.models import CheckResult, CheckStatus, Page, Severity
from govaudit.plugins import Check, CheckContext, Code
from govaudit.reuse import PAGES

# Letter → two-digit code (note I, O, W, Z out of sequence).
LETTERS = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18, "K": 19,
    "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29,
    "W": 32, "X": 30, "Y": 31, "Z": 33,
}
WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
# Not glued to other letters or digits: "BA123456789" or "A1234567890" are something else.
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])([A-Z])([1289A-D])(\d{8})(?![0-9])")
NATIONAL_ID = "national_id"
RESIDENT_ID = "resident_id"
MAX_SAMPLES = 5  # masked samples kept per page


@dataclass(frozen=True, slots=True)
class Match:
    kind: str  # national_id | resident_id
    masked: str  # A12****789: never the full number
    start: int
    end: int


def mask(number: str) -> str:
    return f"{number[:3]}****{number[-3:]}"


def valid(number: str) -> bool:
    """Checksum of a 10-character ROC ID or resident-certificate number (old or new format)."""
    if len(number) != 10 or number[0] not in LETTERS or not number[2:].isdigit():
        return False
    code = LETTERS[number[0]]
    second = number[1]
    if second in "ABCD":  # old resident certificate: the letter's code, last digit
        second_digit = LETTERS[second] % 10
    elif second.isdigit():
        second_digit = int(second)
    else:
        return False
    digits = (code // 10, code % 10, second_digit, *(int(c) for c in number[2:]))
    return sum(d * w for d, w in zip(digits, WEIGHTS, strict=True)) % 10 == 0


def kind_of(number: str) -> str:
    return NATIONAL_ID if number[1] in "12" else RESIDENT_ID


def scan(text: str) -> list[Match]:
    """Every checksum-valid ID / resident-certificate number in text, masked."""
    out = []
    for m in _CANDIDATE.finditer(text):
        number = m.group(0)
        if valid(number):
            out.append(Match(kind_of(number), mask(number), m.start(), m.end()))
    return out


def summarize(matches: list[Match]) -> dict[str, Any] | None:
    if not matches:
        return None
    counts = Counter(m.kind for m in matches)
    samples = list(dict.fromkeys(m.masked for m in matches))[:MAX_SAMPLES]
    return {"counts": dict(sorted(counts.items())), "masked": samples}


_TEXT = etree.XPath("//body//text()[not(ancestor::script or ancestor::style or ancestor::template"
                    " or ancestor::noscript)] | //body//@alt | //body//@title | //body//@value")


class PersonalData(Check):
    id = "pii"
    inputs = frozenset({PAGES})
    title = "Personal data exposed (national ID, resident certificate)"
    title_zh = "個人資料外洩（身分證字號、居留證號）"
    version = "1"
    reads_link_results = False
    report_anchor = "site_quality"
    indicator_tags = ("indicator:content_validity", "component:content_correctness")
    default_options = {"scan_attachments": True}
    codes = {
        "pii.national-id": Code(Severity.CRITICAL,
                                "A checksum-valid national ID number (身分證字號) is published; shown masked.",
                                "網頁或附件公開了通過檢查碼驗證的身分證字號（報告中已遮蔽）。"),
        "pii.resident-id": Code(Severity.CRITICAL,
                                "A checksum-valid resident-certificate number (外來人口統一證號, old or new format) "
                                "is published; shown masked.",
                                "網頁或附件公開了通過檢查碼驗證的居留證號／外來人口統一證號（報告中已遮蔽）。"),
    }

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        # Cheap first pass over all text (C-level); the precise visible-text XPath only when something
        # looks like a number. Only masked values leave this function.
        if not _CANDIDATE.search(etree.tostring(doc, method="text", encoding="unicode")):
            return None
        text = " ".join(_TEXT(doc))
        return summarize(scan(text))

    def run(self, ctx: CheckContext) -> CheckResult:
        hits: list[dict[str, Any]] = []
        pages = attachments = unscanned = 0
        for page in ctx.pages():
            facts = page.facts.get(self.id)
            html = page.is_html
            if html:
                if page.body_hash and 200 <= (page.http_status or 0) < 300:
                    pages += 1
                if facts and "_error" not in facts:
                    hits.append({"url": page.url, "source": "page", **facts})
                continue
            if not page.body_hash or not self.options["scan_attachments"]:
                continue
            found = attachment_summary(ctx, page)
            if isinstance(found, str):  # UNREADABLE
                unscanned += 1
                continue
            attachments += 1
            if found:
                hits.append({"url": page.url, "source": "attachment", **found})
        if not pages and not attachments:
            return self.result(CheckStatus.NOT_APPLICABLE, {"pages_scanned": 0}, [])
        findings = []
        totals: Counter[str] = Counter()
        for hit in hits:
            for kind, count in hit["counts"].items():
                totals[kind] += count
                code = "pii.national-id" if kind == NATIONAL_ID else "pii.resident-id"
                label = "national ID number(s)" if kind == NATIONAL_ID else "resident-certificate number(s)"
                masked = [m for m in hit["masked"] if kind_of(m) == kind]
                findings.append(self.finding(
                    code, f"{count} {label} in the {hit['source']} text: {', '.join(masked)}", page=hit["url"],
                    evidence={"count": count, "masked": masked, "source": hit["source"]}))
        metrics = {
            "pages_scanned": pages, "attachments_scanned": attachments, "attachments_unscanned": unscanned,
            "pages_with_pii": len(hits), "national_ids": totals[NATIONAL_ID], "resident_ids": totals[RESIDENT_ID],
        }
        data = {"disclosure": {"pii": {
            "pages_scanned": pages, "attachments_scanned": attachments, "attachments_unscanned": unscanned,
            "total": sum(totals.values()),
            "hits": sorted(hits, key=lambda h: (-sum(h["counts"].values()), h["url"])),
        }}}
        status = CheckStatus.FAILED if hits else CheckStatus.PASSED
        return replace(self.result(status, metrics, findings), data=data)




UNREADABLE: Final = "unreadable"
# (body hash, content type, url) -> summary: the content check reads the same attachments in the same process
_SCANNED: dict[tuple[str | None, str, str], Any] = {}
MAX_SCANNED = 20000


def attachment_summary(ctx: CheckContext, page: Page) -> dict[str, Any] | None | Literal["unreadable"]:
    """summarize() of an attachment's text, None when clean, UNREADABLE when its text cannot be read.
    Memoised by body hash, so the pii and content checks extract each attachment once per process."""
    key = (page.body_hash, page.content_type or "", page.url)
    if key not in _SCANNED:
        if len(_SCANNED) >= MAX_SCANNED:
            _SCANNED.clear()
        text = _attachment_text(ctx.body(page) or b"", page.content_type, page.url)
        _SCANNED[key] = UNREADABLE if text is None else summarize(scan(text))
    return _SCANNED[key]


def _attachment_text(body: bytes, content_type: str, url: str) -> str | None:
    """Text of a PDF / ODF / OOXML attachment (govaudit.attachments, the extractor the crawler uses for
    their links), or of a plain-text one; None when it cannot be read."""
    if attachment_files.kind_of(content_type, url):
        try:
            return attachment_files.extract(body, content_type, url)[0]
        except Exception:  # an unreadable attachment is not scanned; it never fails the check
            return None
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("text/plain", "text/csv"):
        for encoding in ("utf-8", "cp950"):
            try:
                return body.decode(encoding)
            except UnicodeDecodeError:
                continue
        return body.decode("utf-8", "replace")
    return None
