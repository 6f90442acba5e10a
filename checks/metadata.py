"""分類檢索: the share of pages carrying the Dublin Core and Category.* metadata of 電子化政府入口網.

Domain §4: 「行政機關電子資料流通詮釋資料及分類檢索規範」 makes the 15 DC elements mandatory, plus the
three classification elements Category.Theme (主題分類), Category.Cake (施政分類) and Category.Service
(服務分類). Names are matched case-insensitively; `DC.coverage.t.min` and the like count as DC.Coverage.
The full code lists are annexes not yet collected, so values are checked by shape: Theme three
digits, Cake and Service a letter and two digits, DC.Date a date.

Findings are grouped like templates: one per element, problem and site section (first path segment),
with a count and sample pages, never one per page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from govaudit.models import CheckResult, CheckStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import PAGES

DC_ELEMENTS = ("Title", "Creator", "Subject", "Description", "Contributor", "Type", "Format", "Source",
               "Language", "Coverage", "Publisher", "Date", "Identifier", "Relation", "Rights")
CATEGORY_ELEMENTS = ("Theme", "Cake", "Service")
ELEMENTS = tuple(f"DC.{e}" for e in DC_ELEMENTS) + tuple(f"Category.{e}" for e in CATEGORY_ELEMENTS)
_CANONICAL = {e.lower(): e for e in ELEMENTS}
_SPLIT = re.compile(r"[;,、\s]+")
_DATE = re.compile(r"^(?:\d{4}|\d{2,3})[-/.]\d{1,2}(?:[-/.]\d{1,2})?(?:[T ].*)?$|^\d{8}$")
SHAPES: dict[str, re.Pattern] = {
    "Category.Theme": re.compile(r"^\d{3}$"),
    "Category.Cake": re.compile(r"^[A-Z]\d{2}$"),
    "Category.Service": re.compile(r"^[A-Z]\d{2}$"),
}
MAX_VALUE = 80
SAMPLE_PAGES = 5


def canonical(name: str) -> str | None:
    key = name.strip().lower()
    if key in _CANONICAL:
        return _CANONICAL[key]
    if key.startswith("dc.coverage."):  # DC.coverage.t.min / .t.max / .spatial
        return "DC.Coverage"
    return None


def problem(element: str, values: list[str]) -> str | None:
    """None when the element's values are well-formed, else a short reason."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return "empty"
    if element in SHAPES:
        codes = [c for v in values for c in _SPLIT.split(v) if c]
        bad = [c for c in codes if not SHAPES[element].match(c)]
        return f"not a code: {bad[0][:20]}" if bad or not codes else None
    if element == "DC.Date" and not any(_DATE.match(v) for v in values):
        return f"not a date: {values[0][:20]}"
    return None


def section_of(url: str) -> str:
    """The template-like group of a page: its site's first path segment ('/' for top-level pages)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    first = path.lstrip("/").split("/", 1)
    prefix = f"/{first[0]}/" if len(first) > 1 else "/"
    return f"{parts.scheme}://{parts.netloc}{prefix}"


class Metadata(Check):
    id = "metadata"
    inputs = frozenset({PAGES})
    title = "Classification metadata (DC.* and Category.*)"
    title_zh = "資訊標示配合電子化政府入口網提供分類檢索（詮釋資料）"
    version = "1"
    reads_link_results = False
    report_anchor = "site_quality"
    indicator_tags = ("indicator:disclosure_adequacy", "component:metadata")
    default_options = {"required": list(ELEMENTS), "check_values": True}
    codes = {
        "metadata.missing": Code(Severity.MEDIUM, "Pages carry no DC.* or Category.* metadata at all.",
                                 "網頁完全沒有 DC.* 或 Category.* 詮釋資料。"),
        "metadata.element-missing": Code(Severity.LOW, "Pages lack a required metadata element.",
                                         "網頁缺少必備的詮釋資料欄位。"),
        "metadata.malformed": Code(Severity.LOW, "A metadata element is empty or its value is not well-formed "
                                   "(Category codes, DC.Date).",
                                   "詮釋資料欄位內容為空或格式不正確（分類代碼、DC.Date）。"),
    }

    def __init__(self, options: dict[str, Any] | None = None):
        super().__init__(options)
        names = [(e, canonical(e)) for e in self.options["required"]]
        unknown = [e for e, name in names if name is None]
        if unknown:
            raise ValueError(f"check metadata: unknown element(s) in required: {', '.join(unknown)}")
        self.required = [name for _, name in names if name is not None]

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        found: dict[str, list[str]] = {}
        for meta in doc.iter("meta"):
            name = meta.get("name")
            if not name:
                continue
            element = canonical(name)
            if element is not None:
                found.setdefault(element, []).append((meta.get("content") or "")[:MAX_VALUE])
        return found  # {} for a page without metadata: it still counts in the share

    def run(self, ctx: CheckContext) -> CheckResult:
        pages = complete = bare = 0
        present: dict[str, int] = defaultdict(int)
        wellformed: dict[str, int] = defaultdict(int)
        # (code, section, element) -> [pages], and a reason sample
        groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        reasons: dict[tuple[str, str, str], str] = {}
        for page, facts in ctx.facts(self.id):
            if "_error" in facts or not page.is_html:
                continue
            pages += 1
            section = section_of(page.url)
            if not facts:
                bare += 1
                groups[("metadata.missing", section, "")].append(page.url)
                continue
            ok = True
            for element in self.required:
                values = facts.get(element)
                if values is None:
                    ok = False
                    groups[("metadata.element-missing", section, element)].append(page.url)
                    continue
                present[element] += 1
                reason = problem(element, values) if self.options["check_values"] else None
                if reason:
                    ok = False
                    key = ("metadata.malformed", section, element)
                    groups[key].append(page.url)
                    reasons.setdefault(key, reason)
                else:
                    wellformed[element] += 1
            complete += ok
        if not pages:
            raise NotApplicable("no HTML page was parsed")
        findings = []
        for (code, section, element), urls in sorted(groups.items()):
            n = len(urls)
            what = element or "DC.* / Category.*"
            if code == "metadata.missing":
                message = f"{n} page(s) under {section} carry no metadata"
            elif code == "metadata.element-missing":
                message = f"{n} page(s) under {section} lack {element}"
            else:
                message = f"{element} malformed on {n} page(s) under {section} ({reasons[(code, section, element)]})"
            findings.append(self.finding(code, message, page=section, target=what, evidence={
                "pages": n, "sample": sorted(urls)[:SAMPLE_PAGES], "element": element,
                "reason": reasons.get((code, section, element), "")}))
        coverage = round(complete / pages, 4)
        elements = {e: {"present": round(present[e] / pages, 4), "wellformed": round(wellformed[e] / pages, 4)}
                    for e in self.required}
        metrics = {"coverage": coverage, "pages": pages, "pages_complete": complete, "pages_without_metadata": bare}
        without = sorted(u for (code, _, _), urls in groups.items() if code == "metadata.missing" for u in urls)
        data = {"disclosure": {"metadata": {
            "coverage": coverage, "pages": pages, "pages_complete": complete, "pages_without_metadata": bare,
            "without_metadata_sample": without[:50], "elements": elements,
            "groups": [{"code": f.code, "section": f.page, "element": f.evidence["element"],
                        "pages": f.evidence["pages"], "sample": f.evidence["sample"],
                        "reason": f.evidence["reason"]} for f in findings],
        }}}
        status = CheckStatus.PASSED if complete == pages else CheckStatus.FAILED
        return replace(self.result(status, metrics, findings), data=data)


