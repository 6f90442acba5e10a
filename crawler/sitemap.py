"""sitemap.xml and sitemap index parsing (plain or gzip), tolerant of the errors real sitemaps have and
bounded against hostile ones: the body is decompressed and parsed as a stream (a gzip bomb costs at most
`max_bytes` of decompression, never a tree in memory) and at most `max_entries` <loc> entries are taken.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
CHUNK = 64 * 1024


@dataclass
class Sitemap:
    nested: list[str] = field(default_factory=list)  # sitemap URLs of a sitemap index
    pages: list[tuple[str, int]] = field(default_factory=list)  # (page URL, line)
    too_big: bool = False  # more than max_bytes (decompressed): what was read is all there is
    more_entries: bool = False  # stopped after max_entries <loc> entries


def _chunks(body: bytes, max_bytes: int, out: Sitemap):
    """The document's bytes, decompressed when gzip, at most max_bytes of them."""
    if body[:2] != b"\x1f\x8b":
        if len(body) > max_bytes:
            out.too_big = True
        for start in range(0, min(len(body), max_bytes), CHUNK):
            yield body[start:min(start + CHUNK, max_bytes)]
        return
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    left, data = max_bytes, body
    try:
        while left > 0:
            if inflate.eof:  # a gzip file may hold several members, one after the other
                data = inflate.unused_data
                if data[:2] != b"\x1f\x8b":
                    return
                inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            piece = inflate.decompress(data, min(CHUNK, left))
            data = inflate.unconsumed_tail
            if not piece:
                return  # the input ended (a truncated gzip file): what was read is all there is
            left -= len(piece)
            yield piece
        if not inflate.eof and inflate.decompress(data, 1):
            out.too_big = True
    except zlib.error:
        return


def parse_sitemap(body: bytes, *, max_bytes: int = MAX_SITEMAP_BYTES, max_entries: int | None = None) -> Sitemap:
    """The <loc> entries of a sitemap or a sitemap index."""
    out = Sitemap()
    parser = etree.XMLPullParser(events=("start", "end"), recover=True, resolve_entities=False,
                                 no_network=True, huge_tree=False)
    is_index: bool | None = None
    taken = 0

    def drain() -> bool:
        nonlocal is_index, taken
        for event, element in parser.read_events():
            if not isinstance(element.tag, str):
                continue
            name = etree.QName(element).localname
            if event == "start":
                if is_index is None:
                    is_index = name == "sitemapindex"
                continue
            if name == "loc":
                text = (element.text or "").strip()
                if text:
                    if max_entries is not None and taken >= max_entries:
                        out.more_entries = True
                        return False
                    taken += 1
                    if is_index:
                        out.nested.append(text)
                    else:
                        out.pages.append((text, element.sourceline or 0))
            if name in ("url", "sitemap", "loc"):
                element.clear(keep_tail=False)  # streaming: what was read is not kept
                parent = element.getparent()
                if name != "loc" and parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        return True

    try:
        for chunk in _chunks(body, max_bytes, out):
            parser.feed(chunk)
            if not drain():
                return out
        parser.close()
        drain()
    except etree.XMLSyntaxError:
        pass
    return out
