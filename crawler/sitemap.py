"""sitemap.xml and sitemap index parsing (plain or gzip), tolerant of the errors real sitemaps have."""

from __future__ import annotations

import gzip
import io
import zlib

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed


def parse_sitemap(body: bytes) -> tuple[list[str], list[tuple[str, int]]]:
    """Return (nested sitemap URLs, [(page URL, line)])."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.GzipFile(fileobj=io.BytesIO(body)).read(MAX_SITEMAP_BYTES)
        except (OSError, EOFError, zlib.error):
            return [], []
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    nested, pages = [], []
    is_index = etree.QName(root).localname == "sitemapindex"
    for loc in root.iter("{*}loc", "loc"):
        text = (loc.text or "").strip()
        if not text:
            continue
        if is_index:
            nested.append(text)
        else:
            pages.append((text, loc.sourceline or 0))
    return nested, pages
