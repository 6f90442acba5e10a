"""Contact data consistency, shared by the site_elements check (its finding) and the content check (its
`contact` signal): one majority rule applied by both to the footer contact data of their own pages, so
that neither check reaches into the other.

Values are compared by key: telephone numbers as national digits ((02)2345-6789 and +886-2-2345-6789
are one number), e-mail addresses case-insensitively, addresses without spacing or punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

_CJK = re.compile(r"[\u4e00-\u9fff]")
SAMPLE_PAGES = 10


def normalize_phone(value: str) -> str:
    """Digits of a Taiwanese number in national form: (02)2345-6789, 02-2345-6789, +886-2-2345-6789 → 0223456789."""
    value = unicodedata.normalize("NFKC", value)
    value = re.split(r"分機|轉|ext\.?|#|x(?=\s*\d)", value, maxsplit=1, flags=re.I)[0]
    digits = re.sub(r"\D", "", value)
    if digits.startswith("886") and len(digits) >= 11:
        digits = "0" + digits[3:]
    return digits


def normalize_address(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).replace("台", "臺")
    return re.sub(r"[\s,，.。()（）]", "", value).lower()


def contact_key(field: str, value: str) -> str:
    if field in ("phone", "fax"):
        return normalize_phone(value)
    if field == "email":
        return value.strip().lower()
    return ("zh:" if _CJK.search(value) else "en:") + normalize_address(value)


def _group(field: str, key: str) -> str:
    # addresses vote per language script (zh: / en:), so an English footer is not "inconsistent"
    return field + ("" if field != "address" else key[:3])


def inconsistent(footers: Iterable[tuple[str, dict[str, list[str]]]]) -> list[dict]:
    """Footer values that differ from the majority of footers: footers are (page url, {field: [values as
    shown]}), the first value of a field counts. One row per (field, key): the value shown, the majority's
    value, how many pages show it and a sample of them. A tie names no majority: the first value seen wins."""
    votes: dict[str, Counter] = defaultdict(Counter)  # group -> key -> pages
    shown: dict[tuple[str, str], str] = {}
    page_values: list[tuple[str, dict[str, str]]] = []
    for url, footer in footers:
        first = {}
        for field, values in footer.items():
            if values:
                key = contact_key(field, values[0])
                first[field] = key
                shown.setdefault((field, key), values[0])
                votes[_group(field, key)][key] += 1
        page_values.append((url, first))
    majority: dict[str, str] = {}
    for group, counter in votes.items():
        (top, top_n), *rest = counter.most_common()
        if rest and rest[0][1] == top_n:
            top = next(iter(counter))
        majority[group] = top
    pages: dict[tuple[str, str], list[str]] = defaultdict(list)
    for url, first in page_values:
        for field, key in first.items():
            if key != majority[_group(field, key)]:
                pages[(field, key)].append(url)
    return [{"field": field, "key": key, "value": shown[(field, key)],
             "majority": shown[(field, majority[_group(field, key)])], "pages": len(urls_),
             "sample": sorted(urls_)[:SAMPLE_PAGES]}
            for (field, key), urls_ in sorted(pages.items())]
