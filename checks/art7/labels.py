"""Section labels matched by meaning, not by one spelling.

Agencies title the same 第7條 section many ways: 「預算、決算及會計月報一覽」, 「本署預決算」, 「決算及預算」,
「行政規則（解釋性規定及裁量基準）」, 「補(捐)助經費」, 台/臺, full- or half-width brackets. A text names a
category when, once normalised, one of the category's labels is in it and what the labels, the
decorations every agency adds (本署, 專區, 一覽, 查詢 …), years and connectors do not cover is at most a
few characters. A headline carries a sentence around its keyword (「立法院審議通過本署115年度預算」,
「本署舉辦訴願制度說明會」), so it is never a section label.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Years, periods and ranges a section title may carry: 115年度, 2026年, 115-118年, 115年第3季, 115年10月.
_YEARS = re.compile(r"(?:民國)?\d{2,4}(?:[-~至到]\d{2,4})?年度?(?:第[1-4一二三四]季|\d{1,2}月)?|\d+")
_NUMBERING = re.compile(r"^[\d][\d\-.、]*")  # 網站導覽 trees number their entries: 「5-1-2預算…」
_DROP = re.compile(r"[\s()\[\]【】「」『』《》<>:：|｜\-–—_/,，.。、;；·・*#]+")


# Variant spellings agencies use for the same word.
_VARIANTS = str.maketrans({"台": "臺", "劃": "畫", "記": "紀"})


def normalize(text: str) -> str:
    """Full/half width folded (NFKC), variant characters unified (台/臺, 計劃/計畫, 記錄/紀錄), brackets,
    punctuation and spaces dropped."""
    text = unicodedata.normalize("NFKC", text or "").translate(_VARIANTS)
    return _DROP.sub("", _NUMBERING.sub("", text.strip()))


def _cover(text: str, terms: tuple[str, ...], mask: list[bool]) -> None:
    for term in terms:
        start = text.find(term)
        while term and start >= 0:
            for i in range(start, start + len(term)):
                mask[i] = True
            start = text.find(term, start + 1)


@functools.lru_cache(maxsize=1 << 15)
def section_match(text: str, labels: tuple[str, ...], decorations: tuple[str, ...], max_other: int,
                  negative: tuple[str, ...] = ()) -> str | None:
    """The label (as written in the taxonomy) a short text names, or None. `labels`, `decorations` and
    `negative` are normalised by the caller (Taxonomy.vocab), longest first."""
    norm = normalize(text)
    if not norm or any(n in norm for n in negative):
        return None
    hit = next((label for label in labels if label in norm), None)
    if hit is None:
        return None
    mask = [False] * len(norm)
    _cover(norm, labels, mask)
    _cover(norm, decorations, mask)
    for m in _YEARS.finditer(norm):
        for i in range(m.start(), m.end()):
            mask[i] = True
    return hit if mask.count(False) <= max_other else None
