import pytest

from govaudit import urls


@pytest.mark.parametrize(("raw", "base", "expected"), [
    ("HTTP://Example.GOV.tw:80/a/../b/./c.html#x", None, ("http://example.gov.tw/b/c.html", "x")),
    ("https://example.gov.tw:443", None, ("https://example.gov.tw/", "")),
    ("https://example.gov.tw:8443/p?b=2&a=1", None, ("https://example.gov.tw:8443/p?b=2&a=1", "")),
    ("../up.html", "http://h.tw/a/b/c.html", ("http://h.tw/a/up.html", "")),
    ("?page=2", "http://h.tw/news/list.aspx?page=1", ("http://h.tw/news/list.aspx?page=2", "")),
    ("#top", "http://h.tw/a.html", ("http://h.tw/a.html", "top")),
    ("/最新消息/公告.html", "http://h.tw/", ("http://h.tw/%E6%9C%80%E6%96%B0%E6%B6%88%E6%81%AF/%E5%85%AC%E5%91%8A.html", "")),
    (" http://h.tw/a\n b.html ", None, ("http://h.tw/a%20b.html", "")),
    ("http://部.tw/", None, ("http://xn--ig4a.tw/", "")),
    ("mailto:Service@Demo.gov.tw", "http://h.tw/", ("mailto:Service@Demo.gov.tw", "")),
    ("javascript:void(0)", "http://h.tw/", ("javascript:void(0)", "")),
    ("http://[::1]:8080/x", None, ("http://[::1]:8080/x", "")),
])
def test_normalize(raw, base, expected):
    assert urls.normalize(raw, base) == expected


@pytest.mark.parametrize(("path", "expected"), [
    ("/a/b/../c", "/a/c"), ("/a/./b/.", "/a/b/"), ("/../x", "/x"), ("/a/b/..", "/a/"), ("/a..b/c.d", "/a..b/c.d"),
])
def test_remove_dot_segments(path, expected):
    assert urls.remove_dot_segments(path) == expected


def test_normalize_is_idempotent():
    once = urls.normalize_url("HTTP://H.tw:80/a/./b/../c?q=中文")
    assert urls.normalize_url(once) == once


@pytest.mark.parametrize("bad", ["http://", "http://h.tw:99999/", "relative/path"])
def test_invalid_urls_raise(bad):
    with pytest.raises(urls.InvalidURL):
        urls.normalize(bad)


def test_unparsable_link_against_a_base_is_invalid_not_a_crash():
    # urljoin raises a bare ValueError here; the sitemap and redirect callers catch only InvalidURL.
    with pytest.raises(urls.InvalidURL):
        urls.normalize("http://[::1", "http://www.gov.tw/")
    with pytest.raises(urls.InvalidURL):
        urls.normalize_url("http://[::1/x", "http://www.gov.tw/")


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8000/", True), ("http://127.9.8.7/", True), ("http://localhost/", True),
    ("http://[::1]/", True), ("http://www.gov.tw/", False), ("http://128.0.0.1/", False),
    ("http://localhost.gov.tw/", False), ("http://10.0.0.1/", False),
])
def test_is_loopback_from_url_alone(url, loopback):
    assert urls.is_loopback(url) is loopback
