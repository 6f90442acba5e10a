"""crawler/gatedget.py: the after-crawl GET asks the scope gate at every redirect hop, ends a redirect
loop, and reads no more than its cap (real HTTP servers on 127.0.0.1)."""

from __future__ import annotations

import socket

from govaudit.crawler.gatedget import gated_get, session
from govaudit.models import ErrorKind
from govaudit.scope import Kind, Scope
from tests.siteserver import SiteServer


def _get(url: str, gate: Scope, kind: Kind = Kind.CHECK, *, max_bytes: int = 1024):
    with session(offline=gate.offline, user_agent="govaudit-test") as http:
        return gated_get(http, url, gate, kind, timeout=10, max_redirects=3, max_bytes=max_bytes)


def test_a_redirect_to_another_host_is_refused_at_the_hop():
    with SiteServer({"/robots.txt": (200, {}, b"User-agent: *\n")}) as other, SiteServer({
        "/robots.txt": (302, {"Location": other.url + "robots.txt"}, b""),
        "/away": (301, {"Location": "http://192.0.2.1/img.png"}, b""),
    }) as site:
        gate = Scope.of(site.url, offline=True)
        got = _get(site.url + "robots.txt", gate, Kind.ROBOTS)  # robots.txt only on the site's own hosts
        assert got.status is None and got.refused is not None and "out of scope" in got.refused.reason
        assert got.url == other.url + "robots.txt" and got.hops == [(302, other.url + "robots.txt")]
        assert other.hits == []
        got = _get(site.url + "away", gate)  # offline: loopback only
        assert got.refused is not None and got.refused.offline and got.status is None
        assert got.url == "http://192.0.2.1/img.png"


def test_a_redirect_loop_ends():
    with SiteServer({"/a": (302, {"Location": "/b"}, b""), "/b": (302, {"Location": "/a"}, b"")}) as site:
        got = _get(site.url + "a", Scope.of(site.url, offline=True))
    assert got.error_kind is ErrorKind.TOO_MANY_REDIRECTS and got.status is None
    assert len(site.hits) == 4 and len(got.chain) == 4  # max_redirects 3: the first request and 3 hops


def test_the_body_is_capped_and_an_answer_is_typed():
    with SiteServer({"/big": (200, {"Content-Type": "image/png"}, b"x" * 5000),
                      "/small": (301, {"Location": "/big2"}, b""),
                      "/big2": (200, {"Content-Type": "text/plain"}, b"hello")}) as site:
        gate = Scope.of(site.url, offline=True)
        big = _get(site.url + "big", gate)
        small = _get(site.url + "small", gate)
    assert big.status == 200 and big.truncated and len(big.body) == 1024 and big.content_type == "image/png"
    assert small.status == 200 and not small.truncated and small.body == b"hello"
    assert small.url == site.url + "big2" and small.hops == [(301, site.url + "big2")]


def test_a_refused_connection_is_an_error_not_an_exception():
    with socket.socket() as sock:  # a port nothing listens on once this socket is closed
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    got = _get(url, Scope.of(url, offline=True))
    assert got.error_kind is ErrorKind.REFUSED and got.status is None and got.error
