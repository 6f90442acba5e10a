"""crawler/sitemap.py on its own: plain and gzip sitemaps, bounded against hostile ones (pure, no server)."""

from __future__ import annotations

import gzip
import zlib

from govaudit.crawler.sitemap import parse_sitemap

NS = b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _urlset(n: int, start: int = 0) -> bytes:
    return b"<urlset " + NS + b">" + b"".join(b"<url><loc>http://h.tw/p%d</loc></url>\n" % i
                                             for i in range(start, start + n)) + b"</urlset>"


def test_plain_gzip_and_index():
    assert [u for u, _ in parse_sitemap(_urlset(3)).pages] == ["http://h.tw/p0", "http://h.tw/p1", "http://h.tw/p2"]
    assert len(parse_sitemap(gzip.compress(_urlset(1000))).pages) == 1000
    index = parse_sitemap(b"<sitemapindex " + NS + b"><sitemap><loc> a.xml </loc></sitemap></sitemapindex>")
    assert index.nested == ["a.xml"] and index.pages == []


def test_entries_are_capped_and_the_cap_is_reported_only_when_more_remain():
    capped = parse_sitemap(_urlset(500), max_entries=100)
    assert len(capped.pages) == 100 and capped.more_entries
    exact = parse_sitemap(_urlset(100), max_entries=100)
    assert len(exact.pages) == 100 and not exact.more_entries


def test_a_gzip_bomb_is_read_only_up_to_max_bytes():
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    blanks = b" " * (1024 * 1024)
    bomb = comp.compress(_urlset(5)[:-len(b"</urlset>")]) + b"".join(comp.compress(blanks) for _ in range(256)) \
        + comp.compress(b"</urlset>") + comp.flush()  # 256 MiB decompressed, about 256 KiB here
    got = parse_sitemap(bomb, max_bytes=2 * 1024 * 1024)
    assert got.too_big and len(got.pages) == 5
    small = parse_sitemap(gzip.compress(_urlset(5)), max_bytes=2 * 1024 * 1024)
    assert not small.too_big and len(small.pages) == 5


def test_broken_input_gives_what_could_be_read():
    assert parse_sitemap(b"\x1f\x8bnot gzip").pages == []
    assert parse_sitemap(b"not xml <<<").pages == []
    truncated = parse_sitemap(gzip.compress(_urlset(1000))[:-200])
    assert 900 < len(truncated.pages) < 1000
    # a multi-member gzip file (cat a.gz b.gz) is read through
    doc = _urlset(3)
    cut = doc.index(b"<url><loc>http://h.tw/p2")
    both = parse_sitemap(gzip.compress(doc[:cut]) + gzip.compress(doc[cut:]))
    assert [u for u, _ in both.pages] == ["http://h.tw/p0", "http://h.tw/p1", "http://h.tw/p2"]
