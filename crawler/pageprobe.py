"""What an external page's first bytes say about it: title and text sample (for the soft-404 comparison)
and hijacked-domain vocabulary (config/links/hijack.yaml). Pure functions of bytes."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from importlib import resources

import yaml

from govaudit.crawler.charset import decode

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_DROP = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
SAMPLE = 2000  # characters of text kept for the soft-404 comparison


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    data = yaml.safe_load((resources.files("govaudit.config") / "links" / "hijack.yaml").read_text(encoding="utf-8"))
    kinds = {kind: tuple(t.lower() for t in terms) for kind, terms in data["kinds"].items()}
    return {"kinds": kinds, "min_body_terms": int(data.get("min_body_terms", 3)),
            "single": frozenset(data.get("single_term_kinds", ()))}


@lru_cache(maxsize=1)
def _not_found() -> tuple[str, ...]:
    data = yaml.safe_load((resources.files("govaudit.config") / "links" / "soft404.yaml").read_text(encoding="utf-8"))
    return tuple(str(t).lower() for t in data["not_found"])


def reads_as_not_found(title: str, text: str) -> bool:
    sample = f"{title} {text[:SAMPLE]}".lower()
    return any(term in sample for term in _not_found())


def summarize(body: bytes, content_type: str) -> tuple[str, str]:
    """(title, visible text sample) of an HTML prefix."""
    text, _, _ = decode(body, content_type)
    found = _TITLE.search(text)
    title = _SPACE.sub(" ", html.unescape(_TAG.sub("", found[1]))).strip()[:300] if found else ""
    visible = _TAG.sub(" ", _DROP.sub(" ", text))
    return title, _SPACE.sub(" ", html.unescape(visible)).strip()[:SAMPLE * 4]


def hijack_terms(title: str, text: str) -> tuple[str, list[str]] | None:
    """(kind, terms found) when the page reads as gambling / adult spam or a parked domain, else None."""
    vocab = vocabulary()
    title_l, text_l = title.lower(), text.lower()
    for kind, terms in vocab["kinds"].items():
        in_title = [t for t in terms if t in title_l]
        in_body = [t for t in terms if t in text_l]
        need = 1 if kind in vocab["single"] else vocab["min_body_terms"]
        if in_title or len(in_body) >= need:
            return kind, sorted(set(in_title + in_body))
    return None


def similar(a: str, b: str) -> float:
    """How alike two text samples are, 0..1 (cheap: shared word shingles)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def _shingles(text: str) -> set[str]:
    # CJK text has no spaces: 3-character shingles over the text with digits (dates, ids) masked.
    text = re.sub(r"\d+", "0", text[:SAMPLE])
    return {text[i:i + 3] for i in range(0, max(len(text) - 2, 0))}
