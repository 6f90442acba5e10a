"""Open formats (ODF-CNS15251): editable downloads must also be offered as ODF.

Domain §5: since 104-01-01 editable documents on government websites are offered in ODF (.odt, .ods,
.odp); a .doc/.docx/.xls/.xlsx/.ppt/.pptx without an ODF sibling is a violation. A sibling is an ODF
file with the same base name in the same folder, or an ODF link offered next to it on the same page
(in the same list item, table row, paragraph or definition). The file type comes from the URL path,
else from a `filename=` style query parameter, else from the link text (「申請書.docx」, 「DOCX」).

ratio = editable documents available in ODF ÷ editable documents, where a document is one file or
a group of sibling files (an .odt-only document counts as available in ODF).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from govaudit import urls
from govaudit.checks.anchors import anchors
from govaudit.models import CheckResult, CheckStatus, Severity
from govaudit.plugins import Check, CheckContext, Code, NotApplicable
from govaudit.reuse import PAGES

OOXML = {"doc": "odt", "docx": "odt", "xls": "ods", "xlsx": "ods", "ppt": "odp", "pptx": "odp"}
ODF = frozenset({"odt", "ods", "odp"})
EDITABLE = frozenset(OOXML) | ODF
_CONTAINERS = frozenset({"li", "tr", "p", "dd", "dt"})
_EXT_IN_TEXT = re.compile(r"(?:\.|\b)(docx?|xlsx?|pptx?|odt|ods|odp)\b", re.IGNORECASE)
SAMPLE_PAGES = 5


_TYPED_HREF = re.compile(r"\.(?:doc|xls|ppt|od)")
_NOT_PLAIN = re.compile(r"[?#%\\]")
_TYPE_LETTERS = re.compile("doc|xls|ppt|od")


def _plain_path(href: str) -> bool:
    """No query, fragment or escape, and no dot in the last path segment: normalising it cannot give a
    path with a file extension or a query, so extension() can only find the type in the link text."""
    return "." not in href.rsplit("/", 1)[-1] and not _NOT_PLAIN.search(href)


def _maybe_typed(text: str) -> bool:
    """False when _EXT_IN_TEXT cannot match (the regex is slow on long texts; this test is not)."""
    return _TYPE_LETTERS.search(text.casefold()) is not None


def extension(url: str, text: str = "") -> str:
    """The editable-document type of a link ('' when it is not one)."""
    parts = urlsplit(url)
    last = unquote(parts.path.rsplit("/", 1)[-1])
    if "." in last:
        ext = last.rsplit(".", 1)[-1].lower()
        if ext in EDITABLE:
            return ext
        if ext not in ("ashx", "aspx", "asp", "php", "jsp", "do", "cgi", "action"):
            return ""
    for _, value in parse_qsl(parts.query):
        value = value.strip().lower()
        if "." in value and value.rsplit(".", 1)[-1] in EDITABLE:
            return value.rsplit(".", 1)[-1]
    if parts.query or "." not in last:  # a download handler: the link text may name the type
        found = _EXT_IN_TEXT.findall(text or "")
        if len(found) == 1:
            return found[0].lower()
    return ""


def stem(url: str) -> str:
    """Folder and base name without extension: the key that pairs f01.docx with f01.odt."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    base = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    query = parts.query if "." not in path.rsplit("/", 1)[-1] else ""
    return f"{parts.netloc}{base}?{query}".lower()


class _Groups:
    """Union-find over document URLs."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class OpenFormats(Check):
    id = "odf"
    inputs = frozenset({PAGES})
    title = "Editable downloads offered in ODF"
    title_zh = "可編輯文件提供 ODF 格式"
    version = "1"
    reads_link_results = False
    report_anchor = "site_quality"
    indicator_tags = ("indicator:online_services", "component:odf")
    default_options = {"internal_only": False}
    codes = {
        "odf.missing": Code(Severity.MEDIUM, "An editable download (.doc/.docx/.xls/.xlsx/.ppt/.pptx) is offered "
                            "without an ODF version (.odt/.ods/.odp).",
                            "可編輯文件（.doc/.docx/.xls/.xlsx/.ppt/.pptx）未同時提供 ODF 格式（.odt/.ods/.odp）。"),
    }

    @staticmethod
    def page_facts(doc: Any, url: str) -> Any:
        """Editable-document links of the page: [url, type, container index or -1]."""
        base = url
        found = doc.find(".//base[@href]")
        if found is not None:
            try:
                base = urls.normalize_url(found.get("href"), url)
            except urls.InvalidURL:
                pass
        out = []
        containers: dict[Any, int] = {}
        for a, href, content in anchors(doc):
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            lowered = href.lower()
            if "?" not in lowered and not _TYPED_HREF.search(lowered) \
                    and "." in lowered.rsplit("/", 1)[-1]:
                continue  # a plain page or file of another type: skip the costly parts
            text = " ".join((content, a.get("title") or ""))
            if _plain_path(href) and not (_maybe_typed(text) and len(_EXT_IN_TEXT.findall(text)) == 1):
                continue  # /news/12: only its text could name a type (see extension), and it names none
            try:
                target = urls.normalize_url(href, base)
            except urls.InvalidURL:
                continue
            ext = extension(target, text)
            if not ext:
                continue
            box = -1
            el = a.getparent()
            while el is not None:
                if isinstance(el.tag, str) and el.tag in _CONTAINERS:
                    box = containers.setdefault(el, len(containers))  # the element, not id(): a freed proxy's id is reused
                    break
                el = el.getparent()
            out.append([target, ext, box])
        return out or None

    def run(self, ctx: CheckContext) -> CheckResult:
        groups = _Groups()
        kinds: dict[str, str] = {}
        offered_on: dict[str, set[str]] = defaultdict(set)
        by_stem: dict[str, list[str]] = defaultdict(list)
        internal_hosts = {urls.host_of(p.url) for p in ctx.pages()} if self.options["internal_only"] else None
        for page, facts in ctx.facts(self.id):
            if isinstance(facts, dict):  # {"_error": ...}: the analyzer failed on this page
                continue
            boxes: dict[int, list[str]] = defaultdict(list)
            for target, ext, box in facts:
                if internal_hosts is not None and urls.host_of(target) not in internal_hosts:
                    continue
                groups.find(target)
                kinds[target] = ext
                offered_on[target].add(page.url)
                if box >= 0:
                    boxes[box].append(target)
            for members in boxes.values():
                editable = [t for t in members if kinds[t] in OOXML]
                odf = [t for t in members if kinds[t] in ODF]
                if len(set(editable)) == 1 or len({stem(t) for t in editable}) == 1:
                    for t in editable + odf:
                        groups.union(members[0], t)
                # several documents in one container: pair only by name (below)
        for target in kinds:
            by_stem[stem(target)].append(target)
        for same in by_stem.values():
            for t in same[1:]:
                groups.union(same[0], t)
        if not kinds:
            raise NotApplicable("no editable document is offered for download")
        documents: dict[str, list[str]] = defaultdict(list)
        for target in kinds:
            documents[groups.find(target)].append(target)
        missing, with_odf = [], 0
        for members in documents.values():
            if any(kinds[t] in ODF for t in members):
                with_odf += 1
            else:
                missing.append(sorted(members))
        editable_files = [t for t in kinds if kinds[t] in OOXML]
        paired_files = [t for t in editable_files
                        if any(kinds[m] in ODF for m in documents[groups.find(t)])]
        findings = []
        missing_rows = []
        for members in sorted(missing):
            for target in members:
                pages = sorted(offered_on[target])
                wanted = OOXML[kinds[target]]
                findings.append(self.finding(
                    "odf.missing", f".{kinds[target]} offered without an .{wanted} version on {len(pages)} page(s)",
                    page=pages[0], target=target,
                    evidence={"type": kinds[target], "expected": wanted, "pages": len(pages),
                              "sample": pages[:SAMPLE_PAGES]}))
                missing_rows.append({"url": target, "type": kinds[target], "expected": wanted,
                                     "pages": pages[:SAMPLE_PAGES], "pages_total": len(pages)})
        total = len(documents)
        ratio = round(with_odf / total, 4)
        ooxml_ratio = round(len(paired_files) / len(editable_files), 4) if editable_files else None
        metrics = {"ratio": ratio, "documents": total, "documents_with_odf": with_odf,
                   "editable_files": len(editable_files), "editable_files_with_odf": len(paired_files),
                   "ooxml_with_odf_ratio": ooxml_ratio, "odf_files": sum(1 for k in kinds.values() if k in ODF)}
        data = {"disclosure": {"odf": {**metrics, "missing": missing_rows}}}
        status = CheckStatus.FAILED if missing else CheckStatus.PASSED
        return replace(self.result(status, metrics, findings), data=data)
