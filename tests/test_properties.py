"""Property-based tests (hypothesis) over what a hostile page controls: URL normalisation, link
extraction and the charset decoder never raise anything but InvalidURL, normalisation is idempotent, and
decoding always gives text. Each bug these found has an explicit example below (a regression test)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from govaudit import urls
from govaudit.crawler.charset import decode
from govaudit.crawler.extract import parse, resolve
from govaudit.crawler.parsepool import extract_page
from govaudit.crawler.traps import pattern, session_free, trap_kind
from govaudit.models import Page

# Few examples each: the suite runs beside six other sessions; a nightly can raise it with HYPOTHESIS_PROFILE.
settings.register_profile("suite", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=20_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

BASE = "http://127.0.0.1:8080/dir/page.html?q=1"
# Characters that matter to URL parsing, plus anything at all.
URL_ALPHABET = st.sampled_from(list(":/?#[]@!$&'()*+,;=%.-_~ \t\n\r\\\"<>{}|^`\x00\x7f") + ["中", "ｈ", "＠", "\u200b"])
URLISH = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(URL_ALPHABET, st.characters()), max_size=60).map("".join),
    st.builds(lambda s, rest: s + rest, st.sampled_from(["http://", "https://", "//", "http:", "/", "?", "#",
                                                         "HTTP://127.0.0.1:", "http://[", "http://a@", "mailto:"]),
              st.lists(st.one_of(URL_ALPHABET, st.characters()), max_size=40).map("".join)),
)


def _normalised(url: str, base: str | None) -> tuple[str, str] | None:
    try:
        return urls.normalize(url, base)
    except urls.InvalidURL:
        return None


@given(URLISH, st.sampled_from([None, BASE, "https://例子.tw/a/b/", "http://[::1]:8/x"]))
@example("http://127.0.0.1/%", None)
@example("http://127.0.0.1/a b?c d", None)
@example("http://127.0.0.1/\x00", None)
@example("http://127.0.0.1:0/", None)
@example("HTTP://¡..", None)  # found: IDNA failed on the empty labels, the dots were stripped after it
@example("HTTP://¨..", None)
def test_normalisation_never_raises_and_is_idempotent(url, base):
    first = _normalised(url, base)
    if first is None:
        return
    target, _fragment = first
    assert isinstance(target, str)
    if urls.scheme_of(target) in urls.HTTP_SCHEMES:
        again = _normalised(target, None)
        assert again is not None, target
        assert again[0] == target


@given(st.binary(max_size=2000))
@example(b"<meta charset='utf-7'>+AGEAYgBj-")
@example(b"\xff\xfe<\x00a\x00")
@example(b"<meta charset=\"x-user-defined\">\x80\x81")
def test_the_decoder_always_gives_text(body):
    for content_type in ("", "text/html", "text/html; charset=big5", "text/html; charset=utf-16",
                         "text/html; charset=no-such-charset"):
        text, encoding, replaced = decode(body, content_type)
        assert isinstance(text, str) and isinstance(encoding, str) and replaced >= 0


HTML_PIECES = st.sampled_from([
    "<a href='", "'>", "<img src=", " alt=", "<base href=", "<meta http-equiv=refresh content='0;url=",
    "<link rel=stylesheet href=", "<iframe src=", "<form action=", "<area href=", "srcset='", "style='background:url(",
    ")'>", "<!--", "-->", "<![CDATA[", "]]>", "<script>", "</script>", "<svg><a xlink:href=", "<?xml ?>",
    "<html lang=", "<title>", "</title>", "&#0;", "&#xD800;", "&amp;", "\x00", "\ufffd", "javascript:", "http://[",
    "http://127.0.0.1:99999/", "//", "#", "?", "<", ">", "\"", "'", " ", "\n",
])
HTML = st.one_of(st.lists(st.one_of(HTML_PIECES, st.text(max_size=8)), max_size=60).map("".join),
                 st.text(max_size=300))


@given(HTML)
@example("<a href='http://[::1'>x</a>")
@example("<base href='http://['><a href=x>y</a>")
@example("<a href='\x00'>nul</a>")
def test_link_extraction_never_raises(text):
    extracted = parse(text, BASE)
    for target, fragment, raw in resolve(extracted, BASE):
        assert isinstance(target, str) and isinstance(fragment, str) and raw.url is not None


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8", "text/html; charset=big5"])
@given(body=st.one_of(st.binary(max_size=1500), HTML.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_a_page_of_any_bytes_is_extracted(content_type, body):
    """The whole path a crawled body takes (decode, parse, resolve) in one call, as a parse worker runs it."""
    page = Page(url=BASE, requested_url=BASE, http_status=200, content_type=content_type, headers={}, depth=0,
                referrer="", size=len(body), elapsed=0.0, fetched_at="2026-12-07T00:00:00+00:00")
    parsed = extract_page(page, body, content_type, {})
    assert all(isinstance(link.target, str) for link in parsed.links)


def test_address_patterns_group_what_a_trap_generates():
    assert pattern("http://x/catalog?color=1&size=2") == pattern("http://x/catalog?size=5&color=0") \
        == "/catalog?color=&size="
    assert pattern("http://x/news/123.html") == pattern("http://x/news/9.html") == "/news/N.html"
    assert pattern("http://x/list?sid=abc&page=3") != pattern("http://x/list")


@given(URLISH)
def test_address_patterns_never_raise(url):
    target = _normalised(url, BASE)
    if target is not None and urls.scheme_of(target[0]) in urls.HTTP_SCHEMES:
        assert isinstance(pattern(target[0]), str)
        assert isinstance(session_free(target[0]), str)
        assert trap_kind(target[0], 2026) in (None, "calendar", "repeating_path")
