import pytest
from twisted.internet import error as neterr

from govaudit.crawler import classify
from govaudit.models import ErrorKind, LinkStatus


@pytest.mark.parametrize(("status", "chain", "expected"), [
    (200, [], LinkStatus.OK),
    (204, [], LinkStatus.OK),
    (200, [(302, "x")], LinkStatus.OK),  # temporary redirects are the server's business
    (200, [(302, "x"), (301, "y")], LinkStatus.REDIRECTED),
    (200, [(308, "x")], LinkStatus.REDIRECTED),
    (404, [], LinkStatus.BROKEN),
    (410, [], LinkStatus.BROKEN),
    (400, [], LinkStatus.BROKEN),
    (403, [], LinkStatus.UNVERIFIED),  # bot walls are not broken links
    (401, [], LinkStatus.UNVERIFIED),
    (999, [], LinkStatus.UNVERIFIED),
    (429, [], LinkStatus.UNVERIFIED),
    (500, [], LinkStatus.UNVERIFIED),  # transient until confirmed across nights
    (503, [], LinkStatus.UNVERIFIED),
])
def test_http_status_mapping(status, chain, expected):
    assert classify.from_http(status, chain)[0] is expected


def test_accepted_status_is_ok():
    assert classify.from_http(999, [], frozenset({999}))[0] is LinkStatus.OK


@pytest.mark.parametrize(("kind", "expected"), [
    (ErrorKind.DNS, LinkStatus.BROKEN), (ErrorKind.REDIRECT_LOOP, LinkStatus.BROKEN),
    (ErrorKind.TOO_MANY_REDIRECTS, LinkStatus.BROKEN), (ErrorKind.TIMEOUT, LinkStatus.UNVERIFIED),
    (ErrorKind.REFUSED, LinkStatus.UNVERIFIED), (ErrorKind.TLS, LinkStatus.UNVERIFIED),
    (ErrorKind.OFFLINE, LinkStatus.EXCLUDED), (ErrorKind.ROBOTS, LinkStatus.EXCLUDED),
    (ErrorKind.SCHEME, LinkStatus.UNSUPPORTED),
])
def test_error_mapping(kind, expected):
    assert classify.from_error(kind, "m")[0] is expected


@pytest.mark.parametrize(("exc", "kind"), [
    (neterr.DNSLookupError("x"), ErrorKind.DNS), (neterr.ConnectionRefusedError(), ErrorKind.REFUSED),
    (neterr.TimeoutError(), ErrorKind.TIMEOUT), (neterr.TCPTimedOutError(), ErrorKind.TIMEOUT),
    (neterr.ConnectionLost(), ErrorKind.RESET), (ValueError("odd"), ErrorKind.OTHER),
])
def test_error_kind_of_exceptions(exc, kind):
    assert classify.error_kind(exc) is kind


@pytest.mark.parametrize(("url", "status"), [
    ("mailto:service@demo.gov.tw", LinkStatus.OK),
    ("mailto:a@demo.gov.tw,b@demo.gov.tw?subject=x", LinkStatus.OK),
    ("mailto:service@@demo", LinkStatus.BROKEN),
    ("mailto:", LinkStatus.BROKEN),
    ("mailto:no-domain", LinkStatus.BROKEN),
    ("tel:+886-2-2380-8500", LinkStatus.OK),
    ("tel:(02)23808500", LinkStatus.OK),
    ("tel:call-us", LinkStatus.BROKEN),
    ("javascript:void(0)", LinkStatus.UNSUPPORTED),
    ("ftp://ftp.example.gov.tw/a", LinkStatus.UNSUPPORTED),
    ("invalid:http://[", LinkStatus.BROKEN),
])
def test_non_http_links_are_checked_by_syntax(url, status):
    assert classify.check_non_http(url)[0] is status
