"""Decode page bytes the way a browser would, getting legacy Big5 / cp950 agency pages right.

Order: BOM, HTTP charset, <meta> charset in the first 4 KB, strict UTF-8, strict cp950 (short pages
fool statistical detection, and an undeclared legacy page on an agency site is cp950), then detection.
Big5 labels decode as cp950: pages written on Windows use its extensions, and plain big5 fails on them.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_ALIASES = {
    "big5": "cp950", "big5-hkscs": "big5hkscs", "x-big5": "cp950", "cn-big5": "cp950",
    "csbig5": "cp950", "ms950": "cp950", "windows-950": "cp950",
    # WHATWG: these labels mean windows-1252 / GB18030 in browsers.
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "gb2312": "gb18030", "gbk": "gb18030",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _canonical(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type or "", re.I)
    return match.group(1) if match else None


def detect(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Return (encoding, how it was decided)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, "bom"
    declared = _canonical(header_charset(content_type))
    if declared:
        return declared, "http"
    match = _META.search(body[:4096])
    declared = _canonical(match.group(1).decode("ascii", "ignore")) if match else None
    if declared:
        return declared, "meta"
    for candidate in ("utf-8", "cp950"):  # undeclared legacy pages on agency sites are cp950
        try:
            body.decode(candidate)
            return candidate, "fallback"
        except UnicodeDecodeError:
            pass
    best = from_bytes(body[:65536]).best()
    guessed = _canonical(best.encoding) if best else None
    return (guessed or "cp950"), "detected"


def decode(body: bytes, content_type: str = "") -> tuple[str, str, int]:
    """Return (text, encoding, number of undecodable bytes replaced): the last is a mojibake signal."""
    encoding, _how = detect(body, content_type)
    text = body.decode(encoding, errors="replace")
    if encoding.startswith("utf-8") and text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding, text.count("\ufffd")
